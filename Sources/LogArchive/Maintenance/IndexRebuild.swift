import Dispatch
import Foundation
import Logging

/// `logarchive reindex --all`: rebuilds the whole index from the store, its second source of truth
/// (each archived issue's `manifest.json` holds its entry).
///
/// One listing of `archive/logs/` finds every manifest and gives every object's size; the
/// manifests are read `manifestReaders` at a time; `EntryReconciler` decides each entry. The changed
/// entries of a shard's range are written together through `IndexStore.update(issues:)`, each file
/// once, while their issues' run locks are held, the lock `logarchive <n>` holds from reading the
/// entry to writing it, so neither writes inside the other's read and write. An entry the store does not confirm is kept as it is and reported:
/// nothing is removed from the index.
public struct IndexRebuild: Sendable {
    public struct Request: Sendable {
        public var dryRun: Bool
        /// HEAD every stored log for its SHA-256, not only those whose status would change.
        public var verifyChecksums: Bool

        public init(dryRun: Bool = false, verifyChecksums: Bool = false) {
            self.dryRun = dryRun
            self.verifyChecksums = verifyChecksums
        }
    }

    /// Manifest reads in flight at once: each spends its time waiting on the store.
    public static let manifestReaders = 8
    /// How long the second pass waits for a run that holds an issue's lock.
    static let busyIssueWaitSeconds: Double = 600
    /// A manifest is one entry (an entry of 1,000 logs is about 1 MB): anything far larger is not one.
    static let manifestSizeLimit = 64 << 20

    public let logsDirectory: String
    public let index: IndexStore
    public let store: any ObjectStore
    /// The local store's folder. It must exist: a mistyped path would list as a store holding nothing.
    let localStoreFolder: String?

    /// `logger` hears the store's requests and retry decisions.
    public init(settings: Settings, environment: [String: String], logger: Logger = .discarding) throws(ArchiveError) {
        logsDirectory = settings.logsDirectory
        index = IndexStore(logsDirectory: settings.logsDirectory)
        store = try settings.openStore(environment: environment, logger: logger)
        if case .local(let path) = settings.store { localStoreFolder = path } else { localStoreFolder = nil }
    }

    public func run(_ request: Request) throws(ArchiveError) -> IndexRebuildReport {
        guard FileSystem.isDirectory(logsDirectory) else {
            throw .badInput(
                "the logs directory \(logsDirectory) does not exist: create it (mkdir -p) or give it with --logs-dir")
        }
        if let localStoreFolder, !FileSystem.isDirectory(localStoreFolder) {
            throw .failure(
                "the local store \(localStoreFolder) does not exist: there is nothing to rebuild the index from (give the store with --store)"
            )
        }
        let catalog = StoreCatalog(listing: try listStore())
        let (snapshot, unreadable) = index.readAll()
        var report = IndexRebuildReport(dryRun: request.dryRun, storeLocation: store.location, indexPath: index.path)
        report.issuesInStore = catalog.manifests.count
        // A corrupt index file is named; its issues fail to write below and are named too.
        report.problems += unreadable.map { IndexRebuildReport.Problem(subject: "index", message: $0.message) }
        // An invalid entry is rewritten from its manifest below; without one it stays, named.
        for invalid in snapshot.invalidEntries where catalog.manifests[invalid.issue] == nil {
            report.problems.append(
                .init(
                    subject: "issue #\(invalid.issue)",
                    message: "kept as it is, with no manifest in the store to rebuild it from: \(invalid.error.message)"))
        }

        let manifests = readManifests(catalog)
        for (key, result) in manifests.sorted(by: { $0.key < $1.key }) {
            if case .failure(let error) = result { report.problems.append(.init(subject: key, message: error.message)) }
        }
        let store = self.store
        let reconciler = EntryReconciler(
            sizes: catalog.sizes, verifyChecksums: request.verifyChecksums, head: { try store.head(key: $0) },
            url: { store.url(for: $0) })
        let indexed = Dictionary(
            snapshot.archives.map { ($0.issueNumber, $0) }, uniquingKeysWith: { first, _ in first })

        var busy: [IssueStep] = []
        var shardSteps: [IssueStep] = []
        for issue in Set(catalog.manifests.keys).union(indexed.keys).sorted() {
            let stored = reconciler.storeEntry(
                manifests: (catalog.manifests[issue] ?? []).compactMap { try? manifests[$0]?.get() })
            guard let stored else {
                if let entry = indexed[issue] {
                    report.kept.append(
                        unconfirmed(entry, hasManifest: catalog.manifests[issue] != nil, sizes: catalog.sizes))
                }
                continue
            }
            let step = IssueStep(issue: issue, indexed: indexed[issue], stored: stored, reconciler: reconciler)
            if let last = shardSteps.last, IndexLayout.shardName(for: last.issue) != IndexLayout.shardName(for: issue) {
                busy += rebuild(shard: shardSteps, request, into: &report)
                shardSteps = []
            }
            shardSteps.append(step)
        }
        busy += rebuild(shard: shardSteps, request, into: &report)
        // Issues another run held: waited for one at a time, now that everything else is done.
        for step in busy {
            _ = rebuild(step, request, lockWait: IndexRebuild.busyIssueWaitSeconds, into: &report)
        }
        // Issues waited for were recorded last: every list in issue order.
        report.added.sort { $0.issue < $1.issue }
        report.updated.sort { $0.issue < $1.issue }
        for (issue, folders) in catalog.foldersWithoutManifest.sorted(by: { $0.key < $1.key })
        where indexed[issue] == nil {
            report.notIndexed.append(
                .init(
                    issue: issue,
                    reason:
                        "\(folders.joined(separator: ", ")) holds logs but no manifest.json: nothing to rebuild the entry from"
                ))
        }
        return report
    }

