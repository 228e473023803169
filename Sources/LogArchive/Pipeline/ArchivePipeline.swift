import Glibc

import Logging

/// `logarchive <issue>`: the nine stages in order, run by one `PipelineRunner`.
public struct ArchivePipeline: Sendable {
    public private(set) var context: PipelineContext
    /// Hears what a person waiting on the run should know now (the command line prints it on stderr).
    public var notice: @Sendable (String) -> Void {
        get { context.notice }
        set { context.notice = newValue }
    }
    /// Counts what the run compresses and sends, for a progress line.
    public var progress: ProgressMeter? {
        get { context.progress }
        set { context.progress = newValue }
    }

    public init(context: PipelineContext) {
        self.context = context
    }

    /// A `--retry` given no storage class, encryption or tags writes the objects it still owes
    /// with those the entry records, so one archive's objects do not differ by the run that sent them.
    func contextKeepingObjectOptions(for request: ArchiveRequest) -> PipelineContext? {
        guard request.mode == .retry, let store = context.store as? S3Store, store.settings.objectOptions.isEmpty,
            let recorded = (try? context.index.entry(for: request.issue))??.objectOptions, !recorded.isEmpty
        else { return nil }
        var kept = context
        kept.store = store.writing(with: recorded)
        return kept
    }

    /// Builds the context for the configured store; `logger` hears the run's requests, retries,
    /// decisions and git commands.
    public static func make(
        settings: Settings, environment: [String: String], now: UTCTimestamp = .now(), logger: Logger = .discarding
    ) throws(ArchiveError) -> ArchivePipeline {
        let store = try settings.openStore(environment: environment, logger: logger)
        let runID = "run-\(now.seconds)-\(getpid())"
        var context = PipelineContext(
            settings: settings, store: store, now: now, runID: runID, environment: environment, logger: logger)
        if let token = settings.github.token {
            let remote = GitRepository.containing(settings.logsDirectory, environment: environment, logger: logger)?.originURL()
            guard let repository = settings.github.repository ?? remote.flatMap(GitHubClient.repository(fromRemote:)) else {
                throw .badInput(
                    "a GitHub token is set but the repository is unknown: set GITHUB_REPOSITORY=owner/name (or a git remote 'origin')")
            }
            context.github = GitHubClient(
                apiURL: settings.github.apiURL, repository: repository, token: token,
                retry: try settings.retryPolicy(), logger: logger)
        }
        return ArchivePipeline(context: context)
    }

    public func run(_ request: ArchiveRequest) -> ArchiveReport {
        if let kept = contextKeepingObjectOptions(for: request) { return ArchivePipeline(context: kept).runAsGiven(request) }
        return runAsGiven(request)
    }

    private func runAsGiven(_ request: ArchiveRequest) -> ArchiveReport {
        if let store = context.store as? S3Store {
            // Where the keys came from, never the keys: what `doctor` and a failed run's trace need.
            var attributes = JSONObject()
            attributes["credential_source"] = .string(store.credentialSource.kind)
            context.note(
                "store.credentials", by: "store", about: store.location, "credentials from \(store.credentialSource)",
                attributes: attributes)
        }
        let runner = PipelineRunner(context: context)
        var report = ArchiveReport(
            issue: request.issue, outcome: .failed, storeLocation: context.store.location, indexPath: context.index.path)
        do {
            // One run per issue at a time: a second run for the same issue waits, then finds the
            // issue archived (or finishes what the first left partial). A dry run changes nothing.
            let issueLock = request.dryRun ? nil : try lockIssue(request.issue)
            defer { issueLock?.release() }
            if issueLock != nil {
                // A run that stopped before its last index write: its uploads are recorded first,
                // so validate sees the archive as it stands; the stages then comment, clean and commit.
                if let finished = try UnfinishedArchive(context: context).finishHoldingRunLock(request.issue, localCopies: .leftToThisRun) {
                    context.note("run.finished-unfinished", by: "pipeline", about: IssueRunLock.what(request.issue), finished.notice)
                    notice(finished.notice)
                }
            }
            try runStages(request, runner: runner, report: &report)
        } catch let error as ArchiveError {
            report.outcome = error.kind == .refused ? .refused : .failed
            report.error = error
        } catch {
            report.outcome = .failed
            report.error = .failure("\(error)")
        }
        report.stages = runner.finish()
        keepTrace(request, report: &report)
        return report
    }

    /// The issue's run lock (`IssueRunLock`); says so when it has to wait.
    private func lockIssue(_ issue: IssueNumber) throws(ArchiveError) -> FileLock? {
        guard FileSystem.isDirectory(context.settings.logsDirectory) else { return nil }  // validate reports it
        let logsDirectory = context.settings.logsDirectory
        if let lock = try? IssueRunLock.acquire(logsDirectory: logsDirectory, issue: issue, timeoutSeconds: 0.05) { return lock }
        let path = IssueRunLock.path(logsDirectory: logsDirectory, issue: issue)
        let what = IssueRunLock.what(issue)
        let holder = (try? FileSystem.readAll(path, limit: 64)).map { String(decoding: $0, as: UTF8.self).trimmingWhitespace() } ?? ""
        context.note("run.waiting", by: "pipeline", about: what, "another logarchive run\(holder.isEmpty ? "" : " (pid \(holder))") is archiving it")
        notice("waiting for another run on issue #\(issue)\(holder.isEmpty ? "" : " (pid \(holder))") to finish")
        return try IssueRunLock.acquire(logsDirectory: logsDirectory, issue: issue, timeoutSeconds: 1800)
    }

