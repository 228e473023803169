import Foundation

/// Commits the index, and only the index, when the logs dir is inside a git work tree.
public struct CommitStage: PipelineStage {
    public static let name = StageName.commit

    public init() {}

    public func run(_ cleaned: CleanedArchive, in context: PipelineContext) throws -> StageResult<CommittedArchive> {
        guard context.settings.commit else {
            return .skipped(CommittedArchive(cleaned: cleaned, commit: nil, push: nil), "--no-commit")
        }
        guard let repository = GitRepository.containing(context.settings.logsDirectory, environment: context.environment, logger: context.logger) else {
            return .skipped(CommittedArchive(cleaned: cleaned, commit: nil, push: nil), "the logs dir is not inside a git work tree")
        }
        // The lock keeps another local run from rewriting the index while git reads it, or while
        // a rebase after a rejected push moves the work tree's copy.
        let lock: IndexLock
        do {
            lock = try IndexLock.acquire(at: context.index.lockPath)
        } catch {
            return .warning(CommittedArchive(cleaned: cleaned, commit: nil, push: nil), "index not committed: \(error)")
        }
        defer { lock.release() }
        let outcome: GitRepository.CommitOutcome
        do {
            try FaultPoint.beforeCommit.reach()
            outcome = try repository.commitOnly(
                context.index.path, globs: [CommitStage.indexFilesGlob(context)], removing: cleaned.deletedPaths,
                message: CommitStage.message(for: cleaned))
        } catch {
            return .warning(CommittedArchive(cleaned: cleaned, commit: nil, push: nil), "index not committed: \(error)")
        }
        var detail: String
        switch outcome {
        case .committed(let sha): detail = "index committed as \(sha.prefix(12))"
        case .nothingToCommit: detail = "the index has no change to commit"
        }
        guard context.settings.push else {
            let committed = CommittedArchive(cleaned: cleaned, commit: outcome, push: nil)
            return outcome == .nothingToCommit ? .skipped(committed, detail) : .completed(committed, detail)
        }
        do {
            try FaultPoint.beforePush.reach()
            let pushed = try repository.push(
                mergingConflictsIn: CommitStage.isIndexFile(in: repository, context), with: IndexMerge.mergeFiles,
                pause: CommitStage.pause(scale: (try? context.settings.retryPolicy().scale) ?? 1))
            detail += "; pushed to \(pushed.remote)"
            if pushed.attempts > 1 { detail += " after \(Wording.count(pushed.attempts - 1, "rebase")) onto jobs that pushed first" }
            if !pushed.mergedFiles.isEmpty { detail += ", merging \(pushed.mergedFiles.joined(separator: ", ")) with their entries" }
            for file in pushed.mergedFiles {
                context.note("commit.merged", by: "commit", about: file, "another job pushed a change to it first; every entry of both is kept")
            }
            return .completed(CommittedArchive(cleaned: cleaned, commit: outcome, push: pushed), detail)
        } catch {
            return .warning(CommittedArchive(cleaned: cleaned, commit: outcome, push: nil), "\(detail); not pushed: \(error)")
        }
    }

    /// The shards and own files of the index: a commit takes them all, so that a migration, or a
    /// file that another local run wrote, is committed with the root.
    static func indexFilesGlob(_ context: PipelineContext) -> String {
        Paths.join(context.index.folder, "*.json")
    }

    /// Whether a path in the work tree is one of the index's files, which a push may merge.
    static func isIndexFile(in repository: GitRepository, _ context: PipelineContext) -> (String) -> Bool {
        let root = repository.pathInWorkTree(context.index.path)
        let folder = repository.pathInWorkTree(context.index.folder)
        return { path in
            path == root || (Paths.parent(of: path) == folder && IndexLayout.isIndexFile(Paths.lastComponent(of: path)))
        }
    }

    /// A second or so, growing with each attempt and jittered so that jobs that collided once do
    /// not collide again in step.
    static func pause(scale: Double) -> (Int) -> Void {
        { attempt in
            let seconds = Double(attempt) * Double.random(in: 0.5..<1.5) * scale
            if seconds > 0 { usleep(UInt32(min(seconds, 30) * 1e6)) }
        }
    }

    /// The commit message of the original workflow.
    static func message(for cleaned: CleanedArchive) -> String {
        message(for: cleaned.entry, freedBytes: cleaned.freedBytes)
    }

    static func message(for entry: ArchiveEntry, freedBytes: Int64) -> String {
        """
            Archive logs for issue #\(entry.issueNumber)

            - Archived \(Wording.count(entry.totalLogs, "log")) to \(entry.logs.isEmpty ? "the archive" : Wording.storeName(of: entry))
            - Updated archive index
            - Freed \(ByteCount.format(freedBytes)) locally

            Archive reason: \(entry.archiveReason.rawValue)
            Issue: #\(entry.issueNumber)
            """
    }
}
