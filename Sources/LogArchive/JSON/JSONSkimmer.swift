import Glibc

/// Walks a JSON text without building its values: it checks the grammar as `JSONParser` does and
/// says where each value begins and ends, so that a caller can decode only the part it needs and
/// copy the rest as it is. Strings are checked for escapes and control characters; their UTF-8 is
/// checked only when a part is decoded.
///
/// Finding one entry in a 2.7 MB index shard this way costs a scan of its bytes, where a full
/// parse allocated every value of every entry (docs/benchmarks.md, "The index at scale").
struct JSONSkimmer {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    private var depth = 0
    private let maximumDepth = 512

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }
    var atEnd: Bool { position >= bytes.count }

    func error(_ reason: String) -> JSONParser.SyntaxError {
        JSONParser.SyntaxError(reason, at: position, in: bytes)
    }

    mutating func skipWhitespace() {
        // Most calls stand on a token already (a colon, a comma, a quote).
        guard position < bytes.count, bytes[position] <= 0x20 else { return }
        // A pretty-printed index is one part indentation: eight bytes are looked at a time, and
        // the first that is not a space is found from the word rather than byte by byte. A local
        // index keeps the loop in registers.
        var index = position
        defer { position = index }
        while index < bytes.count {
            if index + 8 <= bytes.count {
                let notSpaces = loadWord(at: index) ^ JSONSkimmer.spaces
                if notSpaces == 0 {
                    index += 8
                    continue
                }
                index += JSONSkimmer.firstFlaggedByte(notSpaces)
            }
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// Consumes `byte` after any whitespace, or fails saying what was expected.
    mutating func expect(_ byte: UInt8, _ what: String) throws(JSONParser.SyntaxError) {
        skipWhitespace()
        guard current == byte else { throw error("expected \(what)") }
        position += 1
    }

    /// After a member or element: true when another follows (a comma was consumed), false at the
    /// closing bracket (consumed too).
    mutating func nextFollows(closing: UInt8) throws(JSONParser.SyntaxError) -> Bool {
        skipWhitespace()
        switch current {
        case UInt8(ascii: ","): position += 1; return true
        case closing: position += 1; return false
        default: throw error(closing == UInt8(ascii: "}") ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array")
        }
    }

    /// Whether the container just opened is empty; consumes its closing bracket if so.
    mutating func closesAtOnce(_ closing: UInt8) -> Bool {
        skipWhitespace()
        guard current == closing else { return false }
        position += 1
        return true
    }

    /// Skips one value, checking its grammar; returns where it lies.
    @discardableResult
    mutating func skipValue() throws(JSONParser.SyntaxError) -> Range<Int> {
        skipWhitespace()
        let start = position
        guard let byte = current else { throw error("the document ends where a value was expected") }
        switch byte {
        case UInt8(ascii: "{"):
            try enter()
            position += 1
            if !closesAtOnce(UInt8(ascii: "}")) {
                repeat {
                    try skipKey()
                    try skipValue()
                } while try nextFollows(closing: UInt8(ascii: "}"))
            }
            depth -= 1
        case UInt8(ascii: "["):
            try enter()
            position += 1
            if !closesAtOnce(UInt8(ascii: "]")) {
                repeat { try skipValue() } while try nextFollows(closing: UInt8(ascii: "]"))
            }
            depth -= 1
        case UInt8(ascii: "\""): _ = try skipString()
        case UInt8(ascii: "t"): try skipLiteral("true")
        case UInt8(ascii: "f"): try skipLiteral("false")
        case UInt8(ascii: "n"): try skipLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: throw error("unexpected character '\(Character(Unicode.Scalar(byte)))'")
        }
        return start..<position
    }

    /// Skips an object member's key and its colon; returns the key's raw content.
    @discardableResult
    mutating func skipKey() throws(JSONParser.SyntaxError) -> Range<Int> {
        skipWhitespace()
        guard current == UInt8(ascii: "\"") else { throw error("expected a string key in an object") }
        let key = try skipString().content
        try expect(UInt8(ascii: ":"), "':' after an object key")
        skipWhitespace()
        return key
    }

    /// Skips the string at `position` (its opening quote); returns the range of its raw content
    /// and whether it holds escapes.
    mutating func skipString() throws(JSONParser.SyntaxError) -> (content: Range<Int>, escaped: Bool) {
        position += 1
        let start = position
        var escaped = false
        while true {
            position = firstStringStop(from: position)
            guard let byte = current else { throw error("a string is not terminated") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return (start..<position - 1, escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                try skipEscape()
            default:
                throw error("a control character inside a string must be escaped")
            }
        }
    }

    /// Where the first quote, backslash or control byte at or after `start` lies (the end if
    /// none). Eight bytes are looked at a time, and the word says which of its bytes is the first
    /// such one: most of the index's bytes are inside strings.
    private func firstStringStop(from start: Int) -> Int {
        var index = start
        while index + 8 <= bytes.count {
            let stops = JSONSkimmer.stringStops(loadWord(at: index))
            if stops != 0 { return index + JSONSkimmer.firstFlaggedByte(stops) }
            index += 8
        }
        while index < bytes.count, bytes[index] >= 0x20, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            index += 1
        }
        return index
    }

    private static let spaces: UInt64 = 0x2020_2020_2020_2020
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Eight bytes from `offset`, the first of them in the lowest bits whatever the machine's byte order.
    private func loadWord(at offset: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + offset).loadUnaligned(as: UInt64.self))
    }

    /// How many bytes of a word come before the first one its mask flags.
    private static func firstFlaggedByte(_ mask: UInt64) -> Int { mask.trailingZeroBitCount >> 3 }

    /// A mask flagging (with its high bit) each byte of `word` that is a quote, a backslash or
    /// below 0x20, by the classic SWAR tests: `(x - 0x01…) & ~x & 0x80…` flags the zero bytes of x.
    /// A borrow can flag a byte above a flagged one, never below it, so the lowest flag is exact.
    private static func stringStops(_ word: UInt64) -> UInt64 {
        func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highBits }
        let belowSpace = (word &- ones &* 0x20) & ~word & highBits
        return belowSpace | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C))
    }

    /// Whether the raw bytes at `range` are exactly `text` (for keys without escapes).
    func matches(_ range: Range<Int>, _ text: StaticString) -> Bool {
        // memcmp: the generic `elementsEqual` on slices was a twentieth of `status`'s time.
        range.count == text.utf8CodeUnitCount && memcmp(bytes.baseAddress! + range.lowerBound, text.utf8Start, range.count) == 0
    }

    private mutating func skipEscape() throws(JSONParser.SyntaxError) {
        position += 1
        guard let byte = current else { throw error("a string ends inside an escape") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return
        case UInt8(ascii: "u"):
            guard position + 4 <= bytes.count, bytes[position..<position + 4].allSatisfy(\.isHexDigit) else {
                throw error("a \\u escape needs four hex digits")
            }
            position += 4
        default:
            throw error("invalid escape '\\\(Character(Unicode.Scalar(byte)))'")
        }
    }

    private mutating func skipLiteral(_ literal: StaticString) throws(JSONParser.SyntaxError) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard position + expected.count <= bytes.count, bytes[position..<position + expected.count].elementsEqual(expected)
        else { throw error("expected '\(literal)'") }
        position += expected.count
    }

    private mutating func skipNumber() throws(JSONParser.SyntaxError) {
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, first.isDigit else { throw error("a number needs digits") }
        position += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if current == UInt8(ascii: ".") {
            position += 1
            guard skipDigits() else { throw error("a fraction needs digits") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() else { throw error("an exponent needs digits") }
        }
    }

    @discardableResult
    private mutating func skipDigits() -> Bool {
        let start = position
        while position < bytes.count, bytes[position].isDigit { position += 1 }
        return position > start
    }

    private mutating func enter() throws(JSONParser.SyntaxError) {
        depth += 1
        if depth > maximumDepth { throw error("nesting deeper than \(maximumDepth) levels") }
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isHexDigit: Bool {
        isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f")) || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
