import Glibc
import CStringSearch

/// One line of search output: a match or a context line, with its number in the file.
public struct SearchLine: Sendable, Equatable {
    public let number: Int
    public let isMatch: Bool
    public let bytes: [UInt8]
    /// Where the matches are in `bytes`, when highlighting asked for them.
    public let ranges: [Range<Int>]
}

/// Thrown to end a search early: the file reached its match cap, or the whole search has enough.
struct SearchStopped: Error {}

/// Scans decompressed bytes as they stream in and reports matching lines with their context, as
/// `grep -n -C N` would. Lines are only split around matches: a literal is found with `memmem` over
/// a whole block, and newlines are counted word by word in between. Only the partial line at the
/// end of a chunk and the last `context` lines are kept between chunks.
///
/// Memory is bounded whatever the input: a line longer than `window` (a gzip bomb of zeros has
/// no newline for gigabytes) is never held whole. It is matched window by window, each window
/// overlapping the last by `overlap` bytes, and reported as a bounded excerpt around its first
/// match (or its head, as a context line) behind a marker giving the line's real length and the
/// excerpt's offset. A literal is always found (the overlap is the needle's length less one); a
/// regular expression is found in a huge line when its match fits in `regexOverlap` bytes, and
/// `^`/`$` hold only at the line's own start and end.
final class LineScanner {
    /// The longest line held, matched and printed whole.
    static let window = 256 * 1024
    /// How far back each window of a huge line reaches into the one before, for a regex.
    static let regexOverlap = 16 * 1024
    /// Bytes shown before a match in a huge line, and after it; a longer match is shown up to this.
    static let excerptRadius = 256

    private let matcher: LineMatcher
    private let context: Int
    private let maxMatches: Int
    private let wantsRanges: Bool
    private let emit: (SearchLine) throws -> Void

    /// The line begun at the end of the last chunk (of a huge line: its last window's overlap).
    private var carry: [UInt8] = []
    /// The number of the first line of the next block.
    private var nextLineNumber = 1
    /// The last `context` lines before the next block, for the before-context of a match at its start.
    private var tail: [(number: Int, bytes: [UInt8])] = []
    private var lastEmitted = 0
    private var afterRemaining = 0
    private var matchCount = 0
    private var lowered = UnsafeMutableRawBufferPointer.allocate(byteCount: 0, alignment: 16)
    /// The line being read when it outgrew the window.
    private var huge: HugeLine?

    private struct HugeLine {
        /// Where `carry`'s first byte is in the line.
        var offset: Int64 = 0
        /// The line's first bytes, shown when it is a context line.
        var head: [UInt8]
        /// The excerpt around the first match, where it starts in the line, and the match in it.
        var match: (excerpt: [UInt8], start: Int64, range: Range<Int>)?
    }

    init(matcher: LineMatcher, context: Int, maxMatches: Int?, wantsRanges: Bool, emit: @escaping (SearchLine) throws -> Void) {
        self.matcher = matcher
        self.context = context
        self.maxMatches = maxMatches ?? Int.max
        self.wantsRanges = wantsRanges
        self.emit = emit
    }

    deinit { lowered.deallocate() }

    private var overlap: Int {
        if let literal = matcher.literal { return max(literal.count - 1, 0) }
        return LineScanner.regexOverlap
    }

    func feed(_ chunk: UnsafeRawBufferPointer) throws {
        // Pieces of at most a window: a line inside one piece is never longer than the window.
        var offset = 0
        while offset < chunk.count {
            let end = min(chunk.count, offset + LineScanner.window)
            try feedPiece(UnsafeRawBufferPointer(rebasing: chunk[offset..<end]))
            offset = end
        }
    }

    private func feedPiece(_ chunk: UnsafeRawBufferPointer) throws {
        guard let base = chunk.baseAddress, !chunk.isEmpty else { return }
        var start = 0
        if !carry.isEmpty || huge != nil {
            guard let newline = memchr(base, 0x0A, chunk.count) else {
                appendToLine(chunk)
                return
            }
            let lineEnd = base.distance(to: UnsafeRawPointer(newline))
            appendToLine(UnsafeRawBufferPointer(rebasing: chunk[0..<lineEnd]))
            if huge != nil {
                try finishHugeLine()
            } else {
                carry.append(0x0A)
                try carry.withUnsafeBytes { try scanBlock($0) }
                carry.removeAll(keepingCapacity: true)
            }
            start = lineEnd + 1
        }
        let rest = UnsafeRawBufferPointer(rebasing: chunk[start...])
        if let last = LineScanner.lastNewline(rest, before: rest.count) {
            try scanBlock(UnsafeRawBufferPointer(rebasing: rest[0...last]))
            appendToLine(UnsafeRawBufferPointer(rebasing: rest[(last + 1)...]))
        } else {
            appendToLine(rest)
        }
    }

