/// The issue's run lock, `<logs-dir>/.archive-issue-<n>.lock`. `logarchive <n>` holds it for its
/// whole run (it reads the entry at validate and writes it at index), and `reindex --all` holds it
/// while it rewrites the entry, so neither writes between the other's read and write. It is not
/// an index file's lock (`IndexLock`): a run takes those only for each write.
public enum IssueRunLock {
    public static func path(logsDirectory: String, issue: IssueNumber) -> String {
        Paths.join(logsDirectory, ".archive-issue-\(issue).lock")
    }

    public static func what(_ issue: IssueNumber) -> String { "issue #\(issue)" }

    /// Waits up to `timeoutSeconds` for the issue's lock; a failure names the issue.
    public static func acquire(logsDirectory: String, issue: IssueNumber, timeoutSeconds: Double)
        throws(ArchiveError) -> FileLock
    {
        try FileLock.acquire(
            at: path(logsDirectory: logsDirectory, issue: issue), timeoutSeconds: timeoutSeconds, guarding: what(issue))
    }
}
