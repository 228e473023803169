/// Finds the logs `read` and `search` look at: the index's uploaded logs and the files still in the
/// logs dir that the index does not list as uploaded (so a log is never seen twice).
public struct LogCatalog: Sendable {
    public let logsDirectory: String
    public let index: ArchiveIndex

    public init(logsDirectory: String, index: ArchiveIndex) {
        self.logsDirectory = logsDirectory
        self.index = index
    }

    public struct Filter: Sendable {
        public var issue: IssueNumber?
        public var type: LogType?
        /// A log's file name (`123-build.log`) or its indexed path (`logs/builds/123-build.log`).
        public var file: String?
        public var since: UTCTimestamp?
        public var until: UTCTimestamp?
        public var archived = true
        public var local = true

        public init() {}
    }

    /// The logs the filter selects, in output order.
    public func sources(_ filter: Filter) throws(ArchiveError) -> [LogSource] {
        var sources: [LogSource] = []
        if filter.archived { sources += archivedSources(issue: filter.issue) }
        if filter.local { sources += try localSources(issue: filter.issue) }
        return sources.filter { source in
            if let type = filter.type, source.type != type { return false }
            if let file = filter.file, !source.isNamed(file) { return false }
            if let since = filter.since, (source.date.map { $0 < since } ?? true) { return false }
            if let until = filter.until, (source.date.map { $0 > until } ?? true) { return false }
            return true
        }.sorted(by: LogSource.precedes)
    }

    private var folderName: String { Paths.lastComponent(of: logsDirectory) }

    private func archivedSources(issue: IssueNumber?) -> [LogSource] {
        index.archives.filter { issue == nil || $0.issueNumber == issue }.flatMap { entry in
            entry.logs.filter { $0.uploadStatus == .uploaded }.map { log in
                let date = [log.created, log.archived, entry.archivedAt].lazy.compactMap { $0.flatMap(UTCTimestamp.init(iso8601:)) }.first
                return LogSource(
                    issue: entry.issueNumber, type: log.type, filename: log.filename, displayPath: log.localPath,
                    origin: .archived(log, archivedAt: log.archived ?? entry.archivedAt), date: date)
            }
        }
    }

    private func localSources(issue: IssueNumber?) throws(ArchiveError) -> [LogSource] {
        guard FileSystem.isDirectory(logsDirectory) else { return [] }
        var uploaded: [String: [ArchivedLog]] = [:]
        for entry in index.archives {
            for log in entry.logs where log.uploadStatus == .uploaded { uploaded[log.localPath, default: []].append(log) }
        }
        var sources: [LogSource] = []
        let collector = LogCollector(logsDirectory: logsDirectory)
        for type in LogType.allCases {
            let folder = Paths.join(logsDirectory, type.folder)
            for name in try collector.logNames(of: type).sorted() {
                // A piece `rotate` cut from an issue's log belongs to that issue (and is read through gunzip).
                let owner = LogCatalog.issue(ofLog: RotatedPiece(name)?.logName ?? name, type: type)
                if let issue, owner != issue { continue }
                let displayPath = "\(folderName)/\(type.folder)/\(name)"
                let path = Paths.join(folder, name)
                // Symlinks are read only when they stay inside the logs dir, as the archive does.
                guard let status = try? FileStatus.of(path, followSymlinks: true), status.kind == .regular,
                    let resolved = FileSystem.resolvedPath(path), let root = FileSystem.resolvedPath(logsDirectory),
                    Paths.relative(resolved, to: root) != nil
                else { continue }
                // The archived copy is shown instead, unless the file changed since: then both are.
                if uploaded[displayPath]?.contains(where: { $0.isArchivedCopy(at: path, status: status) }) == true { continue }
                var source = LogSource(
                    issue: owner, type: type, filename: name, displayPath: displayPath,
                    origin: .local(path: path, size: status.size), date: UTCTimestamp(seconds: status.modificationSeconds))
                source.changedSinceArchived = uploaded[displayPath] != nil
                sources.append(source)
            }
        }
        return sources
    }

    /// The issue a log's name belongs to by the collector's rules: `123-build.log`, `session-123-….md`.
    static func issue(ofLog name: String, type: LogType) -> IssueNumber? {
        let candidates = [name, name.hasPrefix("session-") ? String(name.dropFirst(8)) : ""]
        for candidate in candidates {
            let digits = candidate.prefix(while: { $0.isASCII && $0.isNumber })
            if let issue = try? IssueNumber(validating: String(digits)), LogCollector.matches(name, issue: issue, type: type) {
                return issue
            }
        }
        return nil
    }
}
