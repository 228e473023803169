import CZlib

/// CRC-32 as gzip computes it, for recognising bytes already archived.
public enum CRC32 {
    /// The CRC of two pieces one after the other, from each piece's CRC and the second's length.
    public static func combine(_ first: UInt32, _ second: UInt32, secondLength: Int64) -> UInt32 {
        UInt32(truncatingIfNeeded: logarchive_crc32_combine(UInt(first), UInt(second), secondLength))
    }

    /// The CRC of the first `length` bytes of the file; nil if it is shorter or cannot be read.
    public static func ofFile(_ path: String, length: Int64) -> UInt32? {
        guard let file = try? PosixFile.openForReading(path) else { return nil }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var crc: UInt = 0
        var offset: Int64 = 0
        while offset < length {
            let wanted = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(min(Int64(buffer.count), length - offset))])
            guard let count = try? file.read(into: wanted, at: offset), count > 0 else { return nil }
            crc = crc32(crc, wanted.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(count))
            offset += Int64(count)
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
