/// The issue's run lock, `<logs-dir>/.archive-issue-<n>.lock`. `logarchive <n>` holds it for its
/// whole run (it reads the entry at validate and writes it at index), and `reindex --all` holds it
/// while it rewrites the entry, so neither writes between the other's read and write.
public enum IssueRunLock {
    public static func path(logsDirectory: String, issue: IssueNumber) -> String {
        Paths.join(logsDirectory, ".archive-issue-\(issue).lock")
    }

    public static func what(_ issue: IssueNumber) -> String { "issue #\(issue)" }
}
