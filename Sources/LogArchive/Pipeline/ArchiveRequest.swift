import Logging

/// What the user asked for: archive this issue, for this reason, in this mode.
public struct ArchiveRequest: Sendable {
    public var issue: IssueNumber
    public var reason: ArchiveReason
    public var force: Bool
    public var dryRun: Bool
    public var mode: Mode
    /// `--trace FILE`: where to write the run's decision trace as JSON.
    public var traceFile: String?

    public enum Mode: Sendable, Equatable {
        /// Archive the issue (again, with `force`; a partial archive is always completed).
        case archive
        /// `--retry`: finish the issue's partial archive.
        case retry
        /// `--reindex-only`: rebuild the issue's index entry from the store.
        case reindexOnly
    }

    public init(
        issue: IssueNumber, reason: ArchiveReason = .manual, force: Bool = false, dryRun: Bool = false, mode: Mode = .archive
    ) {
        self.issue = issue
        self.reason = reason
        self.force = force
        self.dryRun = dryRun
        self.mode = mode
    }
}
