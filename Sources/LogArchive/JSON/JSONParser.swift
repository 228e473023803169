/// A strict JSON parser (RFC 8259) that reports where a document is wrong, by line and column.
/// With `allowsComments`, `//` line comments are skipped: the config file is commented.
///
/// It reads through an unsafe buffer pointer and makes a string without escapes straight from its
/// bytes: that took the parse of a 16 MB index shard from 535 ms to 113 ms (docs/benchmarks.md).
public struct JSONParser {
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public let line: Int
        public let column: Int
        public let reason: String
        public var description: String { "line \(line), column \(column): \(reason)" }

        public init(line: Int, column: Int, reason: String) {
            self.line = line
            self.column = column
            self.reason = reason
        }

        /// The error at byte `position` of `bytes`, counted in lines and characters (UTF-8 lead bytes).
        init(_ reason: String, at position: Int, in bytes: UnsafeBufferPointer<UInt8>) {
            var line = 1
            var column = 1
            for byte in bytes[0..<min(position, bytes.count)] {
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
            self.init(line: line, column: column, reason: reason)
        }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private let allowsComments: Bool
    private var depth = 0
    /// Deep nesting is refused rather than allowed to exhaust the stack.
    private let maximumDepth = 512
    /// The decoded bytes of a string with escapes; kept between strings so each one does not allocate.
    private var unescaped: [UInt8] = []

    public static func parse(_ bytes: [UInt8], allowsComments: Bool = false) throws(SyntaxError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(SyntaxError) in
            var parser = JSONParser(bytes: buffer, allowsComments: allowsComments)
            return try parser.parseDocument()
        }
    }

    public static func parse(_ text: String, allowsComments: Bool = false) throws(SyntaxError) -> JSONValue {
        try parse(Array(text.utf8), allowsComments: allowsComments)
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, allowsComments: Bool) {
        self.bytes = bytes
        self.allowsComments = allowsComments
    }

    private mutating func parseDocument() throws(SyntaxError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        skipWhitespace()
        if position == bytes.count { throw error("the document is empty") }
        let value = try parseValue()
        skipWhitespace()
        if position != bytes.count { throw error("unexpected text after the end of the document") }
        return value
    }

    private func error(_ reason: String) -> SyntaxError {
        SyntaxError(reason, at: position, in: bytes)
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current {
            switch byte {
            case 0x20, 0x0A, 0x0D, 0x09:
                position += 1
            case UInt8(ascii: "/") where allowsComments && position + 1 < bytes.count
                && bytes[position + 1] == UInt8(ascii: "/"):
                while let next = current, next != 0x0A { position += 1 }
            default:
                return
            }
        }
    }

