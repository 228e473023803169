import Crypto
import Foundation
import LogArchive
import Testing

/// Rule 4 of the hostile-input rules: memory stays bounded whatever the input. `search` and `read`
/// hold a fixed buffer whatever a line's length (a gzip bomb of zeros is one line of gigabytes),
/// `read` and `search` stop an archived log at the size the index records, and every number a
/// flag, variable or config key gives is range-checked (exit 64, naming it and its range, nothing
/// changed). Run against the release binary; peak memory measured with `/usr/bin/time -v`.
@Suite struct HostileBoundsTests {
    enum StoreKind: String, CustomTestStringConvertible, Sendable {
        case local, s3
        var testDescription: String { rawValue }
    }

    /// Peak RSS any command here may reach: far below the gigabytes the inputs inflate to.
    static let memoryCeilingKiB = 128 * 1024

    // MARK: Fixtures

    /// gzip that inflates to `mebibytes` MiB of zeros (no newline at all): members of 64 MiB of
    /// zeros, concatenated (as `gzip -d` reads them), so it is made in a fraction of a second.
    @discardableResult
    static func bomb(mebibytes: Int, in sandbox: Sandbox, name: String = "bomb.gz") throws -> String {
        let member = sandbox.path("member.gz")
        try sandbox.shell("head -c \(64 << 20) /dev/zero | gzip -1 > '\(member)'").requireSuccess()
        let path = sandbox.path(name)
        let copies = String(repeating: "'\(member)' ", count: max(1, mebibytes / 64))
        try sandbox.shell("cat \(copies) > '\(path)' && rm '\(member)'").requireSuccess()
        return path
    }

