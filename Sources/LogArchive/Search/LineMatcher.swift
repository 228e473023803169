import Glibc
import CStringSearch

/// Decides whether a line matches: a literal found with `memmem` (on ASCII-lowered bytes when case
/// does not matter), or a POSIX extended regular expression run per line with `regexec`.
/// One per worker: a compiled `regex_t` lives at a stable address and is not shared between threads.
final class LineMatcher {
    /// The literal, lowered when case does not matter; nil for a regular expression.
    let literal: [UInt8]?
    let ignoreCase: Bool
    private let regex: UnsafeMutablePointer<regex_t>?
    private let wantsRanges: Bool
    private let pattern: String
    /// The regex compiled with offsets, for placing the excerpt of a match in a huge line when the
    /// fast one (`REG_NOSUB`) cannot say where it is; compiled the first time one is needed.
    private var locatingRegex: UnsafeMutablePointer<regex_t>?

    init(pattern: String, isRegex: Bool, ignoreCase: Bool, wantsRanges: Bool) throws(ArchiveError) {
        self.ignoreCase = ignoreCase
        self.wantsRanges = wantsRanges
        self.pattern = pattern
        guard isRegex else {
            literal = ignoreCase ? LineMatcher.lowered(Array(pattern.utf8)) : Array(pattern.utf8)
            regex = nil
            return
        }
        literal = nil
        // Without highlighting only "does it match" is asked, which REG_NOSUB makes cheaper.
        regex = try LineMatcher.compile(pattern, ignoreCase: ignoreCase, withOffsets: wantsRanges)
    }

    private static func compile(_ pattern: String, ignoreCase: Bool, withOffsets: Bool) throws(ArchiveError)
        -> UnsafeMutablePointer<regex_t>
    {
        let compiled = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
        var flags = REG_EXTENDED
        if ignoreCase { flags |= REG_ICASE }
        if !withOffsets { flags |= REG_NOSUB }
        let status = regcomp(compiled, pattern, flags)
        guard status == 0 else {
            var message = [CChar](repeating: 0, count: 256)
            regerror(status, compiled, &message, message.count)
            compiled.deallocate()
            let bytes = message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
            let reason = String(decoding: bytes, as: UTF8.self)
            throw .badInput("invalid regular expression '\(pattern)': \(reason)")
        }
        return compiled
    }

    deinit {
        for compiled in [regex, locatingRegex].compactMap({ $0 }) {
            regfree(compiled)
            compiled.deallocate()
        }
    }

    var isLiteral: Bool { literal != nil }

    /// Where the literal next occurs in `haystack` (lowered when case does not matter) from `start`.
    func findLiteral(in haystack: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let literal, let base = haystack.baseAddress, start <= haystack.count else { return nil }
        if literal.isEmpty { return start }
        return literal.withUnsafeBytes { needle -> Int? in
            guard let found = logarchive_memmem(base + start, haystack.count - start, needle.baseAddress, needle.count) else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }
    }

    /// Whether one line matches; `line` is lowered already for a literal that ignores case.
    func matches(_ line: UnsafeRawBufferPointer) -> Bool {
        if literal != nil { return findLiteral(in: line, from: 0) != nil }
        return nextRegexMatch(in: line, from: 0) != nil
    }

    /// Where the first match in a window of a huge line is (the window is lowered already for a
    /// literal that ignores case). `startsLine`/`endsLine` say whether `^` and `$` may match at its
    /// edges: a window cut from the middle of a line has neither.
    func firstMatch(inWindow window: UnsafeRawBufferPointer, startsLine: Bool, endsLine: Bool) -> Range<Int>? {
        if let literal { return findLiteral(in: window, from: 0).map { $0..<$0 + literal.count } }
        if !wantsRanges && locatingRegex == nil {
            // The pattern compiled once already, so it compiles again.
            locatingRegex = try? LineMatcher.compile(pattern, ignoreCase: ignoreCase, withOffsets: true)
        }
        guard let compiled = wantsRanges ? regex : locatingRegex else { return nil }
        var flags: Int32 = 0
        if !startsLine { flags |= REG_NOTBOL }
        if !endsLine { flags |= REG_NOTEOL }
        return LineMatcher.regexMatch(compiled, in: window, from: 0, flags: flags, withOffsets: true)
    }

    /// Every match in the line, for highlighting.
    func ranges(in line: UnsafeRawBufferPointer) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while start <= line.count {
            let next: Range<Int>?
            if let literal {
                if literal.isEmpty { return [] }
                next = findLiteral(in: line, from: start).map { $0..<$0 + literal.count }
            } else {
                next = nextRegexMatch(in: line, from: start)
            }
            guard let next else { break }
            if !next.isEmpty { ranges.append(next) }
            start = max(next.upperBound, next.lowerBound + 1)
        }
        return ranges
    }

    private func nextRegexMatch(in line: UnsafeRawBufferPointer, from start: Int) -> Range<Int>? {
        guard let regex else { return nil }
        let flags = start > 0 ? REG_NOTBOL : 0
        return LineMatcher.regexMatch(regex, in: line, from: start, flags: flags, withOffsets: wantsRanges)
    }

    /// `regexec` over a slice: the scanner never hands it more than its window, well inside `regoff_t`.
    private static func regexMatch(
        _ regex: UnsafeMutablePointer<regex_t>, in line: UnsafeRawBufferPointer, from start: Int, flags extra: Int32,
        withOffsets: Bool
    ) -> Range<Int>? {
        guard line.count <= Int(Int32.max) else { return nil }
        var match = regmatch_t()
        match.rm_so = regoff_t(start)
        match.rm_eo = regoff_t(line.count)
        // REG_STARTEND: the line is a slice of a larger buffer, not a C string.
        let flags = REG_STARTEND | extra
        let status: Int32
        if let base = line.baseAddress {
            status = regexec(regex, base.assumingMemoryBound(to: CChar.self), 1, &match, flags)
        } else {
            var empty: CChar = 0
            status = regexec(regex, &empty, 1, &match, flags)
        }
        guard status == 0 else { return nil }
        // With REG_NOSUB there are no offsets: the whole line stands for the match.
        guard withOffsets else { return 0..<line.count }
        return Int(match.rm_so)..<Int(match.rm_eo)
    }

    static func lowered(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { $0 &- 65 < 26 ? $0 | 0x20 : $0 }
    }

    /// Copies `source` into `target` with ASCII letters lowered: the view a case-blind `memmem` searches.
    static func lower(_ source: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer) {
        guard let from = source.baseAddress?.assumingMemoryBound(to: UInt8.self),
            let to = target.baseAddress?.assumingMemoryBound(to: UInt8.self)
        else { return }
        for index in 0..<source.count {
            let byte = from[index]
            to[index] = byte &- 65 < 26 ? byte | 0x20 : byte
        }
    }
}
