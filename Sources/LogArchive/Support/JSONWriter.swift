/// Writes JSON as people read it in a diff: two-space indentation, one member per line, keys in
/// their stored order. `compact` writes one line, for `--json` output and event streams.
public enum JSONWriter {
    public static func pretty(_ value: JSONValue) -> String {
        var output = ""
        write(value, into: &output, indent: 0, pretty: true)
        output.append("\n")
        return output
    }

    public static func compact(_ value: JSONValue) -> String {
        var output = ""
        write(value, into: &output, indent: 0, pretty: false)
        return output
    }

    private static func write(_ value: JSONValue, into output: inout String, indent: Int, pretty: Bool) {
        switch value {
        case .null: output.append("null")
        case .bool(let flag): output.append(flag ? "true" : "false")
        case .integer(let integer): output.append(String(integer))
        case .double(let double): output.append(format(double))
        case .string(let string): writeString(string, into: &output)
        case .array(let elements):
            guard !elements.isEmpty else { output.append("[]"); return }
            output.append("[")
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output.append(",") }
                newline(&output, indent: indent + 1, pretty: pretty)
                write(element, into: &output, indent: indent + 1, pretty: pretty)
            }
            newline(&output, indent: indent, pretty: pretty)
            output.append("]")
        case .object(let object):
            guard !object.members.isEmpty else { output.append("{}"); return }
            output.append("{")
            for (offset, member) in object.members.enumerated() {
                if offset > 0 { output.append(",") }
                newline(&output, indent: indent + 1, pretty: pretty)
                writeString(member.key, into: &output)
                output.append(pretty ? ": " : ":")
                write(member.value, into: &output, indent: indent + 1, pretty: pretty)
            }
            newline(&output, indent: indent, pretty: pretty)
            output.append("}")
        }
    }

    private static func newline(_ output: inout String, indent: Int, pretty: Bool) {
        guard pretty else { return }
        output.append("\n")
        output.append(String(repeating: "  ", count: indent))
    }

    /// Swift's shortest form that reads back to the same value; integral values keep their ".0",
    /// so a double reads back as a double.
    private static func format(_ double: Double) -> String {
        guard double.isFinite else { return "null" }
        return "\(double)"
    }

    private static func writeString(_ string: String, into output: inout String) {
        output.append("\"")
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output.append("\\\"")
            case "\\": output.append("\\\\")
            case "\n": output.append("\\n")
            case "\r": output.append("\\r")
            case "\t": output.append("\\t")
            case "\u{08}": output.append("\\b")
            case "\u{0C}": output.append("\\f")
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                output.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output.append("\"")
    }
}
