import Foundation
import LogArchive
import Testing

/// An archive left partial by the version whose block encoder was zlib's finishes under the
/// libdeflate one: the same logs now compress to other gzip bytes, yet nothing is stored twice and
/// nothing is lost.
@Suite struct EncoderUpgradeTests {
    /// The zlib-based `ParallelGzipEncoder` of the earlier version, byte for byte: a gzip header
    /// with no name or time, 1 MiB blocks, each raw deflate at the level primed with the 32 KiB
    /// before it, ended by a sync flush (the last, possibly empty, by a finish), then CRC and size.
    static let oldEncoder = """
        import sys, zlib
        data = open(sys.argv[1], "rb").read()
        out = bytearray(b"\\x1f\\x8b\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x03")
        block = 1 << 20
        full = len(data) // block
        for index in range(full + 1):
            start = index * block
            piece = data[start:start + block] if index < full else data[full * block:]
            dictionary = data[max(0, start - 32768):start]
            c = zlib.compressobj(6, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, *([dictionary] if dictionary else []))
            out += c.compress(piece) + c.flush(zlib.Z_SYNC_FLUSH if index < full else zlib.Z_FINISH)
        out += zlib.crc32(data).to_bytes(4, "little") + (len(data) % (1 << 32)).to_bytes(4, "little")
        open(sys.argv[2], "wb").write(out)
        """

    /// Writes the old version's gzip of `source` to `destination` and returns its bytes.
    @discardableResult
    static func oldGzip(_ source: String, to destination: String, in sandbox: Sandbox) throws -> Data {
        try sandbox.write("old-encoder.py", oldEncoder)
        try sandbox.shell("python3 old-encoder.py '\(source)' '\(destination)'").requireSuccess()
        try sandbox.shell("gzip -t '\(destination)' && zcat '\(destination)' | cmp - '\(source)'").requireSuccess()
        return try Data(contentsOf: URL(fileURLWithPath: sandbox.path(destination)))
    }

    /// Replaces what the run stored of `filename` with the old encoder's gzip of the same content,
    /// and its index record's checksum and size with that gzip's: the state the earlier version left.
    static func storeAsTheOldVersionDid(_ filename: String, in sandbox: Sandbox) throws -> (key: String, bytes: Data) {
        let logs = try #require(try sandbox.entry("123")?["logs"] as? [[String: Any]])
        let key = try #require(logs.first { $0["filename"] as? String == filename }?["remote_path"] as? String)
        let object = sandbox.storeRoot + "/" + key
        try sandbox.shell("zcat '\(object)' > content.tmp").requireSuccess()
        let old = try oldGzip("content.tmp", to: "old.gz", in: sandbox)
        #expect(SHA256Hex.of(old) != SHA256Hex.of(try Data(contentsOf: URL(fileURLWithPath: object))), "the old and the new encoder agree: nothing is tested")
        try sandbox.shell("cp old.gz '\(object)' && rm content.tmp old.gz").requireSuccess()
        let local = sandbox.path("logs/builds/\(filename).gz")
        if FileManager.default.fileExists(atPath: local) { try old.write(to: URL(fileURLWithPath: local)) }
        let shard = try #require(try sandbox.indexFiles().first)
        try sandbox.shell(
            """
            jq --arg name '\(filename)' --arg sum 'sha256:\(SHA256Hex.of(old))' --argjson size \(old.count) \
              '(.archives[] | select(.issue_number == "123") | .logs[] | select(.filename == $name)) |= (.checksum = $sum | .size_bytes = $size)' \
              '\(shard)' > shard.tmp && mv shard.tmp '\(shard)'
            """
        ).requireSuccess()
        return (key, old)
    }

