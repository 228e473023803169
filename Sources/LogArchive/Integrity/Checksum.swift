import Crypto

/// A SHA-256 content checksum in the index's form, `sha256:<64 hex digits>`.
public struct Checksum: Sendable, Equatable, CustomStringConvertible {
    public let hex: String

    public init(digest: SHA256.Digest) {
        hex = digest.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }

    /// Accepts `sha256:<hex>` (the index form) or bare hex.
    public init?(_ text: String) {
        let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return nil }
        self.hex = hex
    }

    public var description: String { "sha256:\(hex)" }

    /// Reads a whole file once and returns its checksum and size, with the file's status taken
    /// on the same descriptor so a change during the read can be detected by the caller.
    public static func ofFile(_ path: String) throws(FileSystemError) -> (checksum: Checksum, size: Int64, status: FileStatus) {
        let file = try PosixFile.openForReading(path)
        let before = try file.status()
        var hasher = SHA256()
        var size: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try file.read(into: buffer)
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            size += Int64(count)
        }
        return (Checksum(digest: hasher.finalize()), size, before)
    }
}
