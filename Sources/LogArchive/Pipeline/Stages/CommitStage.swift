/// Commits the index, and only the index, when the logs dir is inside a git work tree.
public struct CommitStage: PipelineStage {
    public static let name = StageName.commit

    public init() {}

    public func run(_ cleaned: CleanedArchive, in context: PipelineContext) throws -> StageResult<CommittedArchive> {
        guard context.settings.commit else {
            return .skipped(CommittedArchive(cleaned: cleaned, commit: nil), "--no-commit")
        }
        guard let repository = GitRepository.containing(context.settings.logsDirectory, environment: context.environment) else {
            return .skipped(CommittedArchive(cleaned: cleaned, commit: nil), "the logs dir is not inside a git work tree")
        }
        do {
            try FaultPoint.beforeCommit.reach()
            let outcome = try repository.commitOnly(cleaned.indexed.indexPath, message: CommitStage.message(for: cleaned))
            let committed = CommittedArchive(cleaned: cleaned, commit: outcome)
            switch outcome {
            case .committed(let sha): return .completed(committed, "index committed as \(sha.prefix(12))")
            case .nothingToCommit: return .skipped(committed, "the index has no change to commit")
            }
        } catch {
            return .warning(CommittedArchive(cleaned: cleaned, commit: nil), "index not committed: \(error)")
        }
    }

    /// The commit message of the original workflow.
    static func message(for cleaned: CleanedArchive) -> String {
        let entry = cleaned.indexed.entry
        return """
            Archive logs for issue #\(entry.issueNumber)

            - Archived \(entry.totalLogs) \(entry.totalLogs == 1 ? "log" : "logs") to \(entry.logs.isEmpty ? "the archive" : "cloud storage")
            - Updated archive index
            - Freed \(ByteCount.format(cleaned.freedBytes)) locally

            Archive reason: \(entry.archiveReason.rawValue)
            Issue: #\(entry.issueNumber)
            """
    }
}
