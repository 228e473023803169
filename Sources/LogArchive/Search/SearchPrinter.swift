/// Turns the ordered stream of matched and context lines into output bytes, as grep prints them
/// (`--` between groups) or as JSON Lines, and keeps to `--max-results`: once enough matches are
/// printed, only the trailing context of the last one follows.
final class SearchPrinter {
    private let format: SearchOutputFormat
    private let context: Int
    private let separatesGroups: Bool
    private let maxResults: Int
    private let write: (UnsafeRawBufferPointer) throws -> Void
    private var buffer: [UInt8] = []

    private(set) var matches = 0
    private var printedAnything = false
    private var currentFile = -1
    private var lastNumber = 0
    private var lastMatchNumber = 0

    // JSON Lines: the lines before a match and the matches still waiting for their after-context.
    private var recent: [SearchLine] = []
    private var pending: [(match: SearchLine, before: [SearchLine], after: [SearchLine])] = []
    private var pendingSource: LogSource?

    init(format: SearchOutputFormat, context: Int, separatesGroups: Bool, maxResults: Int?, write: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.format = format
        self.context = context
        self.separatesGroups = separatesGroups
        self.maxResults = maxResults ?? Int.max
        self.write = write
        buffer.reserveCapacity(1 << 16)
    }

    /// Takes the next line in output order; false when the search has printed all it may.
    func accept(_ line: SearchLine, of source: LogSource, fileIndex: Int) throws -> Bool {
        if matches >= maxResults {
            // Only the trailing context of the last match printed may follow.
            guard !line.isMatch, fileIndex == currentFile, line.number <= lastMatchNumber + context else { return false }
        }
        let startsGroup = fileIndex != currentFile || line.number != lastNumber + 1
        if fileIndex != currentFile { flushPending() }
        currentFile = fileIndex
        lastNumber = line.number
        if line.isMatch {
            matches += 1
            lastMatchNumber = line.number
        }
        switch format {
        case .text(let color):
            if startsGroup && separatesGroups && printedAnything { buffer.append(contentsOf: "--\n".utf8) }
            appendText(line, source, color: color)
        case .jsonLines:
            acceptJSON(line, source, startsGroup: startsGroup)
        }
        printedAnything = true
        if buffer.count >= 1 << 16 { try flush() }
        return true
    }

    func finish() throws {
        flushPending()
        try flush()
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try write($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func appendText(_ line: SearchLine, _ source: LogSource, color: Bool) {
        let separator = line.isMatch ? UInt8(ascii: ":") : UInt8(ascii: "-")
        // The name is the index's (anyone's who can push) and stays on its line; the log's own text
        // follows as stored, as grep prints it.
        buffer.append(contentsOf: Wording.oneLine(source.displayPath).utf8)
        buffer.append(separator)
        buffer.append(contentsOf: String(line.number).utf8)
        buffer.append(separator)
        if color && !line.ranges.isEmpty {
            var position = 0
            for range in line.ranges {
                buffer.append(contentsOf: line.bytes[position..<range.lowerBound])
                buffer.append(contentsOf: "\u{1B}[1;31m".utf8)
                buffer.append(contentsOf: line.bytes[range])
                buffer.append(contentsOf: "\u{1B}[0m".utf8)
                position = range.upperBound
            }
            buffer.append(contentsOf: line.bytes[position...])
        } else {
            buffer.append(contentsOf: line.bytes)
        }
        buffer.append(UInt8(ascii: "\n"))
    }

    private func acceptJSON(_ line: SearchLine, _ source: LogSource, startsGroup: Bool) {
        if startsGroup {
            flushPending()
            recent.removeAll()
        }
        pendingSource = source
        for index in pending.indices where pending[index].after.count < context {
            pending[index].after.append(line)
        }
        while let first = pending.first, first.after.count >= context {
            appendJSON(first.match, before: first.before, after: first.after, source)
            pending.removeFirst()
        }
        if line.isMatch {
            if context == 0 {
                appendJSON(line, before: [], after: [], source)
            } else {
                pending.append((line, Array(recent.suffix(context)), []))
            }
        }
        recent.append(line)
        if recent.count > context { recent.removeFirst(recent.count - context) }
    }

    private func flushPending() {
        guard let source = pendingSource else { return }
        for waiting in pending { appendJSON(waiting.match, before: waiting.before, after: waiting.after, source) }
        pending.removeAll()
    }

    private func appendJSON(_ match: SearchLine, before: [SearchLine], after: [SearchLine], _ source: LogSource) {
        func text(_ line: SearchLine) -> JSONValue { .string(String(decoding: line.bytes, as: UTF8.self)) }
        let object = JSONObject([
            ("issue", source.issue.map { .integer($0.value) } ?? .null),
            ("type", .string(source.type.rawValue)),
            ("file", .string(source.displayPath)),
            ("line_number", .integer(Int64(match.number))),
            ("line", text(match)),
            ("context_before", .array(before.map(text))),
            ("context_after", .array(after.map(text))),
            ("archived", .bool(source.isArchived)),
        ])
        buffer.append(contentsOf: JSONWriter.compact(.object(object)).utf8)
        buffer.append(UInt8(ascii: "\n"))
    }
}
