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
final class LineScanner {
    private let matcher: LineMatcher
    private let context: Int
    private let maxMatches: Int
    private let wantsRanges: Bool
    private let emit: (SearchLine) throws -> Void

    /// The line begun at the end of the last chunk.
    private var carry: [UInt8] = []
    /// The number of the first line of the next block.
    private var nextLineNumber = 1
    /// The last `context` lines before the next block, for the before-context of a match at its start.
    private var tail: [(number: Int, bytes: [UInt8])] = []
    private var lastEmitted = 0
    private var afterRemaining = 0
    private var matchCount = 0
    private var lowered = UnsafeMutableRawBufferPointer.allocate(byteCount: 0, alignment: 16)

    init(matcher: LineMatcher, context: Int, maxMatches: Int?, wantsRanges: Bool, emit: @escaping (SearchLine) throws -> Void) {
        self.matcher = matcher
        self.context = context
        self.maxMatches = maxMatches ?? Int.max
        self.wantsRanges = wantsRanges
        self.emit = emit
    }

    deinit { lowered.deallocate() }

    func feed(_ chunk: UnsafeRawBufferPointer) throws {
        guard let base = chunk.baseAddress, !chunk.isEmpty else { return }
        var start = 0
        if !carry.isEmpty {
            guard let newline = memchr(base, 0x0A, chunk.count) else {
                carry.append(contentsOf: chunk)
                return
            }
            let end = base.distance(to: UnsafeRawPointer(newline)) + 1
            carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<end]))
            try carry.withUnsafeBytes { try scanBlock($0) }
            carry.removeAll(keepingCapacity: true)
            start = end
        }
        let rest = UnsafeRawBufferPointer(rebasing: chunk[start...])
        if let last = LineScanner.lastNewline(rest, before: rest.count) {
            try scanBlock(UnsafeRawBufferPointer(rebasing: rest[0...last]))
            carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[(last + 1)...]))
        } else {
            carry.append(contentsOf: rest)
        }
    }

    /// The last line, when the input does not end with a newline.
    func finish() throws {
        guard !carry.isEmpty else { return }
        try carry.withUnsafeBytes { try scanBlock($0) }
        carry.removeAll()
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
