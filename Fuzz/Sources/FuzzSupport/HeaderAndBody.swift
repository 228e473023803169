/// Splits a fuzz input into a header value and a body: the text before the first newline (found
/// within the first `limit` bytes) and the bytes after it, so the fuzzer steers each on its own.
public func splitFirstLine(_ bytes: [UInt8], limit: Int) -> (String, [UInt8]) {
    guard let newline = bytes.prefix(limit).firstIndex(of: UInt8(ascii: "\n")) else { return ("", bytes) }
    return (String(decoding: bytes[..<newline], as: UTF8.self), Array(bytes[(newline + 1)...]))
}
