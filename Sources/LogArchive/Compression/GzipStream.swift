import CZlib

/// One zlib deflate stream producing gzip output. The `z_stream` lives at a fixed address for the
/// life of the object, as zlib requires, and is released in `deinit`.
final class GzipDeflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var finished = false

    init(level: Int32) throws(CompressionError) {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = logarchive_deflate_init_gzip(stream, level)
        guard status == Z_OK else {
            stream.deallocate()
            throw CompressionError.zlib("deflateInit2", status)
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `input`, handing each filled chunk of `output` to `sink`. With `finish`, also
    /// writes the gzip trailer.
    func deflate(
        _ input: UnsafeRawBufferPointer, finish: Bool, output: UnsafeMutableRawBufferPointer,
        sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        repeat {
            stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(output.count)
            let status = CZlib.deflate(stream, flush)
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw CompressionError.zlib("deflate", status)
            }
            let produced = output.count - Int(stream.pointee.avail_out)
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[0..<produced])) }
            if status == Z_STREAM_END { finished = true }
        } while stream.pointee.avail_out == 0 || (finish && !finished)
    }
}

public enum CompressionError: Error, Sendable, CustomStringConvertible {
    case zlib(String, Int32)
    /// libdeflate, or a deflate stream it wrote that could not be joined to the next.
    case deflate(String)

    public var description: String {
        switch self {
        case .zlib(let call, let status): "zlib \(call) failed with status \(status)"
        case .deflate(let reason): "deflate: \(reason)"
        }
    }
}