    /// The last line, when the input does not end with a newline.
    func finish() throws {
        if huge != nil { return try finishHugeLine() }
        guard !carry.isEmpty else { return }
        try carry.withUnsafeBytes { try scanBlock($0) }
        carry.removeAll()
    }

    // MARK: Lines longer than the window

    /// Adds bytes of the unfinished line (no newline among them); past the window, the line is
    /// matched so far and only the overlap kept.
    private func appendToLine(_ bytes: UnsafeRawBufferPointer) {
        carry.append(contentsOf: bytes)
        guard carry.count > LineScanner.window else { return }
        if huge == nil { huge = HugeLine(head: Array(carry.prefix(2 * LineScanner.excerptRadius))) }
        matchWindow(endsLine: false)
        let dropped = carry.count - min(overlap, carry.count)
        huge?.offset += Int64(dropped)
        carry.removeFirst(dropped)
    }

    /// Looks for the huge line's first match in `carry`, unless one is found already.
    private func matchWindow(endsLine: Bool) {
        guard var line = huge, line.match == nil, matchCount < maxMatches else { return }
        carry.withUnsafeBytes { window in
            let view = lowerIfNeeded(window)
            let found = matcher.firstMatch(inWindow: view, startsLine: line.offset == 0, endsLine: endsLine)
            guard let found else { return }
            let radius = LineScanner.excerptRadius
            let lower = max(0, found.lowerBound - radius)
            let upper = min(window.count, min(found.upperBound, found.lowerBound + radius) + radius)
            let range = (found.lowerBound - lower)..<(min(found.upperBound, upper) - lower)
            let excerpt = Array(UnsafeRawBufferPointer(rebasing: window[lower..<upper]))
            line.match = (excerpt, line.offset + Int64(lower), range)
        }
        huge = line
    }

    /// Reports the huge line that just ended as one line: its excerpt behind the marker.
    private func finishHugeLine() throws {
        matchWindow(endsLine: true)
        guard let line = huge else { return }
        let length = line.offset + Int64(carry.count)
        huge = nil
        carry.removeAll(keepingCapacity: true)
        let number = nextLineNumber
        nextLineNumber += 1
        let shown = line.match.map { ($0.excerpt, $0.start) } ?? (line.head, 0)
        let marker = Array(LineScanner.cutMarker(length: length, shownFrom: shown.1, count: shown.0.count).utf8)
        let bytes = marker + shown.0
        if let match = line.match, matchCount < maxMatches {
            try emitBeforeContext(UnsafeRawBufferPointer(start: nil, count: 0), lineStart: 0, lineNumber: number)
            matchCount += 1
            lastEmitted = number
            let shifted = (marker.count + match.range.lowerBound)..<(marker.count + match.range.upperBound)
            let ranges = wantsRanges && !match.range.isEmpty ? [shifted] : []
            try emit(SearchLine(number: number, isMatch: true, bytes: bytes, ranges: ranges))
            afterRemaining = context
        } else if afterRemaining > 0 {
            lastEmitted = number
            try emit(SearchLine(number: number, isMatch: false, bytes: bytes, ranges: []))
            afterRemaining -= 1
        } else if matchCount >= maxMatches {
            throw SearchStopped()
        }
        if context > 0 { tail = Array((tail + [(number, bytes)]).suffix(context)) }
    }

    /// `[line cut: 4294967296 bytes long, showing bytes 1048320-1048832] `: what a huge line's
    /// excerpt is preceded by, in text and JSON output alike.
    static func cutMarker(length: Int64, shownFrom start: Int64, count: Int) -> String {
        "[line cut: \(length) bytes long, showing bytes \(start)-\(start + Int64(count))] "
    }

    /// Scans whole lines (the last one may lack its newline at the end of the input).
    private func scanBlock(_ block: UnsafeRawBufferPointer) throws {
        let view = lowerIfNeeded(block)
        let end = block.count
        var position = 0
        var lineNumber = nextLineNumber
        var atCandidateLine = false
        while position < end {
            if matcher.isLiteral && afterRemaining == 0 && !atCandidateLine {
                if matchCount >= maxMatches { throw SearchStopped() }
                guard let found = matcher.findLiteral(in: view, from: position) else {
                    lineNumber += LineScanner.countNewlines(UnsafeRawBufferPointer(rebasing: block[position..<end]))
                    position = end
                    break
                }
                let lineStart = LineScanner.lastNewline(block, before: found, notBefore: position).map { $0 + 1 } ?? position
                lineNumber += LineScanner.countNewlines(UnsafeRawBufferPointer(rebasing: block[position..<lineStart]))
                position = lineStart
                atCandidateLine = true
                continue
            }
            atCandidateLine = false
            let lineEnd = LineScanner.nextNewline(block, from: position) ?? end
            let line = UnsafeRawBufferPointer(rebasing: view[position..<lineEnd])
            if matchCount < maxMatches, matcher.matches(line) {
                try emitBeforeContext(block, lineStart: position, lineNumber: lineNumber)
                matchCount += 1
                try emitLine(block, position..<lineEnd, number: lineNumber, isMatch: true, view: view)
                afterRemaining = context
            } else if afterRemaining > 0 {
                try emitLine(block, position..<lineEnd, number: lineNumber, isMatch: false, view: view)
                afterRemaining -= 1
            } else if matchCount >= maxMatches {
                throw SearchStopped()
            }
            position = lineEnd + 1
            lineNumber += 1
        }
        nextLineNumber = lineNumber
        keepTail(block)
    }

