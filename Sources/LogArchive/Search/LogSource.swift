/// One log as `read` and `search` see it: archived in the store (listed as uploaded in the index)
/// or still local in the logs dir and not archived.
public struct LogSource: Sendable, Equatable {
    public enum Origin: Sendable, Equatable {
        /// In the store under the record's key, verified against the record's checksum.
        case archived(ArchivedLog, archivedAt: String)
        /// A file in the logs dir, read as it is.
        case local(path: String, size: Int64)
    }

    public let issue: IssueNumber?
    public let type: LogType
    public let filename: String
    /// `logs/builds/123-build.log`: the path as the index records it, the prefix of search output.
    public let displayPath: String
    public let origin: Origin
    /// The log's date for `--since`/`--until`: the index's `created` for archived logs, the file's
    /// modification time for local ones.
    public let date: UTCTimestamp?
    /// A local file whose archived copy holds other bytes (written to since): both are shown.
    public var changedSinceArchived = false

    public init(issue: IssueNumber?, type: LogType, filename: String, displayPath: String, origin: Origin, date: UTCTimestamp?) {
        self.issue = issue
        self.type = type
        self.filename = filename
        self.displayPath = displayPath
        self.origin = origin
        self.date = date
    }

    /// The bytes read to get through the log: the stored object, or the local file.
    public var readSize: Int64 {
        switch origin {
        case .archived(let log, _): log.sizeBytes
        case .local(_, let size): size
        }
    }

    /// A local piece `rotate` cut from a growing log: gzip on disk, read decompressed.
    public var isRotatedPiece: Bool {
        guard case .local = origin else { return false }
        return RotatedPiece(filename) != nil
    }

    public var isArchived: Bool {
        if case .archived = origin { return true }
        return false
    }

    /// `==> logs/builds/123-build.log (build, archived 2025-01-15T14:00:00Z, 1.4 MB stored) <==`;
    /// a version stored beside an older one (after `--force`) names its stored file, so that the
    /// two read apart: `… 12 B stored as 123-staging-2.log) <==`.
    public var header: String {
        switch origin {
        case .archived(let log, let archivedAt):
            let stored = storedName.map { $0 == filename ? "" : " as \(Wording.oneLine($0))" } ?? ""
            return "==> \(Wording.oneLine(displayPath)) (\(type.rawValue), archived \(archivedAt), \(ByteCount.format(log.sizeBytes)) stored\(stored)) <=="
        case .local:
            var state = changedSinceArchived ? "changed since it was archived" : "not archived"
            if isRotatedPiece { state += ", a rotated piece, gunzipped" }
            return "==> \(Wording.oneLine(displayPath)) (\(type.rawValue), local, \(state)) <=="
        }
    }

    /// The stored object's file name without `.gz` (`123-staging-2.log`); nil for a local file.
    public var storedName: String? {
        guard case .archived(let log, _) = origin else { return nil }
        let name = Paths.lastComponent(of: log.remotePath)
        return log.compressed && name.hasSuffix(".gz") ? String(name.dropLast(3)) : name
    }

    /// Whether `--file NAME` selects this log: its file name, its indexed path, or (for one stored
    /// version alone) its stored name or the object's key.
    public func isNamed(_ name: String) -> Bool {
        if filename == name || displayPath == name { return true }
        guard case .archived(let log, _) = origin else { return false }
        return storedName == name || log.remotePath == name || Paths.lastComponent(of: log.remotePath) == name
    }

    /// The order of `read` and `search` output: issue, then type as `LogType` declares it, then
    /// the log's name, its rotated pieces first in the order they were cut, then the log itself.
    static func precedes(_ lhs: LogSource, _ rhs: LogSource) -> Bool {
        let left = lhs.issue?.value ?? Int64.max
        let right = rhs.issue?.value ?? Int64.max
        if left != right { return left < right }
        if lhs.type != rhs.type { return lhs.type < rhs.type }
        let (leftPiece, rightPiece) = (RotatedPiece(lhs.filename), RotatedPiece(rhs.filename))
        let (leftLog, rightLog) = (leftPiece?.logName ?? lhs.filename, rightPiece?.logName ?? rhs.filename)
        if leftLog != rightLog { return leftLog < rightLog }
        switch (leftPiece, rightPiece) {
        case (let l?, let r?) where (l.cutAt, l.collision) != (r.cutAt, r.collision): return (l.cutAt, l.collision) < (r.cutAt, r.collision)
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        if lhs.filename != rhs.filename { return lhs.filename < rhs.filename }
        return lhs.isArchived && !rhs.isArchived
    }
}
