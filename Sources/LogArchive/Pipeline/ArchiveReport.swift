/// Everything a run did, for the summary, `--json`, and the exit status.
public struct ArchiveReport: Sendable {
    public enum Outcome: String, Sendable {
        case archived
        case partial
        case alreadyArchived = "already_archived"
        case noLogs = "no_logs"
        case dryRun = "dry_run"
        case reindexed
        /// The lifecycle check said no (exit 4): nothing was tried, nothing failed.
        case refused
        case failed
    }

    public let issue: IssueNumber
    public var outcome: Outcome
    public var stages: [StageRecord] = []
    public var entry: ArchiveEntry?
    public var plan: [PlannedLog] = []
    public var collectedCount = 0
    public var compressedCount = 0
    public var compressedOriginalBytes: Int64 = 0
    public var compressedBytes: Int64 = 0
    public var storeFolder: String?
    public var storeLocation: String
    public var indexPath: String
    public var freedBytes: Int64 = 0
    public var keptPaths: [String] = []
    public var error: ArchiveError?
    /// For an issue already archived: its local logs that the archive does not hold as they are.
    public var localDrift: [LocalDrift] = []
    /// Where the run's decision trace went (`--trace FILE`, the store), and what could not be kept.
    public var traceFile: String?
    public var traceKey: String?
    public var traceWarnings: [String] = []

    public init(issue: IssueNumber, outcome: Outcome, storeLocation: String, indexPath: String) {
        self.issue = issue
        self.outcome = outcome
        self.storeLocation = storeLocation
        self.indexPath = indexPath
    }

    public func stage(_ name: StageName) -> StageRecord? { stages.first { $0.name == name } }

    public var failedLogs: [ArchivedLog] { entry?.unfinishedLogs ?? [] }

    public var exitCode: Int32 {
        switch outcome {
        case .archived, .alreadyArchived, .noLogs, .dryRun, .reindexed: 0
        case .partial: ArchiveError.Kind.partial.exitCode
        case .refused: ArchiveError.Kind.refused.exitCode
        case .failed: error?.exitCode ?? 1
        }
    }
}

/// What `--dry-run` would do with one log.
public struct PlannedLog: Sendable {
    public let log: CollectedLog
    public let willCompress: Bool
    public let reason: String
    public let remotePath: String
}
