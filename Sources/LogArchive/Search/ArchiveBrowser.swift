import Foundation
import Logging

/// What `read` and `search` start from: the index, the logs dir and the store that settings name.
public struct ArchiveBrowser: Sendable {
    public let catalog: LogCatalog
    public let reader: ArchiveReader
    /// Set when the store read is the one the index recorded, not the default: say so.
    public var storeNote: String?

    public init(catalog: LogCatalog, reader: ArchiveReader) {
        self.catalog = catalog
        self.reader = reader
    }

    /// With `issue`, reads only that issue's entry (one shard), not the whole index.
    public static func open(
        settings: Settings, environment: [String: String], logger: Logger = .discarding, issue: IssueNumber? = nil,
        progress: ProgressMeter? = nil
    ) throws(ArchiveError)
        -> ArchiveBrowser
    {
        let indexStore = IndexStore(logsDirectory: settings.logsDirectory)
        let index: ArchiveIndex
        if let issue {
            index = ArchiveIndex(archives: [try indexStore.entry(for: issue)].compactMap { $0 })
        } else {
            index = try indexStore.read()
        }
        var settings = settings
        var note: String?
        // With no store named, the logs are read where the index says they went, not from the
        // default folder, which would only report them missing.
        if settings.storeIsDefault, let recorded = recordedStore(of: index, other: settings.store) {
            do {
                settings.store = try StoreLocation.parse(recorded, relativeTo: "/")
                note = "reading from \(recorded), the store the index records for these logs (--store chooses another)"
            } catch {
                throw .badInput("the index records these logs in \(recorded), which cannot be opened (\(error.message)); pass --store")
            }
        }
        let store: any ObjectStore
        do {
            store = try settings.openStore(environment: environment, logger: logger)
        } catch where note != nil {
            throw .badInput("the index records these logs in \(settings.store.description): \(error.message); pass --store and its credentials")
        }
        var browser = ArchiveBrowser(
            catalog: LogCatalog(logsDirectory: settings.logsDirectory, index: index), reader: ArchiveReader(store: store, progress: progress))
        browser.storeNote = note
        return browser
    }

    /// The store an uploaded log of `index` was recorded in, when it is not `other`: `s3://bucket/prefix`
    /// or a local folder, from the part of its `cloud_url` before the key's `archive/logs/`.
    static func recordedStore(of index: ArchiveIndex, other: StoreLocation) -> String? {
        for entry in index.archives {
            for log in entry.logs where log.uploadStatus == .uploaded {
                guard let url = log.cloudURL, let keyStart = url.range(of: StoreLayout.root) else { continue }
                var base = String(url[..<keyStart.lowerBound])
                if base.hasPrefix("file://") { base = String(base.dropFirst("file://".count)) }
                while base.count > 1, base.hasSuffix("/") { base.removeLast() }
                if base.hasPrefix("s3://") {
                    if (try? StoreLocation.parse(base, relativeTo: "/")) == other { return nil }
                    return base
                }
                if case .local(let path) = other, path == base { return nil }
                return base
            }
        }
        return nil
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
