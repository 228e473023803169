import Logging

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
    /// The run's decisions, with `runID` as their request id; each is logged to `logger` too.
    public let trace: TraceCollector
    /// Hears the run's requests, retries, decisions and git commands (at debug). The caller's:
    /// the library never makes a logger that writes anywhere.
    public let logger: Logger
    /// Hears what a person waiting on the run should know now (a store that does not answer yet).
    public var notice: @Sendable (String) -> Void = { _ in }
    /// Counts the bytes compressed and sent, when someone shows progress.
    public var progress: ProgressMeter?
    /// The run's transfer slots (`upload_concurrency`): parts sent while a log is compressed and
    /// the upload stage's objects and parts all take theirs from here.
    public let transfers: TransferBudget

    public init(
        settings: Settings, store: any ObjectStore, now: UTCTimestamp = .now(), runID: String,
        environment: [String: String], logger: Logger = .discarding
    ) {
        self.settings = settings
        self.store = store
        self.index = IndexStore(logsDirectory: settings.logsDirectory)
        self.transfers = TransferBudget(limit: settings.uploadConcurrency)
        self.github = nil
        self.logger = logger
        self.trace = TraceCollector(logger: logger)
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
