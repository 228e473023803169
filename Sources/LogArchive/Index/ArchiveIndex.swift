/// The archive index, `<logs-dir>/.archive-index.json`, in the schema the original workflow
/// documents so that its `jq` query keeps working. Fields this version does not know are kept and
/// written back unchanged.
public struct ArchiveIndex: Sendable, Equatable {
    public static let schemaVersion = "1.0"

    public var schemaVersion: String
    public var lastUpdated: String?
    /// Sorted by issue number, numerically, descending.
    public private(set) var archives: [ArchiveEntry]
    public var unknownFields: JSONObject
    /// Entries with a value that does not read, kept as they were (see `InvalidEntry`).
    public var invalidEntries: [InvalidEntry] = []

    public init(archives: [ArchiveEntry] = [], lastUpdated: String? = nil) {
        schemaVersion = ArchiveIndex.schemaVersion
        self.lastUpdated = lastUpdated
        self.archives = ArchiveIndex.sorted(archives)
        unknownFields = JSONObject()
    }

    public func entry(for issue: IssueNumber) -> ArchiveEntry? {
        archives.first { $0.issueNumber == issue }
    }

    /// Puts `entry` in place of the issue's current entry, or adds it, keeping the order.
    public mutating func upsert(_ entry: ArchiveEntry) {
        invalidEntries.removeAll { $0.issue == entry.issueNumber }
        var updated = entry
        if let existing = archives.first(where: { $0.issueNumber == entry.issueNumber }) {
            updated.unknownFields.appendMissing(from: existing.unknownFields)
        }
        archives.removeAll { $0.issueNumber == entry.issueNumber }
        archives.append(updated)
        archives = ArchiveIndex.sorted(archives)
    }

    /// Drops the issue's entry, if any.
    public mutating func remove(_ issue: IssueNumber) {
        archives.removeAll { $0.issueNumber == issue }
        invalidEntries.removeAll { $0.issue == issue }
    }

    /// Drops every entry (a migration moved them into shards).
    public mutating func removeAll() {
        archives.removeAll()
        invalidEntries.removeAll()
    }

    private static func sorted(_ entries: [ArchiveEntry]) -> [ArchiveEntry] {
        entries.sorted { $0.issueNumber > $1.issueNumber }
    }
}

public enum ArchiveReason: String, Sendable, CaseIterable {
    case issueClosed = "issue_closed"
    case prMerged = "pr_merged"
    case manual
}

public enum UploadStatus: String, Sendable, CaseIterable {
    case pending
    case retrying
    case uploaded
    case failed
}

/// Everything archived for one issue.
public struct ArchiveEntry: Sendable, Equatable {
    public var issueNumber: IssueNumber
    public var issueURL: String?
    public var issueTitle: String?
    public var archivedAt: String
    public var archiveReason: ArchiveReason
    public var logs: [ArchivedLog]
    public var retryCount: Int64
    /// The S3 storage class, encryption and tags the logs were written with; nil when none was
    /// set (and in entries written before logarchive recorded them).
    public var objectOptions: S3ObjectOptions?
    public var unknownFields: JSONObject

    public init(
        issueNumber: IssueNumber, issueURL: String? = nil, issueTitle: String? = nil, archivedAt: String,
        archiveReason: ArchiveReason, logs: [ArchivedLog], retryCount: Int64 = 0
    ) {
        self.issueNumber = issueNumber
        self.issueURL = issueURL
        self.issueTitle = issueTitle
        self.archivedAt = archivedAt
        self.archiveReason = archiveReason
        self.logs = logs
        self.retryCount = retryCount
        unknownFields = JSONObject()
    }

    /// Bytes stored: the sum of what was uploaded.
    public var totalSizeBytes: Int64 { logs.reduce(0) { $0 + $1.sizeBytes } }
    public var totalOriginalBytes: Int64 { logs.reduce(0) { $0 + $1.originalSizeBytes } }
    public var totalLogs: Int { logs.count }

    /// Uploaded bytes over original bytes; nil when there is nothing to divide.
    public var compressionRatio: Double? {
        guard totalOriginalBytes > 0 else { return nil }
        return (Double(totalSizeBytes) / Double(totalOriginalBytes) * 100).rounded() / 100
    }

    public var uploadComplete: Bool { logs.allSatisfy { $0.uploadStatus == .uploaded } }
    public var partialArchive: Bool { !uploadComplete }

    /// The files that still have to reach the store: what `--retry` uploads.
    public var unfinishedLogs: [ArchivedLog] { logs.filter { $0.uploadStatus != .uploaded } }
}

/// One archived log file and the state of its upload.
public struct ArchivedLog: Sendable, Equatable {
    public var type: LogType
    /// The log's own name, `123-build.log` (the stored object may carry `.gz`).
    public var filename: String
    /// Where it lived, relative to the repository as the original workflow wrote it: `logs/builds/123-build.log`.
    public var localPath: String
    /// The object key in the store: `archive/logs/2025/01/123/123-build.log.gz`.
    public var remotePath: String
    public var cloudURL: String?
    public var publicURL: String?
    /// Bytes uploaded.
    public var sizeBytes: Int64
    public var originalSizeBytes: Int64
    public var compressed: Bool
    /// SHA-256 of the uploaded bytes.
    public var checksum: String
    /// For an object sent in parts while it was compressed (`parts_sha256`): the composite of its
    /// parts' digests, by which the store knows it (it keeps no SHA-256 of the whole object).
    public var partsChecksum: CompositeChecksum?
    public var created: String?
    public var archived: String?
    public var uploadStatus: UploadStatus
    public var uploadTimestamp: String?
    public var uploadAttempt: Int64
    public var lastError: String?
    public var unknownFields: JSONObject

    public init(
        type: LogType, filename: String, localPath: String, remotePath: String, cloudURL: String? = nil,
        publicURL: String? = nil, sizeBytes: Int64, originalSizeBytes: Int64, compressed: Bool, checksum: String,
        created: String? = nil, archived: String? = nil, uploadStatus: UploadStatus, uploadTimestamp: String? = nil,
        uploadAttempt: Int64 = 0, lastError: String? = nil
    ) {
        self.type = type
        self.filename = filename
        self.localPath = localPath
        self.remotePath = remotePath
        self.cloudURL = cloudURL
        self.publicURL = publicURL
        self.sizeBytes = sizeBytes
        self.originalSizeBytes = originalSizeBytes
        self.compressed = compressed
        self.checksum = checksum
        self.partsChecksum = nil
        self.created = created
        self.archived = archived
        self.uploadStatus = uploadStatus
        self.uploadTimestamp = uploadTimestamp
        self.uploadAttempt = uploadAttempt
        self.lastError = lastError
        unknownFields = JSONObject()
    }
}
