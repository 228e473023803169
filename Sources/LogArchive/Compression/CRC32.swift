import CZlib

/// CRC-32 as gzip computes it, for recognising bytes already archived.
public enum CRC32 {
    /// The CRC of two pieces one after the other, from each piece's CRC and the second's length.
    public static func combine(_ first: UInt32, _ second: UInt32, secondLength: Int64) -> UInt32 {
        UInt32(truncatingIfNeeded: logarchive_crc32_combine(UInt(first), UInt(second), secondLength))
    }

    /// The CRC of the first `length` bytes of the file; nil if it is shorter or cannot be read.
    public static func ofFile(_ path: String, length: Int64) -> UInt32? {
        var crc: UInt = 0
        do {
            try FileSystem.streamRange(path, offset: 0, length: length) { chunk in
                crc = crc32(crc, chunk.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(chunk.count))
            }
        } catch {
            return nil
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