    /// Writes the run's trace to `--trace FILE`, and beside the manifest when the run reached the
    /// store; a trace that cannot be kept is a warning, never a failed archive.
    private func keepTrace(_ request: ArchiveRequest, report: inout ArchiveReport) {
        let document = Array(context.trace.exportJSON().utf8)
        if let file = request.traceFile {
            do {
                try context.trace.export(to: file)
                report.traceFile = file
            } catch {
                report.traceWarnings.append("trace not written to \(file): \(error)")
            }
        }
        if let folder = report.storeFolder, !request.dryRun {
            let key = StoreLayout.traceKey(issueFolder: folder, runID: context.runID)
            do {
                try context.store.put(bytes: document, key: key)
                report.traceKey = key
            } catch {
                report.traceWarnings.append("trace not stored at \(key): \(error)")
            }
        }
    }

    private func runStages(_ request: ArchiveRequest, runner: PipelineRunner, report: inout ArchiveReport) throws {
        let validated: ValidatedArchive
        switch try runner.run(ValidateStage(), request) {
        case .alreadyArchived(let entry):
            report.outcome = .alreadyArchived
            report.entry = entry
            report.localDrift = LocalDrift.of(entry, logsDirectory: context.settings.logsDirectory)
            let committed = request.dryRun ? nil : LeftIndexCommit.commit(of: entry, in: context)
            for name in StageName.allCases.dropFirst() {
                runner.skip(name, name == .commit ? committed ?? "already archived" : "already archived")
            }
            return
        case .reindexed(let entry):
            report.outcome = entry.uploadComplete ? .reindexed : .partial
            report.entry = entry
            for name in StageName.allCases.dropFirst() { runner.skip(name, "--reindex-only") }
            return
        case .proceed(let proceed):
            validated = proceed
        }

        let collected = try runner.run(CollectStage(), validated)
        report.collectedCount = collected.logs.count
        if request.dryRun {
            report.outcome = .dryRun
            report.plan = plan(collected, issue: request.issue)
            for name in StageName.allCases.dropFirst(2) { runner.skip(name, "dry run") }
            return
        }
        if collected.logs.isEmpty, request.mode == .archive {
            // Nothing to archive: no entry, no comment, no commit, so a later run that finds logs
            // archives them (exit 0, as design.md says).
            report.outcome = .noLogs
            for name in StageName.allCases.dropFirst(2) { runner.skip(name, "no logs found") }
            return
        }

        let compressed = try runner.run(CompressStage(), collected)
        let prepared = compressed.logs.filter(\.compressed)
        report.compressedCount = prepared.count
        report.compressedOriginalBytes = prepared.reduce(0) { $0 + $1.log.size }
        report.compressedBytes = prepared.reduce(0) { $0 + $1.uploadSize }

        let checksummed = try runner.run(ChecksumStage(), compressed)
        try FaultPoint.afterChecksum.reach()
        let uploaded = try runner.run(UploadStage(), checksummed)
        report.storeFolder = uploaded.storeFolder
        let manifest = ManifestWrite.start(for: uploaded, to: context.store)
        let indexed = try runner.run(IndexStage(manifest: manifest), uploaded)
        report.entry = indexed.entry
        report.indexPath = context.index.filePath(holding: request.issue)
        try FaultPoint.afterIndex.reach()

        if indexed.entry.partialArchive {
            // Nothing local is deleted and nothing is announced until every file is stored.
            report.outcome = .partial
            runner.skip(.comment, "partial archive")
            runner.skip(.clean, "partial archive: every local file is kept")
            runner.skip(.commit, "partial archive")
            return
        }
        let commented = try runner.run(CommentStage(), indexed)
        try FaultPoint.afterComment.reach()
        let cleaned = try runner.run(CleanStage(), commented)
        report.freedBytes = cleaned.freedBytes
        report.keptPaths = cleaned.keptPaths
        _ = try runner.run(CommitStage(), cleaned)
        report.outcome = collected.logs.isEmpty ? .noLogs : .archived
    }

    private func plan(_ collected: CollectedArchive, issue: IssueNumber) -> [PlannedLog] {
        let folder = StoreLayout.issueFolder(issue: issue, archivedAt: context.now)
        let threshold = context.settings.compressionThreshold
        return collected.logs.map { log in
            let willCompress = log.size > threshold && !GzipFileCompressor.isGzip(log.path)
            let reason =
                willCompress
                ? "over the \(ByteCount.format(threshold)) threshold (kept uncompressed if gzip is not smaller)"
                : log.size > threshold ? "already gzip" : "not over the \(ByteCount.format(threshold)) threshold"
            return PlannedLog(
                log: log, willCompress: willCompress, reason: reason,
                remotePath: folder + log.filename + (willCompress ? ".gz" : ""))
        }
    }
}

