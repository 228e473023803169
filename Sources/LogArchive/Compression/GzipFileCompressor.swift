import Crypto

/// Streams a file through gzip into a new file, in fixed-size buffers whatever the input size,
/// and checksums the compressed bytes as they are written: one read of the input does both.
/// Files of `parallelThreshold` bytes and more are compressed in blocks on every core
/// (`ParallelGzipEncoder`); smaller ones in one zlib stream, where threads would cost more than
/// they save. The choice depends on the size alone, so a file always compresses to the same bytes.
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
    /// Size of the read and write buffers; memory use is about twice this, independent of input.
    public var bufferSize: Int

    public var parallelThreshold: Int64
    /// Hears of each input chunk read, for a progress line.
    public var progress: ProgressMeter?

    public init(level: Int32 = 6, bufferSize: Int = 256 * 1024, parallelThreshold: Int64 = 4 << 20) {
        self.level = level
        self.bufferSize = bufferSize
        self.parallelThreshold = parallelThreshold
    }

    /// Compresses `source` to `destination` through a temporary file in the same folder, renamed
    /// into place once complete and synced. On any failure the temporary file is removed and
    /// `destination` is left as it was.
    public func compress(_ source: String, to destination: String) throws -> Result {
        let temporary = destination + ".tmp"
        FileSystem.removeIfPresent(temporary)
        do {
            let result = try compressUnchecked(source, into: temporary)
            try FaultPoint.afterCompress.reach()
            try FileSystem.rename(temporary, to: destination)
            return result
        } catch {
            FileSystem.removeIfPresent(temporary)
            throw error
        }
    }

    private func compressUnchecked(_ source: String, into temporary: String) throws -> Result {
        let input = try PosixFile.openForReading(source)
        let sourceStatus = try input.status()
        let output = try PosixFile.createExclusive(temporary)
        var hasher = SHA256()
        var compressedSize: Int64 = 0
        let sink = { (chunk: UnsafeRawBufferPointer) throws in
            try output.write(chunk)
            hasher.update(bufferPointer: chunk)
            compressedSize += Int64(chunk.count)
        }
        let originalSize =
            sourceStatus.size >= parallelThreshold
            ? try compressInBlocks(input, sink: sink) : try compressInOneStream(input, sink: sink)
        try output.sync()
        try output.close()
        return Result(
            originalSize: originalSize, compressedSize: compressedSize,
            checksum: Checksum(digest: hasher.finalize()), sourceStatus: sourceStatus)
    }

    private func compressInOneStream(_ input: PosixFile, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        let deflater = try GzipDeflater(level: level)
        let writeBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { writeBuffer.deallocate() }
        var originalSize: Int64 = 0
        try input.stream(chunkSize: bufferSize) { chunk in
            originalSize += Int64(chunk.count)
            progress?.advance(chunk.count)
            try FaultPoint.compressMid.reach(afterStreaming: chunk.count, total: originalSize)
            try deflater.deflate(chunk, finish: false, output: writeBuffer, sink: sink)
        }
        try deflater.deflate(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, output: writeBuffer, sink: sink)
        return originalSize
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

    /// gzip files start with 1f 8b; such a log is uploaded as it is, never compressed twice.
    public static func isGzip(_ path: String) -> Bool {
        guard let file = try? PosixFile.openForReading(path) else { return false }
        var magic: [UInt8] = [0, 0]
        let count = magic.withUnsafeMutableBytes { (try? file.read(into: $0)) ?? 0 }
        return count == 2 && magic == [0x1F, 0x8B]
    }
}
