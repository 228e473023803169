/// What `read` and `search` start from: the index, the logs dir and the store that settings name.
public struct ArchiveBrowser: Sendable {
    public let catalog: LogCatalog
    public let reader: ArchiveReader

    public init(catalog: LogCatalog, reader: ArchiveReader) {
        self.catalog = catalog
        self.reader = reader
    }

    /// With `issue`, reads only that issue's entry (one shard), not the whole index.
    public static func open(settings: Settings, environment: [String: String], issue: IssueNumber? = nil) throws(ArchiveError)
        -> ArchiveBrowser
    {
        let indexStore = IndexStore(logsDirectory: settings.logsDirectory)
        let index: ArchiveIndex
        if let issue {
            index = ArchiveIndex(archives: [try indexStore.entry(for: issue)].compactMap { $0 })
        } else {
            index = try indexStore.read()
        }
        let store = try settings.openStore(environment: environment)
        return ArchiveBrowser(
            catalog: LogCatalog(logsDirectory: settings.logsDirectory, index: index), reader: ArchiveReader(store: store))
    }

    /// The logs `read` prints for an issue, or an error saying why there are none.
    public func logsToRead(issue: IssueNumber, type: LogType?, file: String?) throws(ArchiveError) -> [LogSource] {
        var filter = LogCatalog.Filter()
        filter.issue = issue
        let all = try catalog.sources(filter)
        guard !all.isEmpty else {
            throw .failure(
                "no logs for issue #\(issue): the index \(IndexStore(logsDirectory: catalog.logsDirectory).path) lists none uploaded and \(catalog.logsDirectory) holds none"
            )
        }
        filter.type = type
        filter.file = file
        let selected = try catalog.sources(filter)
        guard !selected.isEmpty else {
            let wanted = [type.map { "of type \($0.rawValue)" }, file.map { "named \($0)" }].compactMap { $0 }.joined(separator: " ")
            throw .failure(
                "issue #\(issue) has no log \(wanted); its logs are: \(Self.distinct(all.map(\.displayPath)).joined(separator: ", "))")
        }
        return selected
    }

    /// Each path once, in order: a log archived again beside its older version has two sources.
    static func distinct(_ paths: [String]) -> [String] {
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }
}