    private struct IssueStep {
        let issue: IssueNumber
        /// The entry in the index when it was read at the start.
        let indexed: ArchiveEntry?
        let stored: ArchiveEntry
        let reconciler: EntryReconciler
    }

    /// Reconciles the issues of one shard's range and, unless it is a dry run, writes their changed
    /// entries in one `IndexStore.update(issues:)`: each file of the range written once. Returns
    /// the steps whose issue another run holds, for the second pass.
    ///
    /// Locks: the run locks of the changed issues are tried, never waited for, before the shard's
    /// lock is taken inside the update. `logarchive <n>` takes its run lock, then the shard lock:
    /// the same order, and a run lock held by another run is skipped, not waited for while other
    /// run locks are held, so no cycle can form.
    private func rebuild(shard steps: [IssueStep], _ request: Request, into report: inout IndexRebuildReport)
        -> [IssueStep]
    {
        var planned: [IssueNumber: ArchiveEntry] = [:]
        var changed: [IssueStep] = []
        for step in steps {
            do {
                let entry = try step.reconciler.reconcile(current: step.indexed, stored: step.stored)
                // Judged against the index as read at the start: an unchanged entry takes no lock and no write.
                if request.dryRun || entry == step.indexed {
                    report.record(step.issue, before: step.indexed, after: entry)
                    continue
                }
                planned[step.issue] = entry
                changed.append(step)
            } catch {
                report.problems.append(.init(subject: "issue #\(step.issue)", message: "entry not rebuilt: \(IndexRebuild.message(error))"))
            }
        }
        // Locked once every entry is reconciled: no run waits on this one's HEADs.
        var toWrite: [IssueStep] = []
        var busy: [IssueStep] = []
        var locks: [FileLock] = []
        defer { for lock in locks { lock.release() } }
        for step in changed {
            guard let lock = try? IssueRunLock.acquire(logsDirectory: logsDirectory, issue: step.issue, timeoutSeconds: 0) else {
                busy.append(step)
                continue
            }
            locks.append(lock)
            toWrite.append(step)
        }
        guard !toWrite.isEmpty else { return busy }
        let steps = Dictionary(uniqueKeysWithValues: toWrite.map { ($0.issue, $0) })
        var outcomes: [IssueNumber: (before: ArchiveEntry?, after: ArchiveEntry)] = [:]
        var failed: [IssueNumber: Error] = [:]
        do {
            try index.update(issues: toWrite.map(\.issue), replacingInvalid: true) { issue, entry in
                let step = steps[issue]!
                var after = planned[issue]!
                // A run that finished since the start changed the entry: reconciled again with its version.
                if entry != step.indexed {
                    do {
                        after = try step.reconciler.reconcile(current: entry, stored: step.stored)
                    } catch {
                        // Left as that run wrote it; the other issues of the shard are still written.
                        failed[issue] = error
                        return
                    }
                }
                outcomes[issue] = (entry, after)
                entry = after
            }
        } catch {
            for step in toWrite where failed[step.issue] == nil {
                report.problems.append(.init(subject: "issue #\(step.issue)", message: "entry not rebuilt: \(IndexRebuild.message(error))"))
            }
            outcomes = [:]
        }
        for step in toWrite {
            if let error = failed[step.issue] {
                report.problems.append(.init(subject: "issue #\(step.issue)", message: "entry not rebuilt: \(IndexRebuild.message(error))"))
            } else if let outcome = outcomes[step.issue] {
                report.record(step.issue, before: outcome.before, after: outcome.after)
            }
        }
        return busy
    }

    private static func message(_ error: Error) -> String {
        (error as? ArchiveError)?.message ?? "\(error)"
    }

