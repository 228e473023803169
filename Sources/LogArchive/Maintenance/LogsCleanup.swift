import Logging

/// `logarchive cleanup`: finds what the rules allow to go (`OrphanFinder`, `ArchivedLogPruner`),
/// removes each file only if it is still the file that was judged, and records what went in the
/// index's `cleanup_events`, through `IndexStore.update` (locked, atomic).
public struct LogsCleanup: Sendable {
    public struct Request: Sendable {
        public var orphans: Bool
        public var olderThanDays: Int?
        public var dryRun: Bool

        public init(orphans: Bool, olderThanDays: Int?, dryRun: Bool) {
            self.orphans = orphans
            self.olderThanDays = olderThanDays
            self.dryRun = dryRun
        }
    }

    /// The most files one event lists, and the most events the index keeps: the index stays small.
    public static let eventFileLimit = 100
    public static let eventLimit = 100

    public let logsDirectory: String
    public let index: IndexStore
    public let localStore: String?
    /// Opened only for `--older-than`, which asks the store about each log.
    let openStore: @Sendable () throws(ArchiveError) -> any ObjectStore
    let now: UTCTimestamp
    let unfinishedArchives: UnfinishedArchive

    /// `logger` hears the store's requests and retry decisions.
    public init(settings: Settings, environment: [String: String], now: UTCTimestamp = .now(), logger: Logger = .discarding) {
        unfinishedArchives = UnfinishedArchive(settings: settings, environment: environment, logger: logger)
        logsDirectory = settings.logsDirectory
        index = IndexStore(logsDirectory: settings.logsDirectory)
        if case .local(let path) = settings.store { localStore = path } else { localStore = nil }
        openStore = { () throws(ArchiveError) in try settings.openStore(environment: environment, logger: logger) }
        self.now = now
    }

    public func run(_ request: Request) throws(ArchiveError) -> CleanupReport {
        // First the archives runs left unrecorded (their local copies count as removed here), so
        // the rules below judge the index as it should stand. A dry run changes nothing.
        let unfinished = request.dryRun ? (finished: [], failures: []) : unfinishedArchives.finishAll(localCopies: .removedWhenVerified)
        let current = try entriesOfLocalFiles()
        var plan = CleanupPlan()
        if request.orphans {
            try OrphanFinder(logsDirectory: logsDirectory, index: current, localStore: localStore, now: now).plan(into: &plan)
        }
        if let days = request.olderThanDays {
            let store = try openStore()
            var pruned = CleanupPlan()
            ArchivedLogPruner(logsDirectory: logsDirectory, store: store, olderThanDays: days, now: now)
                .plan(current, into: &pruned)
            // A file another record still needs (a failed log, a journal, a multipart upload) stays.
            let claimed = try ClaimedFiles(logsDirectory: logsDirectory, index: current)
            for item in pruned.removals {
                if let claimant = claimed.unfinishedClaimant(of: item.path) {
                    pruned.kept.append(KeptFile(path: item.path, reason: claimant))
                } else {
                    plan.removals.append(item)
                }
            }
            plan.kept += pruned.kept
            plan.storeFailure = pruned.storeFailure
        }
        var report = CleanupReport(request: request, logsDirectory: logsDirectory, indexPath: index.path, plan: plan)
        report.finishedArchives = unfinished.finished
        report.invalidEntries = current.invalidEntries.map(\.error)
        report.unfinishedFailures = unfinished.failures
        report.removed = unfinished.finished.flatMap(\.removed)
        guard !request.dryRun else { return report }
        for item in plan.removals {
            if let problem = item.removeIfUnchanged() {
                report.failures.append(KeptFile(path: item.path, reason: problem))
            } else {
                report.removed.append(item)
            }
        }
        if !report.removed.isEmpty {
            try recordEvent(report)
            report.eventRecorded = true
        }
        return report
    }

    /// The entries the rules need: those of the issues that the logs dir's files are named for,
    /// read from their shards, so that a cleanup costs the same at 100,000 archived issues as at
    /// none. A `.gz` whose name names no issue could be claimed by any entry: then, and only then,
    /// the whole index is read, so that no claimed archive is taken for an orphan.
    func entriesOfLocalFiles() throws(ArchiveError) -> ArchiveIndex {
        var issues = Set<IssueNumber>()
        var needsWholeIndex = false
        guard FileSystem.isDirectory(logsDirectory) else { return try index.read() }
        try FileSystem.walkFolders(in: logsDirectory, skipping: Set([localStore].compactMap { $0 })) { _, names in
            for name in names {
                let logName = RotatedPiece(name)?.logName ?? (name.hasSuffix(".gz") ? String(name.dropLast(3)) : name)
                if let issue = LogType.allCases.lazy.compactMap({ LogCatalog.issue(ofLog: logName, type: $0) }).first {
                    issues.insert(issue)
                } else if name.hasSuffix(".gz"), !OrphanFinder.isTimestampedArchive(name) {
                    needsWholeIndex = true
                }
            }
        }
        if needsWholeIndex { return try index.read() }
        do {
            return ArchiveIndex(archives: try index.entries(for: issues))
        } catch {
            // An invalid entry of one of them: the whole index, which keeps it among
            // `invalidEntries` so that its files stay claimed, and fails only for a corrupt file.
            return try index.read()
        }
    }

    private func recordEvent(_ report: CleanupReport) throws(ArchiveError) {
        var files: [JSONValue] = report.removed.prefix(LogsCleanup.eventFileLimit).map { .string(indexedPath($0.path)) }
        if report.removed.count > LogsCleanup.eventFileLimit {
            files.append(.string("… and \(report.removed.count - LogsCleanup.eventFileLimit) more"))
        }
        let event = JSONValue.object(
            JSONObject([
                ("at", .string(now.iso8601)), ("removed", .integer(Int64(report.removed.count))),
                ("freed_bytes", .integer(report.freedBytes)), ("files", .array(files)),
            ]))
        do {
            try index.updateRoot { index in
                var events: [JSONValue] = []
                if case .array(let earlier) = index.unknownFields["cleanup_events"] { events = earlier }
                events.append(event)
                index.unknownFields["cleanup_events"] = .array(Array(events.suffix(LogsCleanup.eventLimit)))
            }
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw .failure("cannot record the cleanup in the index: \(error)")
        }
    }

    /// The form `local_path` uses: relative to the logs dir's parent, `logs/builds/123-build.log`.
    func indexedPath(_ path: String) -> String {
        guard let inside = Paths.relative(path, to: logsDirectory) else { return path }
        return Paths.lastComponent(of: logsDirectory) + "/" + inside
    }
}

/// What a cleanup did, or with `--dry-run` would do.
public struct CleanupReport: Sendable {
    public let request: LogsCleanup.Request
    public let logsDirectory: String
    public let indexPath: String
    public let plan: CleanupPlan
    public var removed: [CleanupItem] = []
    /// Files the plan would remove but that could not be, with why.
    public var failures: [KeptFile] = []
    public var eventRecorded = false
    /// Archives a stopped run left unrecorded that this cleanup finished (`UnfinishedArchive`).
    public var finishedArchives: [UnfinishedArchive.Finished] = []
    /// Those it could not finish: the index write failed again; their journals were kept.
    public var unfinishedFailures: [ArchiveError] = []
    /// Index entries that do not read (`InvalidEntry`): their files were all kept, and the
    /// command fails with the first one's code once the rest is cleaned.
    public var invalidEntries: [ArchiveError] = []

    public var freedBytes: Int64 { removed.reduce(0) { $0 + $1.sizeBytes } }
}
