/// The values that flow between stages. Each stage's output holds what the stages after it need,
/// so that none reaches back through its predecessors' values.

/// Validate's output: the request is sound and the archive should go ahead.
public struct ValidatedArchive: Sendable {
    public let request: ArchiveRequest
    /// The issue's entry before this run, if any (a partial archive, or one being forced again).
    public let previousEntry: ArchiveEntry?
    public let issueTitle: String?
    public let issueURL: String?
}

public enum ValidationOutcome: Sendable {
    case proceed(ValidatedArchive)
    case alreadyArchived(ArchiveEntry)
    /// `--reindex-only` rebuilt the entry from the store; nothing else is to be done.
    case reindexed(ArchiveEntry)
}

/// Collect's output: the issue's logs as found on disk.
public struct CollectedArchive: Sendable {
    public let validated: ValidatedArchive
    public let logs: [CollectedLog]
}

/// A log ready to be checksummed: either itself, or the `.gz` made from it.
public struct PreparedLog: Sendable {
    public let log: CollectedLog
    /// The file whose bytes will be uploaded.
    public let uploadPath: String
    /// The `.gz` this run created, to be deleted after a verified upload or on failure.
    public let compressedPath: String?
    /// Known when compression computed it in the same pass; nil until the checksum stage.
    public let checksum: Checksum?
    public let uploadSize: Int64
    /// The original's status when it was read, to detect a log that changes mid-run.
    public let sourceStatus: FileStatus
    /// Why it was or was not compressed, for the summary and the trace.
    public let decision: String
    /// Stored as gzip already (a piece `rotate` cut): recorded compressed, never compressed again.
    public var alreadyGzip = false
    /// Sent to the store in parts while it was compressed; the upload stage completes it.
    public var streamed: StreamedLog?

    public var compressed: Bool { compressedPath != nil || alreadyGzip }
    /// The stored object's file name: `123-build.log.gz` for a log this run gzipped.
    public var storedName: String { compressedPath != nil ? log.filename + ".gz" : log.filename }
}

/// A log's upload begun during compression: its parts, queued as the `.gz` was written, and the
/// composite of their digests, by which the store will know the object.
public struct StreamedLog: Sendable {
    public let upload: StreamedMultipartUpload
    public let parts: CompositeChecksum
}

public struct CompressedArchive: Sendable {
    public let validated: ValidatedArchive
    public let logs: [PreparedLog]

}

extension Sequence<PreparedLog> {
    /// Frees what the store holds of uploads begun during compression, for a run that stops
    /// before the upload stage completes them.
    public func abandonStreamedUploads() {
        for log in self { log.streamed?.upload.abort() }
    }
}

/// A log with the checksum of exactly the bytes that will be uploaded.
public struct ChecksummedLog: Sendable {
    public let prepared: PreparedLog
    public let checksum: Checksum
    public let uploadSize: Int64
    /// The original's status at the time its bytes were read for the checksum.
    public let sourceStatus: FileStatus
}

public struct ChecksummedArchive: Sendable {
    public let validated: ValidatedArchive
    public let logs: [ChecksummedLog]
}

/// One log of this run after its upload: the file it came from and its final record.
public struct UploadedLog: Sendable {
    /// The original, as collected.
    public let log: CollectedLog
    /// The `.gz` this run made of it, deleted with the original once the upload is verified.
    public let compressedPath: String?
    /// The original's status when its stored bytes were read: it is cleaned only if still so.
    public let sourceStatus: FileStatus
    public let record: ArchivedLog
}

/// Upload's output: this run's logs with their records, and how the entry that records them is built.
public struct UploadedArchive: Sendable {
    public let entry: ArchiveEntryBuilder
    public let logs: [UploadedLog]
    /// The retries this run's uploads needed, added to the entry's count.
    public let retries: Int64
    public let storeFolder: String
    /// A failure of the upload journal (its knowledge only; the index says `pending`); the index stage reports it.
    public let journalFailure: ArchiveError?

    /// The issue's entry with this run's records: what the index stage writes and the manifest holds.
    public var completedEntry: ArchiveEntry { entry.entry(with: logs.map(\.record), retries: retries) }
}

/// Index's output: the entry as it now stands in the index, and this run's logs.
public struct IndexedArchive: Sendable {
    public let entry: ArchiveEntry
    public let logs: [UploadedLog]
    public let indexPath: String
}

public struct CleanedArchive: Sendable {
    public let entry: ArchiveEntry
    public let freedBytes: Int64
    public let deletedPaths: [String]
    public let keptPaths: [String]
}

public struct CommittedArchive: Sendable {
    public let cleaned: CleanedArchive
    public let commit: GitRepository.CommitOutcome?
    /// Set when `--push` pushed the commit.
    public let push: GitRepository.PushOutcome?
}
