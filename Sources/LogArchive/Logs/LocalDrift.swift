/// Local logs of an archived issue that its archive does not hold as they are now: a log written
/// to since it was archived, or a log that was never archived. Without this, `logarchive N` said
/// "Nothing was changed" and `read`, `search` and `status` showed only the archived copies.
public struct LocalDrift: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// In the archive, but the local file differs from what was stored.
        case changed
        /// Not in the archive at all.
        case notArchived = "not_archived"
    }

    /// The log as the index writes paths: `logs/debug/123-debug.log`.
    public let path: String
    public let kind: Kind

    /// The issue's local logs that differ from `entry`, in collection order.
    public static func of(_ entry: ArchiveEntry, logsDirectory: String) -> [LocalDrift] {
        guard let collected = try? LogCollector(logsDirectory: logsDirectory).collect(issue: entry.issueNumber) else { return [] }
        let folder = Paths.lastComponent(of: logsDirectory)
        return collected.compactMap { log in
            let path = folder + "/" + log.relativePath
            let archived = entry.logs.filter { $0.localPath == path && $0.uploadStatus == .uploaded }
            if archived.isEmpty { return LocalDrift(path: path, kind: .notArchived) }
            if archived.contains(where: { $0.isArchivedCopy(at: log.path, status: log.status) }) { return nil }
            return LocalDrift(path: path, kind: .changed)
        }
    }

    public var json: JSONValue { .object(JSONObject([("path", .string(path)), ("kind", .string(kind.rawValue))])) }

    public var description: String {
        kind == .changed ? "\(path) (changed since it was archived)" : "\(path) (not archived)"
    }
}

extension ArchivedLog {
    /// Whether the file at `path` is still the log this record stored: as big, and as old (the
    /// record's `created` is the file's modification time). A file whose time moved but whose size
    /// did not (a checkout, a restore) counts as the same when its SHA-256 is the record's, or
    /// when the record is of a gzip copy, whose checksum cannot be compared without compressing.
    func isArchivedCopy(at path: String, status: FileStatus) -> Bool {
        if isUntouchedCopy(status: status) { return true }
        guard uploadStatus == .uploaded, status.size == originalSizeBytes else { return false }
        if compressed { return true }
        return (try? Checksum.ofFile(path))?.checksum.description == checksum
    }

    /// The strict test: uploaded, and the file is as big and as old as the record says (a record
    /// without `created` is judged by its size).
    func isUntouchedCopy(status: FileStatus) -> Bool {
        uploadStatus == .uploaded && status.size == originalSizeBytes
            && (created.flatMap(UTCTimestamp.init(iso8601:)).map { $0.seconds == status.modificationSeconds } ?? true)
    }
}
