/// Where each entry of the index lives, so that one archive costs the same at 100,000 issues as at
/// none and no file outgrows what git hosts accept.
///
/// - `logs/.archive-index.json`, the root, keeps the top-level shape and fields that are not
///   entries (`cleanup_events`); once migrated it holds no entries.
/// - `logs/.archive-index/issues-000100-000124.json`, a shard, holds the entries of one range of
///   25 issue numbers, in the same shape as the root.
/// - `logs/.archive-index/issue-123.json` holds one entry too big to share a shard (an issue of
///   hundreds of logs), so that a shard always fits in 16 MB. Once there, an entry stays there: it
///   never moves back, so a kill between two writes never leaves a stale copy that wins.
/// - `logs/.archive-index/issues-000100-000199.json`, a shard of 100 numbers as the first sharded
///   versions wrote them: a range that has one keeps using it, so those indexes need no second
///   migration.
///
/// A lookup reads at most the root and two files of the issue's range.
public enum IndexLayout {
    public static let folderName = ".archive-index"
    /// 25 issue numbers per shard: a shard of 25 entries of 30 logs is about 0.55 MB, and each
    /// archive reads, skims and rewrites (with an fsync) its whole shard, so a narrower range is a
    /// cheaper archive; at 100,000 issues it is 4,000 files, of which `status` reads the first few
    /// kilobytes (docs/benchmarks.md, "The index at scale").
    public static let issuesPerShard: Int64 = 25
    /// The range of the shards the first sharded versions wrote.
    static let legacyIssuesPerShard: Int64 = 100
    /// No index file is written larger than this (GitHub warns at 50 MB and refuses 100 MB).
    public static let fileSizeLimit = 16_000_000
    /// An entry larger than this gets its own file: even a shard of 100 numbers (the legacy range)
    /// full of such entries stays under the limit.
    public static let ownFileThreshold = fileSizeLimit / Int(legacyIssuesPerShard) - 4_096

    /// `issues-000100-000124.json` for 100 to 124.
    public static func shardName(for issue: IssueNumber) -> String { shardName(for: issue, range: issuesPerShard) }

    /// `issues-000100-000199.json` for 100 to 199: the name a shard of the legacy range has.
    static func legacyShardName(for issue: IssueNumber) -> String { shardName(for: issue, range: legacyIssuesPerShard) }

    private static func shardName(for issue: IssueNumber, range: Int64) -> String {
        let first = issue.value / range * range
        return "issues-\(padded(first))-\(padded(first + range - 1)).json"
    }

    /// `issue-123.json`.
    public static func ownFileName(for issue: IssueNumber) -> String { "issue-\(issue).json" }

    /// Whether a name in the folder is one of the index's files (not a lock, backup or temporary file).
    public static func isIndexFile(_ name: String) -> Bool {
        name.hasSuffix(".json") && (name.hasPrefix("issues-") || name.hasPrefix("issue-"))
    }

    /// Six digits at least, so that a listing sorts the shards in order.
    private static func padded(_ value: Int64) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// What the root says of the layout, for a person who opens it.
    static var rootDescription: JSONValue {
        .object(
            JSONObject([
                ("entries", .string("\(folderName)/*.json, \(issuesPerShard) issues per shard file; an issue too large to share one has issue-N.json")),
                ("query", .string("jq -e --arg issue 123 '.archives[] | select(.issue_number == $issue)' logs/.archive-index.json logs/.archive-index/*.json")),
            ]))
    }
}
