import Logging

/// The archive a run left when it stopped after its uploads but before its index write (the
/// write failed, on a full disk say, or the run was killed): its journal (`UploadJournal`) says
/// `uploaded` for logs the store holds verified, while the index still holds the entry as it was
/// before the run, or none.
///
/// Whichever command next touches the issue finishes that run's job here, under the issue's run
/// lock: the entry is written once with the journal's statuses; when the caller asks, the local
/// copies of the logs it recorded are removed where `cleanup --older-than`'s checks (without the
/// age) pass: a complete archive, the file unchanged since it was archived, and a HEAD showing the
/// stored copy's size and SHA-256; then the journal is removed. A command that keeps the local
/// copies keeps the journal of a complete archive too, as the mark of the cleaning left to do.
/// If the write fails again the journal stays, so nothing is lost and the next command tries again.
public struct UnfinishedArchive: Sendable {
    /// What becomes of the local copies of the logs the journal recorded.
    public enum LocalCopies: Sendable {
        /// Kept: `status`, `read` and `search` change no log; `logarchive <n>` or `cleanup` removes them.
        case kept
        /// Kept for the clean stage of the `logarchive <n>` run that called (which also comments and commits).
        case leftToThisRun
        /// Removed where the store holds them verified and they are unchanged (`cleanup`).
        case removedWhenVerified
    }

    /// What finishing did for one issue.
    public struct Finished: Sendable {
        public let issue: IssueNumber
        /// The entry as the index now holds it.
        public let entry: ArchiveEntry
        /// The logs whose status the journal changed, as the index now records them.
        public let recorded: [ArchivedLog]
        public var removed: [CleanupItem] = []
        public var kept: [KeptFile] = []
        let localCopies: LocalCopies

        /// One line for stderr: what was finished and what is left.
        public var notice: String {
            let uploaded = recorded.filter { $0.uploadStatus == .uploaded }.count
            var line =
                recorded.isEmpty
                ? "finished the archive of issue #\(issue) that a stopped run left uncleaned: its uploads were already in the index"
                : "finished the archive of issue #\(issue) left by a run that stopped before its last index write: "
                    + "recorded \(Wording.count(uploaded, "verified upload")) from its journal in the index"
            guard entry.uploadComplete else {
                let missing = entry.unfinishedLogs.count
                return line
                    + "; \(Wording.count(missing, "log is", plural: "logs are")) not stored yet: logarchive \(issue) --retry finishes it"
            }
            line += " (archive complete)"
            switch localCopies {
            case .kept:
                line += "; its local copies stay until logarchive \(issue) or logarchive cleanup removes them"
            case .leftToThisRun:
                line += "; this run removes the local copies"
            case .removedWhenVerified:
                let freed = removed.reduce(0) { $0 + $1.sizeBytes }
                line += "; \(Wording.count(removed.count, "local file")) removed (\(ByteCount.format(freed)))"
                if !kept.isEmpty {
                    line += ", \(kept.count) kept: " + kept.map { "\($0.path) (\($0.reason))" }.joined(separator: "; ")
                }
            }
            return line
        }
    }

    public let logsDirectory: String
    let index: IndexStore
    /// Opened only when local copies are to be removed, to ask the store about each one.
    let openStore: @Sendable () throws(ArchiveError) -> any ObjectStore

    /// `logger` hears the store's requests, when the store is asked.
    public init(settings: Settings, environment: [String: String], logger: Logger = .discarding) {
        logsDirectory = settings.logsDirectory
        index = IndexStore(logsDirectory: settings.logsDirectory)
        openStore = { () throws(ArchiveError) in try settings.openStore(environment: environment, logger: logger) }
    }

    init(context: PipelineContext) {
        logsDirectory = context.settings.logsDirectory
        index = context.index
        let store = context.store
        openStore = { () throws(ArchiveError) in store }
    }

    /// Finishes the issue's archive if its journal is ahead of the index; nil when there is
    /// nothing to finish, or when a run holds the issue's lock (its journal is ahead by design).
    public func finish(_ issue: IssueNumber, localCopies: LocalCopies) throws(ArchiveError) -> Finished? {
        guard FileSystem.exists(UploadJournal.path(logsDirectory: logsDirectory, issue: issue)) else { return nil }
        guard let lock = try? IssueRunLock.acquire(logsDirectory: logsDirectory, issue: issue, timeoutSeconds: 0.05)
        else {
            return nil
        }
        defer { lock.release() }
        return try finishHoldingRunLock(issue, localCopies: localCopies)
    }

    /// `finish` for every issue with a journal in the logs dir; one issue's failure does not stop the others.
    public func finishAll(localCopies: LocalCopies) -> (finished: [Finished], failures: [ArchiveError]) {
        var finished: [Finished] = []
        var failures: [ArchiveError] = []
        for issue in issuesWithJournal() {
            do {
                if let done = try finish(issue, localCopies: localCopies) { finished.append(done) }
            } catch {
                failures.append(error)
            }
        }
        return (finished, failures)
    }