    private mutating func parseValue() throws(SyntaxError) -> JSONValue {
        guard let byte = current else { throw error("the document ends where a value was expected") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character '\(Character(Unicode.Scalar(byte)))'")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(SyntaxError) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard position + expected.count <= bytes.count,
            bytes[position..<position + expected.count].elementsEqual(expected)
        else { throw error("expected '\(literal)'") }
        position += expected.count
    }

    private mutating func enter() throws(SyntaxError) {
        depth += 1
        if depth > maximumDepth { throw error("nesting deeper than \(maximumDepth) levels") }
    }

    private mutating func parseObject() throws(SyntaxError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1
        var object = JSONObject()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try parseString()
            if object.index(forKey: key) != nil { throw error("duplicate key \"\(key)\"") }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after key \"\(key)\"") }
            position += 1
            skipWhitespace()
            object.appendNew(key: key, value: try parseValue())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(object)
            default: throw error("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func parseArray() throws(SyntaxError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            default: throw error("expected ',' or ']' in an array")
            }
        }
    }

    /// Most strings have no escape: they become a String straight from the document's bytes, and
    /// only one with a byte past ASCII needs its UTF-8 checked.
    private mutating func parseString() throws(SyntaxError) -> String {
        position += 1
        let start = position
        var unionOfBytes: UInt8 = 0
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                let run = UnsafeBufferPointer(rebasing: bytes[start..<position])
                let text: String
                if unionOfBytes < 0x80 {
                    text = String(decoding: run, as: UTF8.self)
                } else {
                    guard let valid = String(validating: run, as: UTF8.self) else {
                        throw error("a string is not valid UTF-8")
                    }
                    text = valid
                }
                position += 1
                return text
            case UInt8(ascii: "\\"):
                return try parseEscapedString(from: start)
            case 0x00..<0x20:
                throw error("a control character inside a string must be escaped")
            default:
                unionOfBytes |= byte
                position += 1
            }
        }
        throw error("a string is not terminated")
    }

    /// The rest of a string from its first escape, decoded into `unescaped`.
    private mutating func parseEscapedString(from start: Int) throws(SyntaxError) -> String {
        unescaped.removeAll(keepingCapacity: true)
        var runStart = start
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                try appendRun(from: runStart)
                position += 1
                return String(decoding: unescaped, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try appendRun(from: runStart)
                position += 1
                let scalar = try parseEscape()
                UTF8.encode(scalar) { unescaped.append($0) }
                runStart = position
            case 0x00..<0x20:
                throw error("a control character inside a string must be escaped")
            default:
                position += 1
            }
        }
        throw error("a string is not terminated")
    }

    /// Appends the unescaped bytes from `runStart` up to the current position, which must be UTF-8.
    private mutating func appendRun(from runStart: Int) throws(SyntaxError) {
        let run = UnsafeBufferPointer(rebasing: bytes[runStart..<position])
        if run.contains(where: { $0 >= 0x80 }), String(validating: run, as: UTF8.self) == nil {
            throw error("a string is not valid UTF-8")
        }
        unescaped.append(contentsOf: run)
    }

    private mutating func parseEscape() throws(SyntaxError) -> Unicode.Scalar {
        guard let byte = current else { throw error("a string ends inside an escape") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try parseHexQuad()
            if (0xD800..<0xDC00).contains(unit) {
                guard current == UInt8(ascii: "\\"), position + 1 < bytes.count,
                    bytes[position + 1] == UInt8(ascii: "u")
                else { throw error("a high surrogate is not followed by a low surrogate") }
                position += 2
                let low = try parseHexQuad()
                guard (0xDC00..<0xE000).contains(low) else { throw error("invalid low surrogate") }
                let combined = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                guard let scalar = Unicode.Scalar(combined) else { throw error("invalid surrogate pair") }
                return scalar
            }
            guard let scalar = Unicode.Scalar(unit) else { throw error("a lone low surrogate") }
            return scalar
        default:
            throw error("invalid escape '\\\(Character(Unicode.Scalar(byte)))'")
        }
    }

    private mutating func parseHexQuad() throws(SyntaxError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    private mutating func parseNumber() throws(SyntaxError) -> JSONValue {
        let start = position
        var isInteger = true
        let isNegative = current == UInt8(ascii: "-")
        if isNegative { position += 1 }
        guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw error("a number needs digits")
        }
        if first == UInt8(ascii: "0") {
            position += 1
        } else {
            skipDigits()
        }
        let integerDigits = UnsafeBufferPointer(rebasing: bytes[(isNegative ? start + 1 : start)..<position])
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard try requireDigits() else { throw error("a fraction needs digits") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard try requireDigits() else { throw error("an exponent needs digits") }
        }
        if isInteger, let integer = Self.integer(digits: integerDigits, negative: isNegative) {
            return .integer(integer)
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let double = Double(text), double.isFinite else { throw error("number \(text) is out of range") }
        return .double(double)
    }

    /// The digits' value, without making a String; nil when it does not fit an Int64 (it is then
    /// read as a Double, as before).
    private static func integer(digits: UnsafeBufferPointer<UInt8>, negative: Bool) -> Int64? {
        var magnitude: UInt64 = 0
        for digit in digits {
            let (times10, overflowed) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, carried) = times10.addingReportingOverflow(UInt64(digit &- UInt8(ascii: "0")))
            if overflowed || carried { return nil }
            magnitude = sum
        }
        if negative {
            return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    private mutating func skipDigits() {
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
    }

    private mutating func requireDigits() throws(SyntaxError) -> Bool {
        let start = position
        skipDigits()
        return position > start
    }
}
