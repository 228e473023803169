/// Where archived logs go. Two implementations: the local directory store (the embedded default)
/// and S3-compatible object storage. Keys are `/`-separated paths such as
/// `archive/logs/2025/01/123/123-build.log.gz`.
public protocol ObjectStore: Sendable {
    /// How the store names itself to a person, e.g. `file:///srv/archive` or `s3://bucket/prefix/`.
    var location: String { get }

    /// The URL recorded as `cloud_url` for a key.
    func url(for key: String) -> String

    /// The URL recorded as `public_url`, when the store is configured to have one.
    func publicURL(for key: String) -> String?

    /// Checks, without changing anything, that objects can be written; throws a message naming
    /// what is wrong (missing folder, permission, credentials, unknown bucket, unreachable endpoint).
    /// `onRetry` hears of each failed attempt that will be tried again.
    func checkWritable(onRetry: RetryObserver?) throws(ArchiveError)

    /// Stores the first `size` bytes of the file at `path` under `key`. The bytes sent must hash to
    /// `expected`; when they do not (the file changed since it was checksummed) nothing is stored.
    /// Transient failures are retried by the store's rules; `onRetry` hears of each retry. A store
    /// that sends an object in parts may use free slots of `transfers` for them (the caller holds
    /// one slot already), and may keep at `resumeRecord` what it needs to resume an upload that
    /// this run leaves unfinished (see `MultipartResumeRecord`).
    /// `progress` counts the bytes as they go.
    func put(
        fileAt path: String, key: String, expected: Checksum, size: Int64, transfers: TransferBudget?,
        resumeRecord: String?, progress: ProgressMeter?, onRetry: RetryObserver?
    ) throws -> StoredObject

    /// Starts sending an object whose bytes are still being written (a large log as it is
    /// compressed), or nil where the store gains nothing from it: a local store, or a file of
    /// `sourceSize` bytes that would not be sent in parts anyway. See `StreamedMultipartUpload`.
    func beginStreamedUpload(key: String, sourceSize: Int64, transfers: TransferBudget, onRetry: RetryObserver?) throws
        -> StreamedMultipartUpload?

    /// Whether `beginStreamedUpload` would start one for a file of `sourceSize` bytes (asks nothing).
    func streamsUploads(ofSize sourceSize: Int64) -> Bool

    /// Aborts the uploads of `key` still in progress (best effort): those a stopped run began while
    /// it compressed the log, once the object is stored another way.
    func abortUnfinishedUploads(of key: String)

    /// Size and checksum of a stored object, read back from the store, or nil if absent.
    func head(key: String) throws -> StoredObject?

    /// Writes a small object (a manifest) from memory.
    func put(bytes: [UInt8], key: String) throws

    /// Downloads an object into a file.
    func get(key: String, to path: String) throws

    /// Streams an object's bytes, in order, to `sink` without holding the object in memory or on
    /// disk. A missing object throws `StoreError.missing`.
    func read(key: String, into sink: (UnsafeRawBufferPointer) throws -> Void) throws

    /// Every object whose key starts with `prefix`.
    func list(prefix: String) throws -> [ListedObject]

    func delete(key: String) throws
}

/// Hears of a failed attempt that will be retried: the attempt number, its error, the delay.
public typealias RetryObserver = @Sendable (_ attempt: Int, _ error: any Error, _ delay: Double) -> Void

public struct ListedObject: Sendable, Equatable {
    public let key: String
    public let size: Int64
}

public struct StoredObject: Sendable, Equatable {
    public let key: String
    public let size: Int64
    /// SHA-256 of the stored bytes; nil for an object sent in parts while it was still being
    /// written, which the store knows only by `composite`.
    public let checksum: Checksum?
    /// The store's composite checksum of an object stored in parts, as it wrote it.
    public let composite: String?
    /// The store itself reported `checksum` for the bytes it stored (S3's
    /// `x-amz-checksum-sha256` in the answer to a PUT that carried it): as good as reading it back.
    /// False when `checksum` is only what was sent, and a read-back is still needed.
    public var confirmedByStore = false

    public init(key: String, size: Int64, checksum: Checksum?, composite: String? = nil, confirmedByStore: Bool = false) {
        self.key = key
        self.size = size
        self.checksum = checksum
        self.composite = composite
        self.confirmedByStore = confirmedByStore
    }

    /// Whether this is the object of `size` bytes with SHA-256 `expected`: by its own checksum,
    /// or, for one the store knows only by its parts, by the composite `parts` recorded for it.
    public func holds(size expected: Int64, checksum: Checksum, parts: CompositeChecksum?) -> Bool {
        guard size == expected else { return false }
        if let own = self.checksum { return own == checksum }
        guard let composite, let parts else { return false }
        return parts.matches(stored: composite)
    }

    /// Whether this is the object an index record describes (its size, SHA-256 and parts).
    public func holds(_ log: ArchivedLog) -> Bool {
        guard let checksum = Checksum(log.checksum) else { return false }
        return holds(size: log.sizeBytes, checksum: checksum, parts: log.partsChecksum)
    }

    /// The checksum as a person reads it in a message.
    public var checksumDescription: String {
        checksum?.description ?? composite.map { "composite SHA-256 \($0)" } ?? "no checksum"
    }
}

public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// The file's bytes did not match the checksum taken earlier in the run.
    case contentChanged(path: String, expected: Checksum, found: Checksum)
    /// The object read back does not match what was sent.
    case verificationFailed(key: String, reason: String)
    /// The store holds no object under the key.
    case missing(key: String)

    public var description: String {
        switch self {
        case .contentChanged(let path, _, _):
            "\(path) changed after it was checksummed; nothing was stored"
        case .verificationFailed(let key, let reason):
            "the stored copy of \(key) failed verification: \(reason)"
        case .missing(let key):
            "the store has no object \(key)"
        }
    }
}

/// The store layout the design fixes: `{prefix}archive/logs/{yyyy}/{mm}/{issue}/{filename}`.
public enum StoreLayout {
    /// Every key the archive writes starts here.
    public static let root = "archive/logs/"

    public static func issueFolder(issue: IssueNumber, archivedAt: UTCTimestamp) -> String {
        let month = archivedAt.month < 10 ? "0\(archivedAt.month)" : "\(archivedAt.month)"
        return "\(root)\(archivedAt.year)/\(month)/\(issue)/"
    }

    public static func manifestKey(issueFolder: String) -> String { issueFolder + "manifest.json" }

    /// A run's decision trace, beside the manifest: one per run, so a retry keeps the first run's.
    public static func traceKey(issueFolder: String, runID: String) -> String { issueFolder + "trace-\(runID).json" }

    /// `number` put before the first extension of the key's last component:
    /// `.../123-build.log.gz` becomes `.../123-build-2.log.gz`; a name without one ends in `-2`.
    public static func numbered(_ key: String, _ number: Int) -> String {
        let nameStart = key.lastIndex(of: "/").map { key.index(after: $0) } ?? key.startIndex
        let name = key[nameStart...]
        let dot = name.dropFirst().firstIndex(of: ".") ?? key.endIndex
        return "\(key[..<dot])-\(number)\(key[dot...])"
    }
}

extension ObjectStore {
    public func checkWritable() throws(ArchiveError) { try checkWritable(onRetry: nil) }

    public func beginStreamedUpload(key: String, sourceSize: Int64, transfers: TransferBudget, onRetry: RetryObserver?) throws
        -> StreamedMultipartUpload?
    { nil }

    public func streamsUploads(ofSize sourceSize: Int64) -> Bool { false }

    public func abortUnfinishedUploads(of key: String) {}
}
