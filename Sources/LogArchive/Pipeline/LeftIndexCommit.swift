/// A step of the already-archived path, not a stage: no stage runs for an issue already archived,
/// but an index change that a run stopped before its commit left is still committed, as the commit
/// stage would have (the report shows it as the commit stage's skip reason).
enum LeftIndexCommit {
    /// For an issue already archived: commits the index if a run stopped before its commit left it
    /// changed (with the removal of the entry's cleaned logs that git tracks). Nil when there was
    /// nothing to commit, commits are off, or the logs dir is not in a work tree.
    static func commit(of entry: ArchiveEntry, in context: PipelineContext) -> String? {
        guard context.settings.commit,
            let repository = GitRepository.containing(context.settings.logsDirectory, environment: context.environment, logger: context.logger),
            let lock = try? IndexLock.acquire(at: context.index.lockPath)
        else { return nil }
        defer { lock.release() }
        let cleaned = entry.logs.compactMap { context.absoluteLocalPath($0.localPath) }.filter { !FileSystem.exists($0) }
        let outcome = try? repository.commitOnly(
            context.index.path, globs: [CommitStage.indexFilesGlob(context)], removing: cleaned,
            message: CommitStage.message(for: entry, freedBytes: 0))
        guard case .committed(let sha) = outcome else { return nil }
        return "the index change a stopped run left was committed as \(sha.prefix(12))"
    }
}
