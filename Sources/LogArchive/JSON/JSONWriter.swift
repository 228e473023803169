/// Writes JSON as people read it in a diff: two-space indentation, one member per line, keys in
/// their stored order. `compact` writes one line, for `--json` output and event streams.
///
/// It appends UTF-8 bytes to one array, copying each string's unescaped runs whole: a String
/// built a scalar at a time took 714 ms to write a 16 MB index, this 113 ms (docs/benchmarks.md).
public enum JSONWriter {
    public static func pretty(_ value: JSONValue) -> String {
        String(decoding: prettyUTF8(value), as: UTF8.self)
    }

    /// The bytes of `pretty(value)`, without making a String first: what the index file holds.
    public static func prettyUTF8(_ value: JSONValue) -> [UInt8] {
        prettyUTF8(value, indent: 0, finalNewline: true)
    }

    /// The pretty bytes of a value nested `indent` levels deep in a document, for putting it in
    /// place of the same value's old bytes (an index entry in its shard).
    static func prettyUTF8(_ value: JSONValue, indent: Int, finalNewline: Bool) -> [UInt8] {
        var output: [UInt8] = []
        write(value, into: &output, indent: indent, pretty: true)
        if finalNewline { output.append(UInt8(ascii: "\n")) }
        return output
    }

    public static func compact(_ value: JSONValue) -> String {
        var output: [UInt8] = []
        write(value, into: &output, indent: 0, pretty: false)
        return String(decoding: output, as: UTF8.self)
    }

    private static func write(_ value: JSONValue, into output: inout [UInt8], indent: Int, pretty: Bool) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .integer(let integer): writeInteger(integer, into: &output)
        case .double(let double): output.append(contentsOf: format(double).utf8)
        case .string(let string): writeString(string, into: &output)
        case .array(let elements):
            guard !elements.isEmpty else { output.append(contentsOf: "[]".utf8); return }
            output.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                newline(&output, indent: indent + 1, pretty: pretty)
                write(element, into: &output, indent: indent + 1, pretty: pretty)
            }
            newline(&output, indent: indent, pretty: pretty)
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.members.isEmpty else { output.append(contentsOf: "{}".utf8); return }
            output.append(UInt8(ascii: "{"))
            for (offset, member) in object.members.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                newline(&output, indent: indent + 1, pretty: pretty)
                writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                if pretty { output.append(UInt8(ascii: " ")) }
                write(member.value, into: &output, indent: indent + 1, pretty: pretty)
            }
            newline(&output, indent: indent, pretty: pretty)
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ output: inout [UInt8], indent: Int, pretty: Bool) {
        guard pretty else { return }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
    }

    /// Swift's shortest form that reads back to the same value; integral values keep their ".0",
    /// so a double reads back as a double.
    private static func format(_ double: Double) -> String {
        guard double.isFinite else { return "null" }
        return "\(double)"
    }

    /// Decimal digits written in place, without a String for each number.
    private static func writeInteger(_ integer: Int64, into output: inout [UInt8]) {
        if integer < 0 { output.append(UInt8(ascii: "-")) }
        var remaining = integer.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            } while remaining > 0
            output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Quotes, backslashes and the ASCII control characters (DEL included) are escaped, and so are
    /// the C1 controls, the line and paragraph separators and the bidirectional controls (the
    /// scalars `Wording.oneLine` escapes), so that JSON printed on a terminal is as safe as text;
    /// every other byte, UTF-8 past ASCII too, is copied as it is.
    private static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            var offset = 0
            while offset < bytes.count {
                let byte = bytes[offset]
                guard byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
                    || byte == 0xC2 || byte == 0xD8 || byte == 0xE2
                else {
                    offset += 1
                    continue
                }
                var scalar = UInt32(byte)
                var length = 1
                if byte >= 0x80 {
                    // Valid UTF-8 (a String's): the continuation bytes are there.
                    length = byte == 0xE2 ? 3 : 2
                    scalar = UInt32(byte & (length == 3 ? 0x0F : 0x1F))
                    for next in 1..<length { scalar = scalar << 6 | UInt32(bytes[offset + next] & 0x3F) }
                    guard Wording.isUnprintable(Unicode.Scalar(scalar)!) else {
                        offset += length
                        continue
                    }
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<offset]))
                offset += length
                runStart = offset
                switch scalar {
                case 0x22: output.append(contentsOf: #"\""#.utf8)
                case 0x5C: output.append(contentsOf: #"\\"#.utf8)
                case 0x0A: output.append(contentsOf: #"\n"#.utf8)
                case 0x0D: output.append(contentsOf: #"\r"#.utf8)
                case 0x09: output.append(contentsOf: #"\t"#.utf8)
                case 0x08: output.append(contentsOf: #"\b"#.utf8)
                case 0x0C: output.append(contentsOf: #"\f"#.utf8)
                default:
                    output.append(contentsOf: #"\u"#.utf8)
                    for shift in stride(from: 12, through: 0, by: -4) {
                        output.append(hexDigits[Int(scalar >> UInt32(shift) & 0x0F)])
                    }
                }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        output.append(UInt8(ascii: "\""))
    }
}
