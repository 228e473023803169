import Crypto

/// Compresses a file into a new gzip file through `ParallelGzipEncoder` (libdeflate blocks on
/// every core), in blocks whatever the input size, and checksums the compressed bytes as they are
/// written: one read of the input does both. Every file, small or large, goes through the same
/// encoder, so its bytes depend on its content and the level alone, and a log compressed by
/// `archive`, `rotate` or `db-archive` is the same gzip.
public struct GzipFileCompressor: Sendable {
    public struct Result: Sendable {
        /// Bytes read from the source.
        public let originalSize: Int64
        /// Bytes of the `.gz` written.
        public let compressedSize: Int64
        /// SHA-256 of the `.gz` bytes.
        public let checksum: Checksum
        /// The source's status when it was opened: compared later to catch a log that changed.
        public let sourceStatus: FileStatus
    }

    public var level: Int32
    /// Hears of each input chunk read, for a progress line.
    public var progress: ProgressMeter?

    public init(level: Int32 = 6) {
        self.level = level
    }

    /// Compresses `source` to `destination` through a temporary file in the same folder, renamed
    /// into place once complete and synced. On any failure the temporary file is removed and
    /// `destination` is left as it was.
    /// `observer` hears the bytes as they reach the temporary file. With `expecting`, the source
    /// read is only the file of that identity (a log as it was collected).
    public func compress(
        _ source: String, to destination: String, observer: (any CompressedOutputObserver)? = nil,
        expecting: FileStatus? = nil
    ) throws -> Result {
        let temporary = destination + ".tmp"
        FileSystem.removeIfPresent(temporary)
        do {
            let result = try compressUnchecked(source, into: temporary, observer: observer, expecting: expecting)
            try FaultPoint.afterCompress.reach()
            try FileSystem.rename(temporary, to: destination)
            return result
        } catch {
            FileSystem.removeIfPresent(temporary)
            throw error
        }
    }

    private func compressUnchecked(
        _ source: String, into temporary: String, observer: (any CompressedOutputObserver)?, expecting: FileStatus?
    ) throws -> Result {
        let input = try PosixFile.openForReading(source, expecting: expecting)
        let sourceStatus = try input.status()
        let output = try PosixFile.createExclusive(temporary)
        try observer?.started(writing: temporary)
        var hasher = SHA256()
        var compressedSize: Int64 = 0
        let sink = { (chunk: UnsafeRawBufferPointer) throws in
            try output.write(chunk)
            hasher.update(bufferPointer: chunk)
            compressedSize += Int64(chunk.count)
            observer?.wrote(chunk)
        }
        let originalSize = try compressInBlocks(input, sink: sink)
        try output.sync()
        try output.close()
        return Result(
            originalSize: originalSize, compressedSize: compressedSize,
            checksum: Checksum(digest: hasher.finalize()), sourceStatus: sourceStatus)
    }

    private func compressInBlocks(_ input: PosixFile, sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        let encoder = try ParallelGzipEncoder(level: level, output: sink)
        var total: Int64 = 0
        while true {
            let count = try encoder.write(readingWith: { try input.read(into: $0) })
            if count == 0 { break }
            total += Int64(count)
            progress?.advance(count)
            try FaultPoint.compressMid.reach(afterStreaming: count, total: total)
        }
        return try encoder.finish().inputBytes
    }

    /// Whether the first `sample` bytes of `path` gzip to under 90% of their size at this level. A
    /// log sent while it is compressed must shrink: one that does not is sent as it is, and parts
    /// already sent would be sent twice. The first MiB costs a few milliseconds to tell.
    public func shrinksAtStart(_ path: String, sample: Int = 1 << 20) -> Bool {
        guard let input = try? PosixFile.openForReading(path), let head = try? input.readPrefix(sample), !head.isEmpty else {
            return false
        }
        var compressed = 0
        guard let encoder = try? ParallelGzipEncoder(level: level, blockSize: head.count, workers: 1, output: { compressed += $0.count }),
            (try? head.withUnsafeBytes { try encoder.write($0) }) != nil, (try? encoder.finish()) != nil
        else { return false }
        return compressed * 10 < head.count * 9
    }

    /// gzip files start with 1f 8b; such a log is uploaded as it is, never compressed twice.
    public static func isGzip(_ path: String) -> Bool {
        guard let file = try? PosixFile.openForReading(path) else { return false }
        var magic: [UInt8] = [0, 0]
        let count = magic.withUnsafeMutableBytes { (try? file.read(into: $0)) ?? 0 }
        return count == 2 && magic == [0x1F, 0x8B]
    }
}

/// Hears a compressed file as it is written: its temporary path once it exists, then each chunk
/// once it is in the file, in order (a `StreamedMultipartUpload` sends it in parts as it grows).
public protocol CompressedOutputObserver: AnyObject {
    func started(writing temporary: String) throws
    func wrote(_ chunk: UnsafeRawBufferPointer)
}
