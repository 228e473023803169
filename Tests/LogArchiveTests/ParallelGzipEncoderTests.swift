import Foundation
import Testing
@testable import LogArchive

@Suite struct ParallelGzipEncoderTests {
    /// Compresses `data` in `chunk`-sized writes and returns the gzip bytes.
    static func encode(_ data: Data, level: Int32 = 6, blockSize: Int = 64 * 1024, workers: Int = 2, chunk: Int = 10_000) throws
        -> (gzip: Data, inputBytes: Int64, crc: UInt32)
    {
        var out = Data()
        let encoder = try ParallelGzipEncoder(level: level, blockSize: blockSize, workers: workers) { out.append(contentsOf: $0) }
        try data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + chunk)
                try encoder.write(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
                offset = end
            }
        }
        let (inputBytes, crc) = try encoder.finish()
        return (out, inputBytes, crc)
    }

    // Sizes around the block edges: empty, one byte, a block less one, exactly one, one more,
    // and many blocks, so every path through the block cutting is taken.
    @Test(arguments: [0, 1, 65_535, 65_536, 65_537, 1_000_000])
    func outputIsOneStandardGzipStreamThatRoundTrips(_ size: Int) throws {
        let sandbox = try Sandbox()
        let input = Data(Sandbox.logText(bytes: size).utf8.prefix(size))
        let (gzip, inputBytes, _) = try Self.encode(input)
        try sandbox.write("out.gz", gzip)
        try sandbox.write("in.log", input)
        try sandbox.shell("gzip -t out.gz").requireSuccess()
        try sandbox.shell("gunzip -c out.gz | cmp - in.log").requireSuccess()
        try sandbox.shell("zcat out.gz | cmp - in.log").requireSuccess()
        #expect(inputBytes == Int64(size))
        // One member: gzip -l reports the original size from the single trailer.
        let listed = try sandbox.shell("gzip -l out.gz | awk 'NR==2 {print $2}'").output
        #expect(listed.trimmingCharacters(in: .whitespacesAndNewlines) == "\(size)")
    }

    @Test func crcMatchesWhatGzipRecordsAndRandomBytesRoundTrip() throws {
        let sandbox = try Sandbox()
        let input = Sandbox.randomBytes(300_000)
        let (gzip, _, crc) = try Self.encode(input, chunk: 7_777)
        try sandbox.write("out.gz", gzip)
        try sandbox.write("in.bin", input)
        try sandbox.shell("gunzip -c out.gz | cmp - in.bin").requireSuccess()
        let reference = try sandbox.shell("gzip -c in.bin | tail -c 8 | head -c 4 | od -An -tu4").output
        #expect(reference.trimmingCharacters(in: .whitespaces.union(.newlines)) == "\(crc)")
    }

    @Test func theSameInputGivesTheSameBytesWhateverTheWorkers() throws {
        let input = Data(Sandbox.logText(bytes: 700_000, seed: 3).utf8)
        let one = try Self.encode(input, workers: 1, chunk: 100_000).gzip
        let four = try Self.encode(input, workers: 4, chunk: 3_333).gzip
        #expect(one == four)
    }

    @Test func sizeStaysWithinOnePercentOfGzipAtTheSameLevel() throws {
        let sandbox = try Sandbox()
        let input = Data(Sandbox.logText(bytes: 3_000_000, seed: 5).utf8)
        try sandbox.write("in.log", input)
        let ours = try Self.encode(input, blockSize: 1 << 20).gzip.count
        let gzip = Int(try sandbox.shell("gzip -6 -c in.log | wc -c").output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(gzip > 0)
        #expect(Double(ours) <= Double(gzip) * 1.01, "ours \(ours) bytes, gzip -6 \(gzip) bytes")
    }

    @Test(arguments: [1, 9] as [Int32])
    func everyLevelRoundTrips(_ level: Int32) throws {
        let sandbox = try Sandbox()
        let input = Data(Sandbox.logText(bytes: 200_000).utf8)
        try sandbox.write("out.gz", try Self.encode(input, level: level).gzip)
        try sandbox.write("in.log", input)
        try sandbox.shell("gunzip -c out.gz | cmp - in.log").requireSuccess()
    }

    @Test func anOutputErrorStopsTheStreamAndIsReported() throws {
        struct DiskFull: Error {}
        var writes = 0
        let encoder = try ParallelGzipEncoder(blockSize: 64 * 1024, workers: 2) { _ in
            writes += 1
            if writes > 2 { throw DiskFull() }
        }
        let input = Data(Sandbox.logText(bytes: 2_000_000).utf8)
        #expect(throws: DiskFull.self) {
            try input.withUnsafeBytes { try encoder.write($0) }
            try encoder.finish()
        }
    }

    @Test func largeFilesGoThroughTheBlockPathAndRoundTrip() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.write("big.log", Sandbox.logText(bytes: 5_000_000))
        let result = try GzipFileCompressor(level: 6, parallelThreshold: 1 << 20).compress(source, to: sandbox.path("big.log.gz"))
        try sandbox.shell("gunzip -c big.log.gz | cmp - big.log").requireSuccess()
        let compressed = try sandbox.read("big.log.gz")
        #expect(result.checksum.hex == SHA256Hex.of(compressed))
        #expect(result.originalSize == Int64(try sandbox.read("big.log").count))
    }
}
