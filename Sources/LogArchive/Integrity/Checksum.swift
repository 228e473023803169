import Glibc
import Crypto
import Foundation

/// A SHA-256 content checksum in the index's form, `sha256:<64 hex digits>`.
public struct Checksum: Sendable, Equatable, CustomStringConvertible {
    public let hex: String

    public init(digest: SHA256.Digest) {
        self.init(digestBytes: Array(digest))
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
    /// With `expecting`, only the file of that identity is read (a log as it was collected).
    public static func ofFile(_ path: String, expecting: FileStatus? = nil) throws(FileSystemError)
        -> (checksum: Checksum, size: Int64, status: FileStatus)
    {
        let file = try PosixFile.openForReading(path, expecting: expecting)
        let before = try file.status()
        var hasher = SHA256()
        var size: Int64 = 0
        do {
            try file.stream(chunkSize: 1 << 18) { chunk in
                hasher.update(bufferPointer: chunk)
                size += Int64(chunk.count)
            }
        } catch let error as FileSystemError {
            throw error
        } catch {
            // Unreached: the sink does not throw, and a read fails only as a FileSystemError.
            throw FileSystemError("read", path: path)
        }
        return (Checksum(digest: hasher.finalize()), size, before)
    }
}

extension Checksum {
    /// The 32 digest bytes.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(32)
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            result.append(Checksum.nibble(high) << 4 | Checksum.nibble(low))
        }
        return result
    }

    /// Base64 of the digest bytes: the form of S3's `x-amz-checksum-sha256`.
    public var base64: String { Data(bytes).base64EncodedString() }

    public init?(base64 text: String) {
        guard let data = Data(base64Encoded: text), data.count == 32 else { return nil }
        self.init(digestBytes: Array(data))
    }

    init(digestBytes bytes: [UInt8]) {
        hex = bytes.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }

    private static func nibble(_ character: UInt8) -> UInt8 {
        character <= UInt8(ascii: "9") ? character - UInt8(ascii: "0") : character - UInt8(ascii: "a") + 10
    }

    /// SHA-256 of a byte range of a file, read in fixed buffers (a multipart part).
    public static func ofRange(_ path: String, offset: Int64, length: Int64) throws(FileSystemError) -> Checksum {
        var hasher = SHA256()
        try FileSystem.streamRange(path, offset: offset, length: length) { hasher.update(bufferPointer: $0) }
        return Checksum(digest: hasher.finalize())
    }

    public static func of(_ bytes: [UInt8]) -> Checksum {
        Checksum(digest: SHA256.hash(data: bytes))
    }
}
