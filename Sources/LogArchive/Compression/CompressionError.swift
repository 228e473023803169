/// A compression library call that failed: zlib's (inflating) with its status, or libdeflate's.
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