    /// Reconciles one issue and, unless it is a dry run, writes its entry. Returns false when
    /// another run held the issue's lock for all of `lockWait`.
    private func rebuild(_ step: IssueStep, _ request: Request, lockWait: Double, into report: inout IndexRebuildReport)
        -> Bool
    {
        let issue = step.issue
        do {
            let planned = try step.reconciler.reconcile(current: step.indexed, stored: step.stored)
            // Judged against the index as read at the start: an unchanged entry takes no lock and no write.
            if request.dryRun || planned == step.indexed {
                report.record(issue, before: step.indexed, after: planned)
                return true
            }
            // First pass: an issue another run holds is left for the second, which waits.
            let lock =
                lockWait == 0
                ? try? IssueRunLock.acquire(logsDirectory: logsDirectory, issue: issue, timeoutSeconds: 0)
                : try IssueRunLock.acquire(logsDirectory: logsDirectory, issue: issue, timeoutSeconds: lockWait)
            guard let lock else { return false }
            defer { lock.release() }
            var before: ArchiveEntry?
            var after = planned
            try index.update(issue: issue, replacingInvalid: true) { entry in
                // A run that finished since the start changed the entry: reconciled again with its version.
                before = entry
                if entry != step.indexed { after = try step.reconciler.reconcile(current: entry, stored: step.stored) }
                entry = after
            }
            report.record(issue, before: before, after: after)
        } catch let error as ArchiveError {
            report.problems.append(.init(subject: "issue #\(issue)", message: "entry not rebuilt: \(error.message)"))
        } catch {
            report.problems.append(.init(subject: "issue #\(issue)", message: "entry not rebuilt: \(error)"))
        }
        return true
    }

    /// An entry the store has no (readable) manifest for: kept, with how much of it the listing shows.
    private func unconfirmed(_ entry: ArchiveEntry, hasManifest: Bool, sizes: [String: Int64])
        -> IndexRebuildReport.Kept
    {
        let found = entry.logs.filter { sizes[$0.remotePath] == $0.sizeBytes }.count
        let why = hasManifest ? "its manifest in the store cannot be read" : "no manifest in the store"
        return .init(
            issue: entry.issueNumber,
            reason: "kept: \(why) (\(found) of \(Wording.count(entry.logs.count, "log")) found in the store)")
    }

    private func listStore() throws(ArchiveError) -> [ListedObject] {
        do {
            return try store.list(prefix: StoreCatalog.prefix)
        } catch {
            // The check says why in words a person can act on: refused credentials, an unknown
            // bucket, an unreachable endpoint.
            if localStoreFolder == nil { try store.checkWritable() }
            throw .failure("cannot list \(StoreCatalog.prefix) in the store \(store.location): \(error)")
        }
    }

    /// Every manifest of the catalog, read concurrently, by key.
    private func readManifests(_ catalog: StoreCatalog) -> [String: Result<ArchiveEntry, ArchiveError>] {
        let jobs = catalog.manifests.flatMap { issue, keys in keys.map { (issue, $0) } }
        let results = Locked([String: Result<ArchiveEntry, ArchiveError>](minimumCapacity: jobs.count))
        let next = Locked(0)
        let store = self.store
        BlockingThreads.run(min(IndexRebuild.manifestReaders, jobs.count)) {
            while true {
                let position = next.withLock { next in
                    defer { next += 1 }
                    return next
                }
                guard position < jobs.count else { return }
                let (issue, key) = jobs[position]
                let result = Result { () throws(ArchiveError) in
                    try IndexRebuild.readManifest(key, of: issue, from: store)
                }
                results.withLock { $0[key] = result }
            }
        }
        return results.withLock { $0 }
    }

    /// Reads a manifest into memory (never to a file: a dry run writes nothing) and checks that it
    /// is an entry of `issue` whose logs lie in the issue's folders. Errors leave the key out: the
    /// report names it beside them.
    static func readManifest(_ key: String, of issue: IssueNumber, from store: any ObjectStore) throws(ArchiveError)
        -> ArchiveEntry
    {
        var bytes: [UInt8] = []
        do {
            try store.read(key: key) { chunk in
                guard bytes.count + chunk.count <= manifestSizeLimit else {
                    throw ArchiveError.failure(
                        "it is larger than \(ByteCount.format(Int64(manifestSizeLimit))), far more than one entry")
                }
                bytes.append(contentsOf: chunk)
            }
        } catch let error as ArchiveError {
            throw .failure("the manifest was not read: \(error.message)")
        } catch {
            throw .failure("the manifest cannot be downloaded: \(error)")
        }
        let entry: ArchiveEntry
        do {
            entry = try ArchiveEntry(json: JSONParser.parse(bytes), path: "manifest")
        } catch let error as JSONObjectReader.ShapeError where error.isRefusedValue {
            throw .badInput("the manifest is refused: \(error)")
        } catch {
            throw .failure("the manifest is corrupt: \(error)")
        }
        guard entry.issueNumber == issue else {
            throw .failure("the manifest is for issue #\(entry.issueNumber), not #\(issue)")
        }
        // Each log's key was held to `IssueKeyRule` for the entry's issue as it was decoded.
        return entry
    }
}
