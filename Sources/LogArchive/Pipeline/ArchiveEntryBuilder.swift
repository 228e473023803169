/// The one place a run's index entry is made from its log records: the issue's details, and what
/// the entry before this run carries over (logs this run does not replace, the retry count,
/// fields this version does not know). The journal's pending write before the first upload and
/// the index stage's final write both build the entry here, so the two can never disagree on
/// anything but the statuses.
public struct ArchiveEntryBuilder: Sendable {
    public let issue: IssueNumber
    public let issueURL: String?
    public let issueTitle: String?
    public let archivedAt: String
    public let reason: ArchiveReason
    /// The issue's entry before this run, if any (a partial archive, or one being forced again).
    public let previous: ArchiveEntry?
    /// The S3 options this run writes objects with; nil for a local store or none set.
    public let objectOptions: S3ObjectOptions?

    public init(_ validated: ValidatedArchive, archivedAt: UTCTimestamp, objectOptions: S3ObjectOptions? = nil) {
        self.objectOptions = objectOptions.flatMap { $0.isEmpty ? nil : $0 }
        issue = validated.request.issue
        previous = validated.previousEntry
        issueURL = validated.issueURL ?? previous?.issueURL
        issueTitle = validated.issueTitle ?? previous?.issueTitle
        self.archivedAt = archivedAt.iso8601
        reason = validated.request.reason
    }

    /// The entry that records this run's logs as `records` (after those carried over), with
    /// `retries` more retries than the earlier entry counted.
    public func entry(with records: [ArchivedLog], retries: Int64 = 0) -> ArchiveEntry {
        var entry = ArchiveEntry(
            issueNumber: issue, issueURL: issueURL, issueTitle: issueTitle, archivedAt: archivedAt,
            archiveReason: reason,
            logs: ArchiveEntryBuilder.carriedOver(from: previous, replacedBy: records) + records,
            retryCount: (previous?.retryCount ?? 0) + retries)
        if let previous { entry.unknownFields = previous.unknownFields }
        // A retry without options keeps what the first run wrote its objects with.
        entry.objectOptions = objectOptions ?? previous?.objectOptions
        return entry
    }

    /// Logs of the issue's earlier entry that this run does not replace: those whose local copies
    /// were already cleaned (or vanished), and verified uploads of older content that a changed log
    /// was archived beside. They stay in the entry, because the store still holds them. Only the
    /// records' keys and local paths count, so the pending and the final entry carry the same.
    static func carriedOver(from previous: ArchiveEntry?, replacedBy records: [ArchivedLog]) -> [ArchivedLog] {
        guard let previous else { return [] }
        let rewrittenKeys = Set(records.map(\.remotePath))
        let archivedAgain = Set(records.map(\.localPath))
        return previous.logs.filter { old in
            !rewrittenKeys.contains(old.remotePath)
                && (old.uploadStatus == .uploaded || !archivedAgain.contains(old.localPath))
        }
    }
}