    @Test func aPartialArchiveOfTheZlibVersionCompletesWithNoDuplicateAndNothingLost() throws {
        let sandbox = try Sandbox()
        // Over 4 MiB each, so both went through the block encoder, whose bytes changed.
        try sandbox.write("logs/builds/123-a.log", Sandbox.logText(bytes: 5_000_000, seed: 11))
        let b = try sandbox.write("logs/builds/123-b.log", Sandbox.logText(bytes: 4_500_000, seed: 12))
        try sandbox.write("logs/debug/123-trace.log", "trace\n")
        let originalA = try sandbox.read("logs/builds/123-a.log")

        // A first run stores a and the trace; b changes under it and fails: a partial archive.
        let first = try LogArchiveBinary.run(
            ["123"], in: sandbox,
            environment: [
                "LOGARCHIVE_FAULT_POINT": "before-upload",
                "LOGARCHIVE_FAULT_ACTION": "exec:echo 'a line written during the archive' >> '\(b)'",
            ])
        #expect(first.status == 3, "\(first.output) \(first.errorOutput)")
        let before = try #require(try sandbox.entry("123")?["logs"] as? [[String: Any]])
        #expect(before.first { $0["filename"] as? String == "123-a.log" }?["upload_status"] as? String == "uploaded")
        #expect(before.first { $0["filename"] as? String == "123-b.log" }?["upload_status"] as? String == "failed")
        #expect(!sandbox.exists("logs/.archive-journal-123.jsonl"))

        // What the zlib version left: its bytes for a (verified) and for b (stored, not verified).
        let (keyA, oldA) = try Self.storeAsTheOldVersionDid("123-a.log", in: sandbox)
        let (keyB, _) = try Self.storeAsTheOldVersionDid("123-b.log", in: sandbox)
        let folder = sandbox.storeRoot + "/" + (keyA as NSString).deletingLastPathComponent
        let keysBefore = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()

        let retry = try LogArchiveBinary.run(["123", "--retry"], in: sandbox)
        #expect(retry.status == 0, "\(retry.output) \(retry.errorOutput)")

        // No object was added beside the old ones: a stays as the old version stored it, b is
        // replaced in place by the current content.
        let keysAfter = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        // (Each run also stores its trace, and the completed archive its manifest.)
        func objects(_ keys: [String]) -> [String] { keys.filter { $0 != "manifest.json" && !$0.hasPrefix("trace-run-") } }
        #expect(objects(keysAfter) == objects(keysBefore), "\(keysBefore) → \(keysAfter)")
        #expect(keysAfter.filter { $0.hasSuffix(".gz") } == ["123-a.log.gz", "123-b.log.gz"])
        #expect(SHA256Hex.of(try Data(contentsOf: URL(fileURLWithPath: sandbox.storeRoot + "/" + keyA))) == SHA256Hex.of(oldA))
        let storedB = sandbox.storeRoot + "/" + keyB
        try sandbox.shell("gzip -t '\(storedB)'").requireSuccess()
        let entry = try #require(try sandbox.entry("123"))
        #expect(entry["upload_complete"] as? Bool == true)
        let logs = try #require(entry["logs"] as? [[String: Any]])
        #expect(logs.count == 3)
        for log in logs {
            #expect(log["upload_status"] as? String == "uploaded")
            let stored = try Data(contentsOf: URL(fileURLWithPath: sandbox.storeRoot + "/" + (log["remote_path"] as? String ?? "")))
            #expect(log["checksum"] as? String == "sha256:" + SHA256Hex.of(stored), "\(log["filename"] ?? "")")
            #expect(log["size_bytes"] as? Int == stored.count)
        }

        // Nothing lost: the local copies are cleaned only now, and the store gives back a as it was
        // and b with the line written during the first run.
        #expect(!sandbox.exists("logs/builds/123-a.log") && !sandbox.exists("logs/builds/123-a.log.gz"))
        #expect(!sandbox.exists("logs/builds/123-b.log") && !sandbox.exists("logs/builds/123-b.log.gz"))
        let readA = try LogArchiveBinary.run(["read", "123", "--file", "123-a.log", "--output", "a.out"], in: sandbox)
        #expect(readA.status == 0, "\(readA.errorOutput)")
        // (read heads each log with a `==> path (…) <==` line.)
        var readBack = try sandbox.read("a.out")
        if readBack.starts(with: Data("==> ".utf8)), let newline = readBack.firstIndex(of: 0x0A) { readBack = readBack[(newline + 1)...] }
        // (Digests, not the bytes: a failed comparison of megabytes would be diffed for minutes.)
        #expect(SHA256Hex.of(readBack) == SHA256Hex.of(originalA), "\(readBack.count) bytes read back, \(originalA.count) archived")
        let textB = try sandbox.shell("zcat '\(storedB)'").requireSuccess().output
        #expect(textB.hasSuffix("a line written during the archive\n"))
        #expect(textB.hasPrefix(Sandbox.logText(bytes: 4_500_000, seed: 12)), "b's archived content is not its log's")
    }
}
