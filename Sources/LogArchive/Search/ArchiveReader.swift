import Crypto

/// Streams a log's bytes back, decompressed on the fly: archived logs from the store, their stored
/// bytes hashed as they arrive and compared with the index's checksum; local logs from disk.
/// Nothing is held whole in memory or written to disk.
public struct ArchiveReader: Sendable {
    public let store: any ObjectStore
    /// Counts the bytes read, for a progress line.
    public var progress: ProgressMeter?

    public init(store: any ObjectStore, progress: ProgressMeter? = nil) {
        self.store = store
        self.progress = progress
    }

    /// Hands the log's plain bytes to `sink` in order. Damaged or missing objects throw an
    /// `ArchiveError` naming the file; an error `sink` throws is rethrown as it is.
    public func stream(_ source: LogSource, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        switch source.origin {
        case .archived(let log, _):
            try streamArchived(source, log, into: sink)
        case .local(let path, _):
            try streamLocal(source, path: path, into: sink)
        }
    }

    private func streamLocal(_ source: LogSource, path: String, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let inflater: GzipChunkInflater?
        do {
            inflater = source.isRotatedPiece ? try GzipChunkInflater() : nil
        } catch {
            throw ArchiveError.failure("cannot start decompressing \(source.displayPath): \(error)")
        }
        var sinkError: (any Error)?
        do {
            try FileSystem.stream(path) { chunk in
                progress?.advance(chunk.count)
                do {
                    if let inflater { try inflater.inflate(chunk, decompressed: sink) } else { try sink(chunk) }
                } catch let error as CompressionError {
                    throw error
                } catch {
                    sinkError = error
                    throw error
                }
            }
        } catch {
            if let sinkError { throw sinkError }
            if error is CompressionError { throw ArchiveError.failure("\(source.displayPath) does not decompress: \(error)") }
            throw ArchiveError.failure("cannot read \(source.displayPath): \(error)")
        }
        if let inflater, !inflater.endedCleanly {
            throw ArchiveError.failure("\(source.displayPath) ends inside a gzip stream: the piece is incomplete")
        }
    }

    private func streamArchived(_ source: LogSource, _ log: ArchivedLog, into sink: (UnsafeRawBufferPointer) throws -> Void)
        throws
    {
        guard let expected = Checksum(log.checksum) else {
            throw ArchiveError.failure("\(source.displayPath): the index records no valid checksum ('\(log.checksum)')")
        }
        let inflater: GzipChunkInflater?
        do {
            inflater = log.compressed ? try GzipChunkInflater() : nil
        } catch {
            throw ArchiveError.failure("cannot start decompressing \(source.displayPath): \(error)")
        }
        var hasher = SHA256()
        var sinkError: (any Error)?
        // A damaged object usually breaks the gzip stream too; keep hashing to report the checksum.
        var inflateError: (any Error)?
        var storedRead: Int64 = 0
        var bound = RecordedSizeBound(source, log)
        do {
            try store.read(key: log.remotePath) { chunk in
                progress?.advance(chunk.count)
                hasher.update(bufferPointer: chunk)
                storedRead += Int64(chunk.count)
                do {
                    if let inflater {
                        guard inflateError == nil else { return }
                        do {
                            try inflater.inflate(chunk) { try bound.pass($0, storedRead: storedRead, to: sink) }
                        } catch let error as CompressionError {
                            inflateError = error
                        }
                    } else {
                        try bound.pass(chunk, storedRead: storedRead, to: sink)
                    }
                } catch {
                    sinkError = error
                    throw error
                }
            }
        } catch {
            if let sinkError { throw sinkError }
            if case StoreError.missing = error {
                throw ArchiveError.failure("\(source.displayPath): the store \(store.location) has no object \(log.remotePath)")
            }
            throw ArchiveError.failure("cannot read \(source.displayPath) (\(log.remotePath)) from the store: \(error)")
        }
        let found = Checksum(digest: hasher.finalize())
        guard found == expected else {
            throw ArchiveError.failure(
                "\(source.displayPath): checksum mismatch for \(log.remotePath): expected \(expected), found \(found); the stored object is damaged"
            )
        }
        if let inflateError {
            throw ArchiveError.failure("\(source.displayPath): \(log.remotePath) does not decompress: \(inflateError)")
        }
        if let inflater, !inflater.endedCleanly {
            throw ArchiveError.failure("\(source.displayPath): \(log.remotePath) ends inside a gzip stream")
        }
    }
}

/// Stops an archived log at the size the index records for its plain bytes: `original_size_bytes`
/// for a gzip object (a few MB of gzip can inflate to terabytes), `size_bytes` for one stored as it
/// is. The bytes up to the limit are handed on; the first byte past it throws, naming both sizes.
struct RecordedSizeBound {
    let limit: Int64
    private var passed: Int64 = 0
    private let source: LogSource
    private let log: ArchivedLog

    init(_ source: LogSource, _ log: ArchivedLog) {
        self.source = source
        self.log = log
        limit = max(0, log.compressed ? log.originalSizeBytes : log.sizeBytes)
    }

    mutating func pass(
        _ bytes: UnsafeRawBufferPointer, storedRead: Int64, to sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let room = limit - passed
        guard Int64(bytes.count) > room else {
            passed += Int64(bytes.count)
            return try sink(bytes)
        }
        if room > 0 { try sink(UnsafeRawBufferPointer(rebasing: bytes[0..<Int(room)])) }
        passed = limit
        let field = log.compressed ? "original_size_bytes" : "size_bytes"
        let what = log.compressed ? "inflates to" : "holds"
        let recorded = log.compressed ? log.originalSizeBytes : log.sizeBytes
        throw ArchiveError.failure(
            "\(Wording.oneLine(source.displayPath)): \(Wording.oneLine(log.remotePath)) \(what) more than the "
                + "\(limit) bytes the index records (\(field) \(recorded)); stopped after \(limit) plain bytes, "
                + "having read \(storedRead) of its stored bytes (size_bytes \(log.sizeBytes)); "
                + "the bytes before the stop were passed on already")
    }
}
