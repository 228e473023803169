/// What the archive index holds, arranged for `logarchive status`: the partial archives first,
/// because they are the ones that need someone to act, then the complete ones, then totals.
public struct ArchiveStatus: Sendable {
    public let indexPath: String
    public let lastUpdated: String?
    /// Archives with a file that is not `uploaded`; each finishes with its retry command.
    public let partial: [ArchiveEntry]
    public let complete: [ArchiveHeadline]
    public let totals: Totals
    /// Index files that could not be read (corrupt shards): everything else is still shown.
    public var unreadable: [ArchiveError] = []

    /// Counts over the whole index. Bytes count only what the store holds (`uploaded` logs), so a
    /// partial archive never inflates them.
    public struct Totals: Sendable, Equatable {
        public var issues = 0
        public var logs = 0
        public var uploadedLogs = 0
        public var storedBytes: Int64 = 0
        public var originalBytes: Int64 = 0

        /// What compression saved: original bytes minus stored bytes.
        public var savedBytes: Int64 { originalBytes - storedBytes }

        /// Stored over original bytes, as the index's `compression_ratio`; nil when nothing is stored.
        public var compressionRatio: Double? {
            guard originalBytes > 0 else { return nil }
            return (Double(storedBytes) / Double(originalBytes) * 100).rounded() / 100
        }
    }

    public init(overview: IndexOverview, indexPath: String) {
        self.indexPath = indexPath
        lastUpdated = overview.lastUpdated
        partial = overview.partial
        complete = overview.complete
        // An invalid entry is listed with its file and field, and fails the command as a corrupt file does.
        unreadable = overview.unreadable + overview.invalid.map(\.error)
        var totals = Totals()
        totals.issues = complete.count + partial.count
        for headline in complete {
            totals.logs += headline.totalLogs
            totals.uploadedLogs += headline.totalLogs
            totals.storedBytes += headline.totalSizeBytes
            totals.originalBytes += headline.totalOriginalBytes
        }
        for log in partial.flatMap(\.logs) {
            totals.logs += 1
            guard log.uploadStatus == .uploaded else { continue }
            totals.uploadedLogs += 1
            totals.storedBytes += log.sizeBytes
            totals.originalBytes += log.originalSizeBytes
        }
        self.totals = totals
    }

    /// Reads every file of the index of `store`; a missing index is an empty one. A corrupt file
    /// is listed in `unreadable`, and the entries of the others are still there.
    public static func read(_ store: IndexStore) -> ArchiveStatus {
        var overview = store.overview()
        // A first archive going on, or stopped before its one index write, is only in its journal:
        // it is listed with what the journal says, as `status N` shows it.
        let logsDirectory = Paths.parent(of: store.path)
        let journals = UploadJournal.issuesWithJournals(logsDirectory: logsDirectory)
        guard !journals.isEmpty else { return ArchiveStatus(overview: overview, indexPath: store.path) }
        let listed = Set(overview.complete.map(\.issueNumber) + overview.partial.map(\.issueNumber))
        for issue in journals where !listed.contains(issue) {
            do {
                if let stopped = try UploadJournal.stoppedRun(logsDirectory: logsDirectory, issue: issue) {
                    overview.add(stopped)
                }
            } catch {
                overview.unreadable.append(error)
            }
        }
        overview.complete.sort { $0.issueNumber > $1.issueNumber }
        overview.partial.sort { $0.issueNumber > $1.issueNumber }
        return ArchiveStatus(overview: overview, indexPath: store.path)
    }

    /// One issue's entry, reading only the files that can hold it, or a failure naming the index
    /// when the issue is not in it.
    public static func entry(for issue: IssueNumber, in store: IndexStore) throws(ArchiveError) -> ArchiveEntry {
        if let entry = try store.entry(for: issue) { return entry }
        // A first archive in progress, or stopped before its index write with nothing to record:
        // its journal holds the entry it began with, and the statuses since.
        if let stopped = try UploadJournal.stoppedRun(logsDirectory: Paths.parent(of: store.path), issue: issue) {
            return stopped
        }
        throw .failure("issue #\(issue) is not in the archive index \(store.path)")
    }

    public var isEmpty: Bool { totals.issues == 0 }

}