    /// Runs the release binary under `/usr/bin/time -v`: its result (time's report stripped from
    /// stderr) and its peak resident set in KiB.
    static func measured(_ arguments: [String], in sandbox: Sandbox, environment: [String: String] = [:]) throws
        -> (result: CommandResult, peakKiB: Int)
    {
        let report = sandbox.path("time-\(UUID().uuidString.prefix(8)).txt")
        defer { try? FileManager.default.removeItem(atPath: report) }
        let result = try CommandRunner.run(
            "/usr/bin/time", ["-v", "-o", report, ReleaseBinary.path] + arguments, in: sandbox.root,
            environment: LogArchiveBinary.environment(environment))
        let text = try String(contentsOfFile: report, encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.contains("Maximum resident set size") }),
            let kib = Int(line.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "")
        else { throw TestFailure("no peak RSS in /usr/bin/time's report: \(text)") }
        return (result, kib)
    }

    struct ArchivedBomb {
        let sandbox: Sandbox
        let environment: [String: String]
        let storeArguments: [String]
        let originalSize: Int
        let bombSize: Int
        /// The other objects of the store, to prove none changes.
        let bucket: String?
    }

    /// Issue 9 archived with a 1.5 MB build log (compressed) and a small deployment log holding
    /// NEEDLE, then the build log's stored object replaced by a gzip bomb. The index is rewritten
    /// as a hostile commit would: the bomb's checksum and stored size, the real original size.
    static func archivedBomb(_ kind: StoreKind, mebibytes: Int = 256) throws -> ArchivedBomb {
        let sandbox = try Sandbox()
        let original = Sandbox.logText(bytes: 1_500_000)
        try sandbox.write("logs/builds/9-build.log", original)
        try sandbox.write("logs/deployments/9-staging.log", "deployed NEEDLE here\n")
        var environment: [String: String] = [:]
        var storeArguments: [String] = []
        var bucket: String?
        if kind == .s3 {
            let server = try S3TestServer.require()
            let name = try server.makeBucket()
            bucket = name
            environment = server.environment()
            storeArguments = ["--store", "s3://\(name)"]
        }
        try ReleaseBinary.run(["9", "--reason", "manual", "--no-comment", "--no-commit"] + storeArguments, in: sandbox,
            environment: environment).requireSuccess()
        let entry = try #require(try sandbox.entry("9"))
        let logs = try #require(entry["logs"] as? [[String: Any]])
        let build = try #require(logs.first { $0["filename"] as? String == "9-build.log" })
        #expect(build["compressed"] as? Bool == true)
        let key = try #require(build["remote_path"] as? String)
        let oldChecksum = try #require(build["checksum"] as? String)
        let oldSize = try #require(build["size_bytes"] as? Int)

        let bombPath = try bomb(mebibytes: mebibytes, in: sandbox)
        let bombBytes = try Data(contentsOf: URL(fileURLWithPath: bombPath))
        if let bucket {
            try S3TestServer.require().aws(["s3", "cp", bombPath, "s3://\(bucket)/\(key)", "--only-show-errors"]).requireSuccess()
        } else {
            try bombBytes.write(to: URL(fileURLWithPath: sandbox.storeRoot + "/" + key))
        }
        try FileManager.default.removeItem(atPath: bombPath)
        let newChecksum = "sha256:" + SHA256.hash(data: bombBytes).map { String(format: "%02x", $0) }.joined()
        for file in ["logs/.archive-index.json"] + (try sandbox.indexFiles()) {
            var text = try String(contentsOfFile: sandbox.path(file), encoding: .utf8)
            guard text.contains(oldChecksum) else { continue }
            text = text.replacingOccurrences(of: oldChecksum, with: newChecksum)
            text = text.replacingOccurrences(
                of: "\"size_bytes\":\\s*\(oldSize)\\b", with: "\"size_bytes\": \(bombBytes.count)", options: .regularExpression)
            try sandbox.write(file, text)
        }
        let patched = try #require(try sandbox.entry("9")?["logs"] as? [[String: Any]])
        #expect(patched.contains { $0["size_bytes"] as? Int == bombBytes.count && $0["checksum"] as? String == newChecksum })
        return ArchivedBomb(
            sandbox: sandbox, environment: environment, storeArguments: storeArguments, originalSize: original.utf8.count,
            bombSize: bombBytes.count, bucket: bucket)
    }

    /// The store's objects with their content: every one must be unchanged by a reader.
    static func storeState(_ bomb: ArchivedBomb) throws -> [String] {
        guard let bucket = bomb.bucket else { return [] }
        let listing = try S3TestServer.require().aws(["s3api", "list-objects-v2", "--bucket", bucket, "--output", "json"])
            .requireSuccess()
        let object = try JSONSerialization.jsonObject(with: Data(listing.output.utf8)) as? [String: Any]
        return ((object?["Contents"] as? [[String: Any]]) ?? []).map { "\($0["Key"] ?? "") \($0["Size"] ?? "") \($0["ETag"] ?? "")" }
            .sorted()
    }

    // MARK: A gzip bomb in the store

    @Test(arguments: [StoreKind.local, .s3])
    func readStopsAStoredBombAtTheRecordedOriginalSize(_ kind: StoreKind) throws {
        let bomb = try Self.archivedBomb(kind)
        let sandbox = bomb.sandbox
        let before = try sandbox.snapshot()
        let objects = try Self.storeState(bomb)
        let (result, peak) = try Self.measured(
            ["read", "9", "--type", "build", "--raw"] + bomb.storeArguments, in: sandbox, environment: bomb.environment)
        #expect(result.status == 1, "\(result.errorOutput)")
        // What was printed before the stop is the recorded size at most, not the bomb's 256 MiB.
        #expect(result.output.utf8.count <= bomb.originalSize, "\(result.output.utf8.count) bytes printed")
        #expect(result.errorOutput.contains("logs/builds/9-build.log"), "\(result.errorOutput)")
        #expect(result.errorOutput.contains("original_size_bytes \(bomb.originalSize)"), "\(result.errorOutput)")
        #expect(result.errorOutput.contains("size_bytes \(bomb.bombSize)"), "\(result.errorOutput)")
        #expect(result.errorOutput.contains("the output above is damaged or incomplete"), "\(result.errorOutput)")
        #expect(peak < Self.memoryCeilingKiB, "peak RSS \(peak) KiB")
        #expect(try sandbox.snapshot() == before)
        #expect(try Self.storeState(bomb) == objects)
    }

    @Test(arguments: [StoreKind.local, .s3])
    func readOutputOfAStoredBombLeavesNoFile(_ kind: StoreKind) throws {
        let bomb = try Self.archivedBomb(kind)
        let sandbox = bomb.sandbox
        let before = try sandbox.snapshot()
        let result = try ReleaseBinary.run(
            ["read", "9", "--output", "out.log"] + bomb.storeArguments, in: sandbox, environment: bomb.environment)
        #expect(result.status == 1, "\(result.errorOutput)")
        #expect(result.errorOutput.contains("original_size_bytes \(bomb.originalSize)"), "\(result.errorOutput)")
        #expect(result.errorOutput.contains("out.log was not written"), "\(result.errorOutput)")
        #expect(!sandbox.exists("out.log"))
        // No partial or temporary file either: the sandbox is byte for byte as it was.
        #expect(try sandbox.snapshot() == before)
    }

    /// `search` reports the bomb as that log's error (exit 1) and still searches the other log.
    @Test(arguments: [StoreKind.local, .s3], [false, true])
    func searchReportsAStoredBombAndSearchesTheRest(_ kind: StoreKind, _ regex: Bool) throws {
        let bomb = try Self.archivedBomb(kind)
        let sandbox = bomb.sandbox
        let before = try sandbox.snapshot()
        let query = regex ? "NEE+DLE" : "NEEDLE"
        let (result, peak) = try Self.measured(
            ["search", query, "--archived-only"] + (regex ? ["--regex"] : []) + bomb.storeArguments, in: sandbox,
            environment: bomb.environment)
        #expect(result.status == 1, "\(result.errorOutput)")
        #expect(result.output == "logs/deployments/9-staging.log:1:deployed NEEDLE here\n", "\(result.output)")
        #expect(result.errorOutput.contains("logs/builds/9-build.log"), "\(result.errorOutput)")
        #expect(result.errorOutput.contains("original_size_bytes \(bomb.originalSize)"), "\(result.errorOutput)")
        #expect(peak < Self.memoryCeilingKiB, "peak RSS \(peak) KiB")
        #expect(try sandbox.snapshot() == before)
    }

    /// A log stored as it is (not gzip) may not give more than its recorded `size_bytes` either.
    @Test func readStopsAnUncompressedObjectLongerThanItsRecordedSize() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/deployments/9-staging.log", "deployed\n")
        try ReleaseBinary.run(["9", "--reason", "manual", "--no-comment", "--no-commit"], in: sandbox).requireSuccess()
        let log = try #require((try sandbox.entry("9")?["logs"] as? [[String: Any]])?.first)
        let key = try #require(log["remote_path"] as? String)
        let oldChecksum = try #require(log["checksum"] as? String)
        let longer = Data(repeating: UInt8(ascii: "x"), count: 50 << 20)
        try longer.write(to: URL(fileURLWithPath: sandbox.storeRoot + "/" + key))
        let newChecksum = "sha256:" + SHA256.hash(data: longer).map { String(format: "%02x", $0) }.joined()
        for file in ["logs/.archive-index.json"] + (try sandbox.indexFiles()) {
            let text = try String(contentsOfFile: sandbox.path(file), encoding: .utf8)
            try sandbox.write(file, text.replacingOccurrences(of: oldChecksum, with: newChecksum))
        }
        let before = try sandbox.snapshot()
        let result = try ReleaseBinary.run(["read", "9", "--raw"], in: sandbox)
        #expect(result.status == 1, "\(result.errorOutput)")
        // The first 9 bytes, the size the index records, and not one more.
        #expect(result.output == "xxxxxxxxx", "\(result.output.utf8.count) bytes printed")
        #expect(result.errorOutput.contains("logs/deployments/9-staging.log"), "\(result.errorOutput)")
        #expect(result.errorOutput.contains("holds more than the 9 bytes the index records (size_bytes 9)"), "\(result.errorOutput)")
        #expect(try sandbox.snapshot() == before)
    }

    // MARK: Local gzip bombs: no recorded size, the fixed buffer bounds memory

    /// A rotated piece is read through gunzip: 1 GiB of zeros, one line without a newline.
    @Test(arguments: [false, true])
    func gzipBombAsARotatedPieceIsSearchedInBoundedMemory(_ regex: Bool) throws {
        let sandbox = try Sandbox()
        try Self.bomb(mebibytes: 1024, in: sandbox, name: "logs/builds/20250101T000000.000Z_9-build.log.gz")
        try sandbox.write("logs/builds/9-build.log", "after the cut NEEDLE\n")
        let before = try sandbox.snapshot()
        let (result, peak) = try Self.measured(["search", "NEEDLE"] + (regex ? ["--regex"] : []), in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output == "logs/builds/9-build.log:1:after the cut NEEDLE\n", "\(result.output.prefix(300))")
        #expect(peak < Self.memoryCeilingKiB, "peak RSS \(peak) KiB")
        #expect(try sandbox.snapshot() == before)
    }

    /// A `.gz` that is not a rotated piece is searched as it is stored (its bytes, not inflated);
    /// `read` prints it as it is. Neither holds more than the fixed buffer.
    @Test func gzipBombAsALocalGzLogIsSearchedInBoundedMemory() throws {
        let sandbox = try Sandbox()
        try Self.bomb(mebibytes: 1024, in: sandbox, name: "logs/builds/9-build.log.gz")
        let before = try sandbox.snapshot()
        let (search, searchPeak) = try Self.measured(["search", "NEEDLE", "--regex"], in: sandbox)
        #expect(search.status == 1, "\(search.errorOutput)")
        #expect(search.errorOutput.contains("no match"), "\(search.errorOutput)")
        #expect(searchPeak < Self.memoryCeilingKiB, "peak RSS \(searchPeak) KiB")
        let (read, readPeak) = try Self.measured(["read", "9", "--output", "out.gz", "--raw"], in: sandbox)
        #expect(read.status == 0, "\(read.errorOutput)")
        #expect(try sandbox.read("out.gz") == (try sandbox.read("logs/builds/9-build.log.gz")))
        #expect(readPeak < Self.memoryCeilingKiB, "peak RSS \(readPeak) KiB")
        try FileManager.default.removeItem(atPath: sandbox.path("out.gz"))
        #expect(try sandbox.snapshot() == before)
    }

    // MARK: Huge lines

    /// 300 MB of zeros (a sparse file: no disk spent) then a match, in one line, then a short line.
    static func hugeLineLog(_ sandbox: Sandbox, zeros: Int64 = 300_000_000) throws -> Int64 {
        let path = sandbox.path("logs/debug/9-huge.log")
        try sandbox.shell("truncate -s \(zeros) '\(path)' && printf 'xNEEDLEy tail\\nshort line\\n' >> '\(path)'")
            .requireSuccess()
        return zeros + Int64("xNEEDLEy tail".utf8.count)
    }

    @Test(arguments: [["NEEDLE"], ["needle", "-i"], ["NEE+DLEy", "--regex"], ["needle", "-i", "--regex"]])
    func matchInAHugeLineIsPrintedAsABoundedExcerpt(_ query: [String]) throws {
        let sandbox = try Sandbox()
        let length = try Self.hugeLineLog(sandbox)
        let before = try sandbox.snapshot()
        let (result, peak) = try Self.measured(["search"] + query, in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2, "\(result.output.prefix(2000))")
        let line = String(lines[0])
        #expect(line.hasPrefix("logs/debug/9-huge.log:1:[line cut: \(length) bytes long, showing bytes "), "\(line.prefix(200))")
        #expect(line.contains("NEEDLEy tail"))
        #expect(line.utf8.count < 2048, "\(line.utf8.count) bytes")
        // The marker's offsets are where the excerpt really is: it ends with the line.
        #expect(line.contains("-\(length)] "), "\(line.prefix(200))")
        #expect(peak < Self.memoryCeilingKiB, "peak RSS \(peak) KiB")
        #expect(try sandbox.snapshot() == before)
    }

    /// A huge line as context is shown by its head, cut, and the JSON output carries the same marker.
    @Test func hugeContextLineIsBoundedToo() throws {
        let sandbox = try Sandbox()
        let length = try Self.hugeLineLog(sandbox)
        let text = try Self.measured(["search", "short", "--context", "1"], in: sandbox)
        #expect(text.result.status == 0, "\(text.result.errorOutput)")
        let lines = text.result.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("logs/debug/9-huge.log-1-[line cut: \(length) bytes long, showing bytes 0-512] ") == true)
        #expect(lines.last == "logs/debug/9-huge.log:2:short line")
        #expect(text.result.output.utf8.count < 2048)
        #expect(text.peakKiB < Self.memoryCeilingKiB, "peak RSS \(text.peakKiB) KiB")
        let json = try ReleaseBinary.run(["search", "NEEDLE", "--json"], in: sandbox).requireSuccess()
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        let line = try #require(object?["line"] as? String)
        #expect(line.hasPrefix("[line cut: \(length) bytes long"))
        #expect(line.contains("NEEDLEy") && line.utf8.count < 1024)
    }

    /// Over 2 GiB in one line, `--regex` used to trap (`regoff_t` is 32 bits): now the match is found.
    @Test func regexOverALineLongerThan2GiBFindsTheMatch() throws {
        let sandbox = try Sandbox()
        let length = try Self.hugeLineLog(sandbox, zeros: (2 << 30) + 1000)
        let (result, peak) = try Self.measured(["search", "NEE+DLEy", "--regex"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.hasPrefix("logs/debug/9-huge.log:1:[line cut: \(length) bytes long"), "\(result.output.prefix(200))")
        #expect(peak < Self.memoryCeilingKiB, "peak RSS \(peak) KiB")
    }

    /// The window's edge: a line of exactly 256 KiB prints whole, as grep prints it; one byte more is cut.
    @Test func linesUpToTheWindowPrintWhole() throws {
        let sandbox = try Sandbox()
        let whole = String(repeating: "a", count: 256 * 1024 - 6) + "NEEDLE"
        let cut = String(repeating: "b", count: 256 * 1024 - 5) + "NEEDLE"
        try sandbox.write("logs/debug/9-edge.log", whole + "\n" + cut + "\n")
        let result = try ReleaseBinary.run(["search", "NEEDLE"], in: sandbox).requireSuccess()
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first == "logs/debug/9-edge.log:1:" + whole)
        #expect(lines.last?.hasPrefix("logs/debug/9-edge.log:2:[line cut: \(cut.utf8.count) bytes long, showing bytes ") == true)
    }

    // MARK: Numbers

    /// Every numeric flag, with values that overflow, are negative, out of range or not finite.
    @Test(arguments: [
        (["cleanup", "--older-than", "9223372036854775807"], "--older-than"),
        (["cleanup", "--older-than=-1"], "--older-than"),
        (["cleanup", "--older-than", "36501"], "--older-than"),
        (["search", "x", "--context", "9223372036854775807"], "--context"),
        (["search", "x", "--context=-1"], "--context"),
        (["search", "x", "--max-results", "0"], "--max-results"),
        (["search", "x", "--max-results=-5"], "--max-results"),
        (["9", "--jobs", "9223372036854775807"], "--jobs"),
        (["9", "--jobs=-1"], "--jobs"),
        (["9", "--compression-level", "10"], "--compression-level"),
        (["9", "--compression-threshold", "99999999999999999999TB"], "--compression-threshold"),
        (["9", "--compression-threshold", "inf"], "--compression-threshold"),
        (["9", "--compression-threshold=-1"], "--compression-threshold"),
        (["rotate", "logs/builds/9-build.log", "--threshold", "99999999999999999999TB"], "--threshold"),
        (["rotate", "logs/builds/9-build.log", "--threshold", "2PiB"], "--threshold"),
        (["rotate", "logs/builds/9-build.log", "--compression-level=-1"], "--compression-level"),
        (["watch", "logs", "--threshold=-1"], "--threshold"),
        (["watch", "logs", "--interval", "9223372036854775807s"], "--interval"),
        (["watch", "logs", "--interval", "infs"], "--interval"),
        (["watch", "logs", "--interval", "1e400s"], "--interval"),
        (["watch", "logs", "--interval", "nan"], "--interval"),
        (["db-archive", "agent.db", "--threshold", "99999999999999999999TB"], "--threshold"),
        (["db-archive", "agent.db", "--threshold=-1"], "--threshold"),
    ])
    func numericFlagsOutOfRangeAreRefused(_ arguments: [String], _ flag: String) throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.write("logs/builds/9-build.log", "a log\n")
        let result = try HostileInputTests.expectRefused(arguments, in: sandbox, status: 64, mentioning: flag)
        // Said with the allowed range, or (a value no Int holds) with the help line that gives it.
        #expect(result.errorOutput.contains(" from ") || result.errorOutput.contains(" to "), "\(result.errorOutput)")
    }

    /// With an archived log to weigh, a day count that overflows once turned into seconds used to trap.
    @Test(arguments: ["9223372036854775807", "106751991167301", "36501"])
    func cleanupOlderThanTooManyDaysIsRefusedWithAnArchive(_ days: String) throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/9-build.log", "a log\n")
        try ReleaseBinary.run(["9", "--reason", "manual", "--no-comment", "--no-commit"], in: sandbox).requireSuccess()
        try sandbox.write("logs/builds/9-build.log", "a log\n")
        try HostileInputTests.expectRefused(["cleanup", "--older-than", days], in: sandbox, status: 64, mentioning: "--older-than")
    }

    /// The same for every numeric variable.
    @Test(arguments: [
        ("LOGARCHIVE_BACKOFF_SCALE", "inf"), ("LOGARCHIVE_BACKOFF_SCALE", "1e300"), ("LOGARCHIVE_BACKOFF_SCALE", "-1"),
        ("LOGARCHIVE_FAULT_SKIP", "-1"), ("LOGARCHIVE_FAULT_SKIP", "99999999999999999999"),
        ("LOGARCHIVE_COMPRESSION_LEVEL", "99999999999999999999"), ("LOGARCHIVE_UPLOAD_CONCURRENCY", "-3"),
        ("LOGARCHIVE_COMPRESSION_THRESHOLD", "99999999999999999999TB"), ("LOGARCHIVE_PART_SIZE", "1TB"),
        ("LOGARCHIVE_PART_SIZE", "1k"), ("LOGARCHIVE_MULTIPART_THRESHOLD", "99999999999999999999TB"),
        ("LOGARCHIVE_HTTP_TIMEOUT", "nan"), ("LOGARCHIVE_HTTP_TIMEOUT", "9223372036854775807s"),
    ])
    func numericVariablesOutOfRangeAreRefused(_ name: String, _ value: String) throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        for arguments in [["123", "--no-comment", "--no-commit"], ["status"], ["search", "x"]] {
            let result = try HostileInputTests.expectRefused(
                arguments, in: sandbox, status: 64, mentioning: "invalid \(name) '\(value)'", environment: [name: value])
            #expect(result.errorOutput.contains(" from "), "\(result.errorOutput)")
        }
    }

    /// The same for every numeric key of the config file.
    @Test(arguments: [
        ("compression_threshold", "\"99999999999999999999TB\""), ("compression_threshold", "\"-5\""),
        ("multipart_threshold", "\"6GiB\""), ("part_size", "\"99999999999999999999TB\""), ("part_size", "\"1k\""),
        ("http_timeout", "\"inf\""), ("http_timeout", "\"1e400s\""), ("http_timeout", "\"0s\""),
        ("upload_concurrency", "9223372036854775807"), ("upload_concurrency", "-1"), ("compression_level", "99"),
    ])
    func numericConfigKeysOutOfRangeAreRefused(_ key: String, _ value: String) throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.write(".logarchive.json", "{\"\(key)\": \(value)}\n")
        for arguments in [["123", "--no-comment", "--no-commit"], ["status"]] {
            try HostileInputTests.expectRefused(arguments, in: sandbox, status: 64, mentioning: key)
        }
    }

    /// Dates beyond what a timestamp holds are refused as dates, not trapped on.
    @Test(arguments: [
        ["search", "x", "--since", "99999-01-01"], ["search", "x", "--until", "9999999999999999-01-01T00:00:00Z"],
        ["search", "x", "--since", "-9999999999-01-01T00:00:00Z"],
        ["db-archive", "agent.db", "--older-than", "99999999999-01-01T00:00:00Z"],
    ])
    func datesFarOutOfRangeAreRefused(_ arguments: [String]) throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try HostileInputTests.expectRefused(arguments, in: sandbox, status: 64, mentioning: arguments[arguments.count - 2])
    }
}