    /// `finish` for a caller that already holds the issue's run lock (`ArchivePipeline`).
    func finishHoldingRunLock(_ issue: IssueNumber, localCopies: LocalCopies) throws(ArchiveError) -> Finished? {
        let journal = UploadJournal.path(logsDirectory: logsDirectory, issue: issue)
        guard FileSystem.exists(journal) else { return nil }
        let indexed = try index.entry(for: issue)
        // The entry the run began with, from the journal's first line (older journals have none:
        // their run wrote it to the index as pending).
        let begun = try UploadJournal.pendingEntry(logsDirectory: logsDirectory, issue: issue)
        guard let base = begun ?? indexed else { return nil }
        let replayed = UploadJournal.replay(onto: base, logsDirectory: logsDirectory)
        // Only a change of status is worth a write: a journal whose run stopped before any upload
        // ended differs from the index in attempt counts alone, and the next archive run replaces it.
        var indexedStatus: [String: UploadStatus] = [:]
        for log in indexed?.logs ?? [] { indexedStatus[log.remotePath] = log.uploadStatus }
        let changedKeys = Set(
            replayed.logs.filter { $0.uploadStatus != (indexedStatus[$0.remotePath] ?? .pending) }.map(\.remotePath))
        // A journal the index already agrees with, beside a complete entry, marks local copies its
        // run never cleaned (a command that keeps them leaves it so): only `cleanup` acts on it.
        guard !changedKeys.isEmpty || (localCopies == .removedWhenVerified && indexed?.uploadComplete == true) else {
            return nil
        }
        var written = indexed ?? replayed
        if !changedKeys.isEmpty {
            do {
                // Replayed again under the shard's lock, onto the entry the run began with, or
                // the entry as it is there.
                written =
                    try index.update(issue: issue) { entry in
                        entry = (begun ?? entry).map { UploadJournal.replay(onto: $0, logsDirectory: logsDirectory) }
                    } ?? replayed
            } catch {
                let reason = (error as? ArchiveError)?.message ?? "\(error)"
                throw .failure(
                    "cannot finish the archive of issue #\(issue) left by a run that stopped before its last index write: \(reason). Nothing was lost: the journal \(journal) was kept, and the next command that touches the issue tries again"
                )
            }
        }
        var finished = Finished(
            issue: issue, entry: written, recorded: written.logs.filter { changedKeys.contains($0.remotePath) },
            localCopies: localCopies)
        var keepJournal = localCopies == .kept && written.uploadComplete
        if localCopies == .removedWhenVerified, written.uploadComplete {
            let uploadedKeys = UploadJournal.uploadedKeys(of: written, logsDirectory: logsDirectory)
            let storeAnswered = removeVerifiedCopies(
                of: written.logs.filter { uploadedKeys.contains($0.remotePath) }, into: &finished)
            // Asked again by the next cleanup: the store may answer then.
            keepJournal = !storeAnswered
        }
        if !keepJournal { UploadJournal.remove(logsDirectory: logsDirectory, issue: issue) }
        return finished
    }

    /// Removes the local copies of `logs` (and their `.gz`), each only if the store's copy and
    /// the local file pass `ArchivedLogPruner`'s checks and it is still the file judged. Returns
    /// false when the store could not be asked.
    private func removeVerifiedCopies(of logs: [ArchivedLog], into finished: inout Finished) -> Bool {
        guard !logs.isEmpty else { return true }
        var recorded = finished.entry
        recorded.logs = logs
        let store: any ObjectStore
        do {
            store = try openStore()
        } catch {
            finished.kept = logs.map {
                KeptFile(
                    path: $0.localFile(inLogsDirectory: logsDirectory),
                    reason: "the store could not be opened: \(error.message)")
            }
            return false
        }
        var plan = CleanupPlan()
        ArchivedLogPruner(logsDirectory: logsDirectory, store: store, olderThanDays: nil)
            .plan(ArchiveIndex(archives: [recorded]), into: &plan)
        finished.kept = plan.kept.filter { FileSystem.exists($0.path) }
        for item in plan.removals {
            if let problem = item.removeIfUnchanged() {
                finished.kept.append(KeptFile(path: item.path, reason: problem))
            } else {
                finished.removed.append(item)
            }
        }
        return plan.storeFailure == nil
    }

    /// The issues whose journal is in the logs dir, by number.
    func issuesWithJournal() -> [IssueNumber] {
        let names = (try? FileSystem.contents(of: logsDirectory)) ?? []
        return names.compactMap { name -> IssueNumber? in
            guard name.hasPrefix(".archive-journal-"), name.hasSuffix(".jsonl") else { return nil }
            let number = String(name.dropFirst(".archive-journal-".count).dropLast(".jsonl".count))
            return try? IssueNumber(validating: number)
        }.sorted()
    }
}
