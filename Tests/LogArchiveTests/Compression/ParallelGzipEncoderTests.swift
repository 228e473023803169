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

    /// gzip, zcat, pigz and Python's gzip module each decompress `gz` to exactly `original`.
    static func requireEveryReaderAgrees(_ gz: String, _ original: String, in sandbox: Sandbox) throws {
        try sandbox.shell("gzip -t '\(gz)'").requireSuccess()
        try sandbox.shell("gunzip -c '\(gz)' | cmp - '\(original)'").requireSuccess()
        try sandbox.shell("zcat '\(gz)' | cmp - '\(original)'").requireSuccess()
        try sandbox.shell("pigz -dc '\(gz)' | cmp - '\(original)'").requireSuccess()
        try sandbox.shell(
            "python3 -c 'import gzip, sys; sys.exit(gzip.open(sys.argv[1]).read() != open(sys.argv[2], \"rb\").read())' '\(gz)' '\(original)'"
        ).requireSuccess()
    }

    // Sizes around the block edges: empty, one byte, a block less one, exactly one, one more,
    // exactly two, and many blocks, so every path through the block cutting is taken.
    @Test(arguments: [0, 1, 65_535, 65_536, 65_537, 131_072, 1_000_000])
    func outputIsOneStandardGzipMemberThatEveryReaderReads(_ size: Int) throws {
        let sandbox = try Sandbox()
        let input = Data(Sandbox.logText(bytes: size).utf8.prefix(size))
        let (gzip, inputBytes, _) = try Self.encode(input)
        try sandbox.write("out.gz", gzip)
        try sandbox.write("in.log", input)
        try Self.requireEveryReaderAgrees("out.gz", "in.log", in: sandbox)
        #expect(inputBytes == Int64(size))
        // One member: gzip -l reports the original size from the single trailer, and the member's
        // deflate stream ends exactly before that trailer.
        let listed = try sandbox.shell("gzip -l out.gz | awk 'NR==2 {print $2}'").output
        #expect(listed.trimmingCharacters(in: .whitespacesAndNewlines) == "\(size)")
        let members = try sandbox.shell(
            """
            python3 -c 'import zlib, sys
            data = open("out.gz", "rb").read()
            d = zlib.decompressobj(31)
            d.decompress(data)
            print(len(d.unused_data), d.eof)'
            """
        ).requireSuccess().output
        #expect(members.trimmingCharacters(in: .whitespacesAndNewlines) == "0 True")
    }

    @Test func crcMatchesWhatGzipRecordsAndRandomBytesRoundTrip() throws {
        let sandbox = try Sandbox()
        let input = Sandbox.randomBytes(300_000)
        let (gzip, _, crc) = try Self.encode(input, chunk: 7_777)
        try sandbox.write("out.gz", gzip)
        try sandbox.write("in.bin", input)
        try Self.requireEveryReaderAgrees("out.gz", "in.bin", in: sandbox)
        let reference = try sandbox.shell("gzip -c in.bin | tail -c 8 | head -c 4 | od -An -tu4").output
        #expect(reference.trimmingCharacters(in: .whitespaces.union(.newlines)) == "\(crc)")
    }

    /// Stored blocks (incompressible), dynamic Huffman blocks (text) and the static Huffman and
    /// tiny stored blocks libdeflate picks for a few bytes, each joined to the next.
    @Test(arguments: [16, 100, 1_000, 65_536])
    func everyKindOfDeflateBlockJoinsToTheNext(_ blockSize: Int) throws {
        let sandbox = try Sandbox()
        var input = Sandbox.randomBytes(150_000)
        input.append(Data(Sandbox.logText(bytes: 100_000, seed: 9).utf8))
        input.append(Data(repeating: 0x61, count: 70_000))
        input.append(Sandbox.randomBytes(3_000))
        let (gzip, _, _) = try Self.encode(input, blockSize: blockSize, chunk: 4_093)
        try sandbox.write("out.gz", gzip)
        try sandbox.write("in.bin", input)
        try Self.requireEveryReaderAgrees("out.gz", "in.bin", in: sandbox)
    }

    @Test func theSameInputGivesTheSameBytesWhateverTheWorkersAndTheWrites() throws {
        let input = Data(Sandbox.logText(bytes: 700_000, seed: 3).utf8)
        let one = try Self.encode(input, workers: 1, chunk: 100_000).gzip
        for (workers, chunk) in [(2, 65_536), (3, 3_333), (8, 999)] {
            let other = try Self.encode(input, workers: workers, chunk: chunk).gzip
            #expect(one == other, "\(workers) workers writing \(chunk) bytes at a time")
        }
        // Byte at a time through a few blocks too, since `write` cuts blocks wherever a write ends.
        let small = Data(input.prefix(200_000))
        #expect(try Self.encode(small, workers: 1, chunk: 200_000).gzip == Self.encode(small, workers: 5, chunk: 1).gzip)
    }

    /// The default level stays within 2% of gzip -6 on the benchmark's log and on build-log text
    /// (libdeflate's level 6 is the same size as zlib's, give or take), and level 7 is no larger.
    @Test func levelSixIsAboutGzipSixAndLevelSevenNoLarger() throws {
        let sandbox = try Sandbox()
        let script = Repository.root + "/scripts/gen_jsonl.py"
        try sandbox.shell("python3 '\(script)' bench.jsonl 9").requireSuccess()
        try sandbox.write("build.log", Sandbox.logText(bytes: 9_000_000, seed: 5))
        for name in ["bench.jsonl", "build.log"] {
            let input = try sandbox.read(name)
            let six = try Self.encode(input, blockSize: ParallelGzipEncoder.defaultBlockSize, chunk: 1 << 20).gzip.count
            let seven = try Self.encode(input, level: 7, blockSize: ParallelGzipEncoder.defaultBlockSize, chunk: 1 << 20).gzip.count
            let gzip = Int(try sandbox.shell("gzip -6 -c \(name) | wc -c").output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            #expect(gzip > 0)
            #expect(Double(six) <= Double(gzip) * 1.02, "\(name): level 6 \(six) bytes, gzip -6 \(gzip) bytes")
            #expect(seven <= gzip, "\(name): level 7 \(seven) bytes, gzip -6 \(gzip) bytes")
        }
    }

    /// Every level reads back, and a level keeps its meaning: higher levels are never larger.
    @Test func everyLevelRoundTripsAndHigherLevelsAreNoLarger() throws {
        let sandbox = try Sandbox()
        let input = Data(Sandbox.logText(bytes: 400_000, seed: 2).utf8)
        try sandbox.write("in.log", input)
        var sizes: [Int] = []
        for level in Int32(0)...9 {
            let gzip = try Self.encode(input, level: level, blockSize: 150_000).gzip
            try sandbox.write("out-\(level).gz", gzip)
            try sandbox.shell("gzip -t out-\(level).gz && gunzip -c out-\(level).gz | cmp - in.log").requireSuccess()
            sizes.append(gzip.count)
        }
        #expect(sizes[0] > input.count, "level 0 stores")
        for level in 1..<9 { #expect(sizes[level + 1] <= sizes[level], "level \(level + 1) vs \(level): \(sizes)") }
        #expect(throws: CompressionError.self) { try ParallelGzipEncoder(level: 10) { _ in } }
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

    /// Many default-size blocks through the file compressor the compress stage uses.
    @Test func largeFilesGoThroughTheBlockPathAndRoundTrip() throws {
        let sandbox = try Sandbox()
        let text = Sandbox.logText(bytes: 3_000_000, seed: 4)
        var data = Data()
        for copy in 0..<7 { data.append(Data(text.utf8)); data.append(Data("copy \(copy)\n".utf8)) }
        let source = try sandbox.write("big.log", data)
        let result = try GzipFileCompressor(level: 6).compress(source, to: sandbox.path("big.log.gz"))
        try Self.requireEveryReaderAgrees("big.log.gz", "big.log", in: sandbox)
        let compressed = try sandbox.read("big.log.gz")
        #expect(result.checksum.hex == SHA256Hex.of(compressed))
        #expect(result.originalSize == Int64(data.count))
        #expect(data.count > 4 * ParallelGzipEncoder.defaultBlockSize)
    }
}
