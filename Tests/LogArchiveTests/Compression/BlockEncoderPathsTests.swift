import Foundation
import Testing
@testable import LogArchive

/// `archive`, `rotate` (and `watch`, which rotates through the same `LogRotator`) and `db-archive`
/// write the block encoder's gzip: what each wrote is exactly `ParallelGzipEncoder`'s output, at
/// level 6, for the bytes it decompresses to. zlib's encoder (the earlier version) gives other bytes.
@Suite struct BlockEncoderPathsTests {
    /// `ParallelGzipEncoder`'s gzip of what `gz` decompresses to, compared with `gz` itself.
    static func requireWrittenByTheBlockEncoder(_ gz: String, in sandbox: Sandbox) throws {
        let written = try Data(contentsOf: URL(fileURLWithPath: gz))
        try sandbox.shell("gzip -t '\(gz)' && zcat '\(gz)' > content.tmp").requireSuccess()
        let content = try sandbox.read("content.tmp")
        var expected = Data()
        let encoder = try ParallelGzipEncoder(level: 6) { expected.append(contentsOf: $0) }
        try content.withUnsafeBytes { try encoder.write($0) }
        try encoder.finish()
        // Digests, not the bytes: a failed comparison of megabytes would be diffed for minutes.
        #expect(SHA256Hex.of(written) == SHA256Hex.of(expected), "\(gz): \(written.count) bytes, the encoder's \(expected.count)")
        try FileManager.default.removeItem(atPath: sandbox.path("content.tmp"))
    }

    /// Over several blocks, and under one (a log just over the compression threshold).
    @Test(arguments: [9_000_000, 1_500_000])
    func archiveStoresTheBlockEncodersGzip(_ size: Int) throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/123-build.log", Sandbox.logText(bytes: size, seed: 21))
        let result = try LogArchiveBinary.run(["123"], in: sandbox)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let logs = try #require(try sandbox.entry("123")?["logs"] as? [[String: Any]])
        #expect(logs.first?["compressed"] as? Bool == true)
        let key = try #require(logs.first?["remote_path"] as? String)
        try Self.requireWrittenByTheBlockEncoder(sandbox.storeRoot + "/" + key, in: sandbox)
    }

    @Test func rotateWritesTheBlockEncodersGzip() throws {
        let sandbox = try Sandbox()
        try sandbox.write("app.log", Sandbox.logText(bytes: 9_000_000, seed: 22))
        let result = try LogArchiveBinary.run(["rotate", "app.log", "--threshold", "1MiB", "--archive-dir", "rotated"], in: sandbox)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let archives = try FileManager.default.contentsOfDirectory(atPath: sandbox.path("rotated")).filter { $0.hasSuffix(".gz") }
        #expect(archives.count == 1)
        try Self.requireWrittenByTheBlockEncoder(sandbox.path("rotated/" + (archives.first ?? "")), in: sandbox)
    }

    @Test func dbArchiveWritesTheBlockEncodersGzip() throws {
        let sandbox = try Sandbox()
        _ = try TableArchiveTests.makeDatabase(in: sandbox, rows: 3_000, padding: 3_000)
        let result = try LogArchiveBinary.run(["db-archive", "agent.db", "--threshold", "0", "--json"], in: sandbox)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let report = try #require(JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let archive = try #require(report["archive"] as? String)
        // Over a block, so the archive's blocks were joined.
        #expect((report["original_bytes"] as? Int ?? 0) > ParallelGzipEncoder.defaultBlockSize)
        try Self.requireWrittenByTheBlockEncoder(archive, in: sandbox)
    }
}