    private func lowerIfNeeded(_ block: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard matcher.isLiteral, matcher.ignoreCase else { return block }
        if lowered.count < block.count {
            lowered.deallocate()
            lowered = UnsafeMutableRawBufferPointer.allocate(byteCount: max(block.count, 1 << 20), alignment: 16)
        }
        LineMatcher.lower(block, into: lowered)
        return UnsafeRawBufferPointer(rebasing: lowered[0..<block.count])
    }

    private func emitLine(_ block: UnsafeRawBufferPointer, _ range: Range<Int>, number: Int, isMatch: Bool, view: UnsafeRawBufferPointer)
        throws
    {
        let ranges = isMatch && wantsRanges ? matcher.ranges(in: UnsafeRawBufferPointer(rebasing: view[range])) : []
        lastEmitted = number
        try emit(SearchLine(number: number, isMatch: isMatch, bytes: Array(UnsafeRawBufferPointer(rebasing: block[range])), ranges: ranges))
    }

    /// The lines before a match that are not printed yet, up to `context`, from this block and the
    /// tail kept from the blocks before it.
    private func emitBeforeContext(_ block: UnsafeRawBufferPointer, lineStart: Int, lineNumber: Int) throws {
        let wanted = min(context, lineNumber - 1 - lastEmitted)
        guard wanted > 0 else { return }
        let lines = LineScanner.lines(before: lineStart, numbered: lineNumber, in: block, atMost: wanted)
        let firstInBlock = lines.first?.number ?? lineNumber
        let fromTail = tail.filter { $0.number >= lineNumber - wanted && $0.number < firstInBlock }
        for line in fromTail + lines {
            lastEmitted = line.number
            try emit(SearchLine(number: line.number, isMatch: false, bytes: line.bytes, ranges: []))
        }
    }

    private func keepTail(_ block: UnsafeRawBufferPointer) {
        guard context > 0 else { return }
        let lines = LineScanner.lines(before: block.count, numbered: nextLineNumber, in: block, atMost: context)
        tail = Array((tail + lines).suffix(context))
    }

    /// Up to `count` whole lines of the block that end just before `lineStart` (the start of line
    /// `number`), in file order with their numbers.
    private static func lines(before lineStart: Int, numbered number: Int, in block: UnsafeRawBufferPointer, atMost count: Int)
        -> [(number: Int, bytes: [UInt8])]
    {
        var lines: [(number: Int, bytes: [UInt8])] = []
        var cursor = lineStart
        var number = number
        while lines.count < count, cursor > 0 {
            let previousEnd = cursor - 1
            let previousStart = LineScanner.lastNewline(block, before: previousEnd).map { $0 + 1 } ?? 0
            number -= 1
            lines.append((number, Array(UnsafeRawBufferPointer(rebasing: block[previousStart..<previousEnd]))))
            cursor = previousStart
        }
        return lines.reversed()
    }

    // MARK: Byte helpers

    static func nextNewline(_ buffer: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = buffer.baseAddress, start < buffer.count,
            let found = memchr(base + start, 0x0A, buffer.count - start)
        else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// The last newline in `[notBefore, before)`.
    static func lastNewline(_ buffer: UnsafeRawBufferPointer, before end: Int, notBefore start: Int = 0) -> Int? {
        guard let base = buffer.baseAddress, end > start, let found = logarchive_memrchr(base + start, 0x0A, end - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Newlines in the buffer, eight bytes at a time: a byte equal to `\n` becomes a zero byte,
    /// found exactly by the carry-free test, and counted with popcount.
    static func countNewlines(_ buffer: UnsafeRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        let count = buffer.count
        var total = 0
        var index = 0
        let newlines: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        while index + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ newlines
            let nonZero = ((word & low7) &+ low7) | word
            total += (~nonZero & ~low7).nonzeroBitCount
            index += 8
        }
        while index < count {
            if base.load(fromByteOffset: index, as: UInt8.self) == 0x0A { total += 1 }
            index += 1
        }
        return total
    }
}
