/// The summary comment of the original workflow: logs grouped by type, with links where there
/// are public URLs, sizes, session durations from front matter, totals, the time archived, and how
/// to read and search them. A hidden marker finds the comment again, so a re-run updates it.
public enum IssueComment {
    public static func marker(_ issue: IssueNumber) -> String { "<!-- logarchive:issue-\(issue) -->" }

    public static func body(for entry: ArchiveEntry, sessionDurations: [String: Int64] = [:]) -> String {
        var lines = [marker(entry.issueNumber), "📦 **Logs Archived**", ""]
        lines.append("Session logs and operational logs have been archived to \(Wording.storeName(of: entry)).")
        for type in LogType.allCases {
            let logs = entry.logs.filter { $0.type == type }
            guard !logs.isEmpty else { continue }
            lines.append("")
            lines.append("**\(type.heading)**:")
            for log in logs {
                let name = log.filename
                let label = log.publicURL.map { "[\(name)](\($0))" } ?? "`\(name)`"
                var details = [ByteCount.format(log.sizeBytes)]
                if let seconds = sessionDurations[log.filename] { details.append(DurationText.format(seconds: seconds)) }
                if log.uploadStatus != .uploaded { details.append(log.uploadStatus.rawValue) }
                lines.append("- \(label) (\(details.joined(separator: ", ")))")
            }
        }
        lines.append("")
        lines.append("**Total**: \(Wording.count(entry.totalLogs, "log")), \(ByteCount.format(entry.totalSizeBytes)) stored")
        lines.append("")
        let archived = UTCTimestamp(iso8601: entry.archivedAt)?.readable ?? entry.archivedAt
        lines.append("Archived: \(archived)")
        lines.append("")
        lines.append("These logs are stored with SHA-256 checksums and can be read and searched with:")
        lines.append("- `logarchive read \(entry.issueNumber)`")
        lines.append("- `logarchive search \"<query>\" --issue \(entry.issueNumber)`")
        return lines.joined(separator: "\n")
    }

    /// Seconds between `started` and `ended` in a session log's front matter, if it has both.
    /// Only the head of the file is read: a session log of any size keeps its duration.
    public static func sessionDuration(ofFileAt path: String) -> Int64? {
        guard let bytes = try? FileSystem.readPrefix(path, count: frontMatterLimit) else { return nil }
        return sessionDuration(frontMatter: bytes)
    }

    /// Front matter is looked for in the first 64 KiB.
    static let frontMatterLimit = 64 * 1024

    /// The duration in a session log's first bytes; untrusted text, so any bytes give a value or nil.
    public static func sessionDuration(frontMatter bytes: [UInt8]) -> Int64? {
        let text = String(decoding: bytes.prefix(frontMatterLimit), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first?.trimmingWhitespace() == "---" else { return nil }
        var started: UTCTimestamp?
        var ended: UTCTimestamp?
        for line in lines.dropFirst() {
            let trimmed = line.trimmingWhitespace()
            if trimmed == "---" { break }
            if trimmed.hasPrefix("started:") { started = UTCTimestamp(iso8601: trimmed.dropFirst(8).trimmingWhitespace()) }
            if trimmed.hasPrefix("ended:") { ended = UTCTimestamp(iso8601: trimmed.dropFirst(6).trimmingWhitespace()) }
        }
        guard let started, let ended, ended.seconds >= started.seconds else { return nil }
        return ended.seconds - started.seconds
    }
}
