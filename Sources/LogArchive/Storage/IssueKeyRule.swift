/// The one rule for a stored key that an index entry, a journal, a manifest or a multipart record
/// gives: all four are files anyone who can push a commit (or write to the bucket) controls, and
/// `--retry` uploads to, `read` reads, and `cleanup --older-than` trusts the key they name.
///
/// A log's key lies in its own issue's folder, `archive/logs/{yyyy}/{mm}/{issue}/` (four digits,
/// a month 01–12, the issue as the entry's number), optionally under its type's folder (the
/// upload stage puts a name two type folders share there), and its last component is the log's
/// own name: its `filename`, that plus `.gz`, or the `-2`-style numbered variant of either that
/// the upload stage makes beside a verified older copy. So a retry of one log can never
/// overwrite another issue's object, another log's, the manifest or a trace, whatever the entry
/// says. An empty key (a log no run has placed yet) names nothing and passes.
public enum IssueKeyRule {
    /// The folder an issue's keys must lie in, as a person reads it.
    public static func folderPattern(of issue: IssueNumber) -> String { "\(StoreLayout.root)YYYY/MM/\(issue)/" }

    /// Why `key` cannot be where `filename`, a log of `type` of `issue`, is stored; nil when it can.
    public static func violation(key: String, issue: IssueNumber, filename: String, type: LogType) -> String? {
        guard !key.isEmpty else { return nil }
        guard let name = nameInFolder(of: key, issue: issue) else {
            return "\(quoted(key)) is outside issue #\(issue)'s folder \(folderPattern(of: issue)); refused"
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        let last = String(parts[parts.count - 1])
        let typed = parts.count == 2 && parts[0] == Substring(type.folder)
        guard parts.count == 1 || typed, isNameOf(filename, last) else {
            return "\(quoted(key)) is not where \(quoted(filename)) is stored (its name, with .gz, or a -N"
                + " numbered variant of it, in \(folderPattern(of: issue))); refused"
        }
        if parts.count == 1, isReserved(last) {
            return
                "\(quoted(key)) names the issue's \(last == "manifest.json" ? "manifest" : "trace"), not a log; refused"
        }
        return nil
    }

    /// Why `key` (a manifest's or any other object's) is not in `issue`'s folder; nil when it is.
    public static func folderViolation(key: String, issue: IssueNumber) -> String? {
        nameInFolder(of: key, issue: issue) == nil
            ? "\(quoted(key)) is outside issue #\(issue)'s folder \(folderPattern(of: issue)); refused" : nil
    }

    /// What follows `archive/logs/{yyyy}/{mm}/{issue}/` in `key`, when the key has that shape for
    /// this issue and the rest is one name, or a type folder and a name; nil otherwise.
    static func nameInFolder(of key: String, issue: IssueNumber) -> Substring? {
        let bytes = Array(key.utf8)
        // Empty segments, `.`/`..`, backslashes and control characters have no place in the folder
        // part, whose segments are digits; the name is checked against the log's own name.
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 6 || parts.count == 7, parts[0] == "archive", parts[1] == "logs",
            isDigits(parts[2], count: 4), isDigits(parts[3], count: 2), let month = Int(parts[3]),
            (1...12).contains(month),
            parts[4] == Substring(issue.description), !bytes.contains(0)
        else { return nil }
        let rest = parts[5...]
        guard rest.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { return nil }
        let start = parts[5].startIndex
        return key[start...]
    }

    /// Whether `name` is `filename`, `filename.gz`, or either numbered as `StoreLayout.numbered` does.
    static func isNameOf(_ filename: String, _ name: String) -> Bool {
        for base in [filename, filename + ".gz"] {
            if name == base { return true }
            // `StoreLayout.numbered`: `-N` before the first dot after the name's first character.
            let dot = base.dropFirst().firstIndex(of: ".") ?? base.endIndex
            let head = base[..<dot] + "-"
            let tail = base[dot...]
            guard name.count > head.count + tail.count, name.hasPrefix(head), name.hasSuffix(tail) else { continue }
            let number = name.dropFirst(head.count).dropLast(tail.count)
            if number.first != "0", number.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(number),
                value >= 2
            {
                return true
            }
        }
        return false
    }

    /// The names the archive keeps beside the logs for itself.
    static func isReserved(_ name: String) -> Bool {
        name == "manifest.json" || (name.hasPrefix("trace-run-") && name.hasSuffix(".json"))
    }

    private static func isDigits(_ text: Substring, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { (48...57).contains($0) }
    }

    /// The key as a JSON string: control characters and quotes escaped, so the message stays one line.
    static func quoted(_ text: String) -> String { JSONWriter.compact(.string(text)) }
}
