import CZlib
import Crypto

/// Reads a `.gz` file back in fixed-size buffers, handing the decompressed bytes to a closure and
/// checksumming the compressed bytes as they are read: how an archive is proved readable and
/// complete before anything it replaces is deleted. Concatenated gzip members are read in turn,
/// as `gzip -d` does.
public enum GzipInflater {
    public struct Result: Sendable {
        /// Bytes of the `.gz` read.
        public let compressedSize: Int64
        /// SHA-256 of the `.gz` bytes.
        public let compressedChecksum: Checksum
        /// Bytes handed to the closure.
        public let decompressedSize: Int64
    }

    public static func inflateFile(
        _ path: String, bufferSize: Int = 256 * 1024, decompressed: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Result {
        let inflater = try GzipChunkInflater(bufferSize: bufferSize)
        var hasher = SHA256()
        var compressedSize: Int64 = 0
        try FileSystem.stream(path, chunkSize: bufferSize) { chunk in
            compressedSize += Int64(chunk.count)
            hasher.update(bufferPointer: chunk)
            try inflater.inflate(chunk, decompressed: decompressed)
        }
        guard inflater.endedCleanly else {
            throw CompressionError.zlib("inflate (\(path) ends inside a gzip stream)", Z_BUF_ERROR)
        }
        return Result(
            compressedSize: compressedSize, compressedChecksum: Checksum(digest: hasher.finalize()),
            decompressedSize: inflater.decompressedSize)
    }
}

/// Inflates gzip bytes handed in chunks of any size (as a store streams them), members one after
/// another, so a reader never needs the whole `.gz` in a file or in memory.
public final class GzipChunkInflater {
    private let stream: InflateStream
    private let output: UnsafeMutableRawBufferPointer
    /// True when the bytes so far end exactly at the end of a gzip member.
    public private(set) var endedCleanly = false
    public private(set) var decompressedSize: Int64 = 0

    public init(bufferSize: Int = 256 * 1024) throws(CompressionError) {
        stream = try InflateStream()
        output = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit { output.deallocate() }

    public func inflate(_ chunk: UnsafeRawBufferPointer, decompressed: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard !chunk.isEmpty else { return }
        endedCleanly = try stream.inflate(chunk, output: output) { bytes in
            decompressedSize += Int64(bytes.count)
            try decompressed(bytes)
        }
    }
}

/// One zlib inflate stream at a fixed address, as zlib requires, released in `deinit`.
private final class InflateStream {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws(CompressionError) {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = logarchive_inflate_init_auto(stream)
        guard status == Z_OK else {
            stream.deallocate()
            throw CompressionError.zlib("inflateInit2", status)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates all of `input`; returns true when it ended exactly at the end of a gzip member.
    func inflate(
        _ input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer,
        sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Bool {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        var atMemberEnd = false
        repeat {
            stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(output.count)
            let status = CZlib.inflate(stream, Z_NO_FLUSH)
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw CompressionError.zlib("inflate", status)
            }
            let produced = output.count - Int(stream.pointee.avail_out)
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[0..<produced])) }
            atMemberEnd = status == Z_STREAM_END
            if atMemberEnd && stream.pointee.avail_in > 0 {
                // Another member follows.
                let reset = inflateReset(stream)
                guard reset == Z_OK else { throw CompressionError.zlib("inflateReset", reset) }
                atMemberEnd = false
            }
            if status == Z_BUF_ERROR && produced == 0 { break }
        } while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0
        return atMemberEnd
    }
}
