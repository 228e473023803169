/// A GitHub issue or pull request number: a positive integer written in plain ASCII digits, with
/// no sign, no leading zero and at most 18 digits. Anything else is refused with the reason, because
/// the number becomes part of file matching, store keys and the index.
public struct IssueNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: Int64

    public init(validating text: String) throws(ArchiveError) {
        let shown = IssueNumber.quoted(text)
        guard !text.isEmpty else { throw .badInput("the issue number is empty; give a positive integer such as 123") }
        guard text.utf8.allSatisfy({ (48...57).contains($0) }) else {
            throw .badInput("invalid issue number \(shown): expected a positive integer such as 123 (digits only)")
        }
        guard text.utf8.first != 48 else {
            let reason = text.utf8.allSatisfy({ $0 == 48 }) ? "issue numbers start at 1" : "leading zeros are not allowed"
            throw .badInput("invalid issue number \(shown): \(reason)")
        }
        guard text.utf8.count <= 18, let value = Int64(text) else {
            throw .badInput("invalid issue number \(shown): \(text.utf8.count) digits is too large for an issue number")
        }
        self.value = value
    }

    public init?(exactly value: Int64) {
        guard value > 0 else { return nil }
        self.value = value
    }

    public var description: String { String(value) }

    public static func < (lhs: IssueNumber, rhs: IssueNumber) -> Bool { lhs.value < rhs.value }

    /// Shows untrusted text safely in a message: control characters escaped, length capped.
    static func quoted(_ text: String) -> String {
        let limit = 40
        var shown = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            shown += scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
        }
        if text.unicodeScalars.count > limit { shown += "…" }
        return "'\(shown)'"
    }
}
