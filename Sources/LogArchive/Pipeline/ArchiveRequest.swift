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

/// What every stage may use: settings, the store, the index, the run's clock and identity.
public struct PipelineContext: Sendable {
    public let settings: Settings
    public internal(set) var store: any ObjectStore
    public let index: IndexStore
    /// The archive time of this run; it fixes the store folder's year and month.
    public let now: UTCTimestamp
    public let runID: String
    public let environment: [String: String]
    /// Present when a GitHub token is set.
    public var github: GitHubClient?
    /// The run's decisions, with `runID` as their request id.
    public let trace: TraceCollector
    /// Hears what a person waiting on the run should know now (a store that does not answer yet).
    public var notice: @Sendable (String) -> Void = { _ in }
    /// Counts the bytes compressed and sent, when someone shows progress.
    public var progress: ProgressMeter?

    public init(
        settings: Settings, store: any ObjectStore, now: UTCTimestamp = .now(), runID: String,
        environment: [String: String]
    ) {
        self.settings = settings
        self.store = store
        self.index = IndexStore(logsDirectory: settings.logsDirectory)
        self.github = nil
        self.trace = TraceCollector()
        self.now = now
        self.runID = runID
        self.environment = environment
    }

    /// `logs/builds/123-build.log`: a log's path as the index records it, relative to the folder
    /// holding the logs dir, as the original workflow wrote it.
    public func indexedLocalPath(for log: CollectedLog) -> String {
        Paths.lastComponent(of: settings.logsDirectory) + "/" + log.relativePath
    }

    /// Where an index `local_path` (`logs/builds/123-build.log`) lies on disk; nil for a path
    /// that does not start with the logs dir's name or climbs out of it.
    public func absoluteLocalPath(_ localPath: String) -> String? {
        let prefix = Paths.lastComponent(of: settings.logsDirectory) + "/"
        guard localPath.hasPrefix(prefix) else { return nil }
        let relative = String(localPath.dropFirst(prefix.count))
        guard !relative.split(separator: "/").contains("..") else { return nil }
        return Paths.join(settings.logsDirectory, relative)
    }
}

extension PipelineContext {
    /// Records one decision of this run: what was decided (`type`), by which part, about what, and
    /// why. The event's time is the moment of the decision; `since` makes its duration the time
    /// the work leading to it took.
    public func note(
        _ type: String, by component: String, about subject: String, _ rationale: String, severity: TraceSeverity = .info,
        since started: TraceTimestamp? = nil, attributes: JSONObject = JSONObject()
    ) {
        var builder = TraceEvent.Builder(
            type: type, component: component, requestID: runID, subject: subject, rationale: rationale, severity: severity,
            attributes: attributes)
        if let started { builder.duration = builder.timestamp - started }
        // Type and component are literals at every call site: the builder cannot refuse them.
        _ = try? trace.record(builder)
    }
}
