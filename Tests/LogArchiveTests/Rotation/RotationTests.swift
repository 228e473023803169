import Foundation
import Testing
import LogArchive

@Suite struct RotationTests {
    static func archives(in sandbox: Sandbox, folder: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: sandbox.path(folder)).filter { $0.hasSuffix(".gz") }.sorted()
            .map { folder.isEmpty ? $0 : "\(folder)/\($0)" }
    }

    static func hiddenLeftovers(in sandbox: Sandbox, folder: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: sandbox.path(folder)).filter { $0.hasPrefix(".") && $0.hasSuffix(".tmp") }
    }

    @Test func overTheThresholdTheLogIsArchivedThenTruncatedInPlace() throws {
        let sandbox = try Sandbox()
        let original = Sandbox.logText(bytes: 3_000_000)
        try sandbox.write("app.log", original)
        let inode = try FileStatus.of(sandbox.path("app.log")).inode
        let result = try LogArchiveBinary.run(["rotate", "app.log", "--threshold", "1MB", "--archive-dir", "old", "--json"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        let event = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] ?? [:]
        #expect(event["event"] as? String == "log-archived")
        let archives = try Self.archives(in: sandbox, folder: "old")
        #expect(archives.count == 1)
        let archive = try #require(archives.first)
        #expect(event["archive"] as? String == sandbox.path(archive))
        // <UTC timestamp to the millisecond>_<name>.gz
        #expect(archive.range(of: #"^old/\d{8}T\d{6}\.\d{3}Z_app\.log\.gz$"#, options: .regularExpression) != nil, "\(archive)")
        try sandbox.shell("gzip -t '\(archive)'").requireSuccess()
        #expect(try sandbox.shell("zcat '\(archive)'").output == original)
        #expect(event["original_bytes"] as? Int == original.utf8.count)
        #expect(event["compressed_bytes"] as? Int == (try sandbox.read(archive)).count)
        #expect(event["checksum"] as? String == "sha256:" + SHA256Hex.of(try sandbox.read(archive)))
        // Truncated, not replaced: writers holding the file keep writing into the same inode.
        let after = try FileStatus.of(sandbox.path("app.log"))
        #expect(after.size == 0)
        #expect(after.inode == inode)
    }

    @Test func atOrBelowTheThresholdNothingChanges() throws {
        let sandbox = try Sandbox()
        try sandbox.write("app.log", String(repeating: "a", count: 1024))
        let before = try sandbox.snapshot()
        // Strictly greater: a file of exactly the threshold stays.
        let result = try LogArchiveBinary.run(["rotate", "app.log", "--threshold", "1k"], in: sandbox)
        #expect(result.status == 0)
        #expect(result.output.contains("not over the 1 KiB threshold"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test(arguments: [
        ("missing.log", "No such file"), ("logs", "is a directory"), ("outside.log", "is a symlink to a file outside"),
    ])
    func whatIsNotARegularLogIsRefusedWithNoChange(_ name: String, _ message: String) throws {
        let sandbox = try Sandbox()
        try sandbox.write("real.log", Sandbox.logText(bytes: 5000))
        try FileManager.default.createSymbolicLink(atPath: sandbox.path("link.log"), withDestinationPath: sandbox.path("real.log"))
        try FileManager.default.createSymbolicLink(atPath: sandbox.path("outside.log"), withDestinationPath: "/etc/hostname")
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["rotate", name, "--threshold", "1k"], in: sandbox)
        #expect(result.status == 64)
        #expect(result.errorOutput.contains(message), "\(result.errorOutput)")
        #expect(try sandbox.snapshot() == before)
    }

    /// A log reached through a symlink in its folder is rotated where its bytes are, and archived
    /// under the link's name (so an issue's link is archived with the issue).
    @Test func aSymlinkedLogInsideItsFolderIsRotatedThroughTheLink() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/agents/agent-7.log", Sandbox.logText(bytes: 5000))
        try FileManager.default.createSymbolicLink(
            atPath: sandbox.path("logs/debug/123-agent.log"), withDestinationPath: "agents/agent-7.log")
        let original = try sandbox.read("logs/debug/agents/agent-7.log")
        let result = try LogArchiveBinary.run(["rotate", "logs/debug/123-agent.log", "--threshold", "1k"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(try sandbox.read("logs/debug/agents/agent-7.log").isEmpty, "the target is truncated")
        let pieces = try FileManager.default.contentsOfDirectory(atPath: sandbox.path("logs/debug")).filter { $0.hasSuffix("_123-agent.log.gz") }
        try #require(pieces.count == 1)
        let restored = try sandbox.shell("gzip -dc logs/debug/\(pieces[0])").requireSuccess().output
        #expect(Data(restored.utf8) == original)
    }

    @Test func aFullDiskLeavesTheLogUntouchedAndNoArchive() throws {
        let sandbox = try Sandbox()
        // Random bytes do not compress: the archive outgrows the 256 KiB file-size limit.
        try sandbox.write("app.log", Sandbox.randomBytes(2_000_000))
        let before = try sandbox.snapshot()
        let result = try CommandRunner.run(
            "/bin/bash", ["-c", "ulimit -f 256; exec \"$0\" rotate app.log --threshold 1k", LogArchiveBinary.path], in: sandbox.root,
            environment: LogArchiveBinary.environment())
        #expect(result.status == 1, "\(result.output) \(result.errorOutput)")
        #expect(result.errorOutput.contains("File too large"))
        #expect(result.errorOutput.contains("left as it was"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test func bytesAppendedPastTheLockGoIntoTheArchiveBeforeTheTruncation() throws {
        let sandbox = try Sandbox()
        let original = Sandbox.logText(bytes: 200_000)
        try sandbox.write("app.log", original)
        // A writer that ignores the lock appends at the worst moment: after the archive is
        // complete and named, just before the truncation.
        let result = try LogArchiveBinary.run(
            ["rotate", "app.log", "--threshold", "1k", "--json"], in: sandbox,
            environment: [
                "LOGARCHIVE_FAULT_POINT": "rotate-before-truncate",
                "LOGARCHIVE_FAULT_ACTION": "exec:printf 'late line\\n' >> '\(sandbox.path("app.log"))'",
            ])
        #expect(result.status == 0, "\(result.errorOutput)")
        let event = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] ?? [:]
        #expect(event["late_members"] as? Int == 1)
        let archive = try #require(try Self.archives(in: sandbox).first)
        try sandbox.shell("gzip -t '\(archive)'").requireSuccess()
        #expect(try sandbox.shell("zcat '\(archive)'").output == original + "late line\n")
        #expect(try FileStatus.of(sandbox.path("app.log")).size == 0)
    }

    @Test func killedBeforeTheTruncationTheLogIsWholeAndTheArchiveComplete() throws {
        let sandbox = try Sandbox()
        let original = Sandbox.logText(bytes: 200_000)
        try sandbox.write("app.log", original)
        let result = try LogArchiveBinary.run(
            ["rotate", "app.log", "--threshold", "1k"], in: sandbox, environment: ["LOGARCHIVE_FAULT_POINT": "rotate-before-truncate"])
        #expect(result.status == 137 || result.status == 9, "\(result.status)")
        #expect(String(decoding: try sandbox.read("app.log"), as: UTF8.self) == original)
        let archive = try #require(try Self.archives(in: sandbox).first)
        #expect(try sandbox.shell("zcat '\(archive)'").output == original)
    }

    /// The next run after that kill finds the record the rotation left: the archived bytes are not
    /// archived again, only what was appended since, and the log is then truncated.
    @Test(arguments: [false, true])
    func theRunAfterAKillBeforeTheTruncationNeitherDuplicatesNorLoses(_ appendAfterTheKill: Bool) throws {
        let sandbox = try Sandbox()
        let original = Sandbox.logText(bytes: 200_000)
        try sandbox.write("app.log", original)
        let killed = try LogArchiveBinary.run(
            ["rotate", "app.log", "--threshold", "1k"], in: sandbox, environment: ["LOGARCHIVE_FAULT_POINT": "rotate-before-truncate"])
        #expect(killed.status == 137 || killed.status == 9, "\(killed.status)")
        let appended = appendAfterTheKill ? "written after the kill\n" : ""
        if appendAfterTheKill { try sandbox.shell("printf 'written after the kill\\n' >> app.log").requireSuccess() }

        // Even under the threshold, the interrupted rotation is finished.
        let again = try LogArchiveBinary.run(["rotate", "app.log", "--threshold", "10MB", "--json"], in: sandbox)
        #expect(again.status == 0, "\(again.errorOutput)")
        #expect(again.output.contains("log-archived"))
        let archives = try Self.archives(in: sandbox)
        #expect(archives.count == (appendAfterTheKill ? 2 : 1))
        let together = try archives.map { try sandbox.shell("zcat '\($0)'").output }.joined()
        #expect(together == original + appended)
        #expect(try FileStatus.of(sandbox.path("app.log")).size == 0)
        #expect(!sandbox.exists(".app.log.rotation.json"))
        // And the run after that is an ordinary one.
        let third = try LogArchiveBinary.run(["rotate", "app.log", "--threshold", "1k"], in: sandbox)
        #expect(third.output.contains("nothing to do"))
    }

    @Test func killedMidCompressionTheLogIsWholeAndNoArchiveIsNamed() throws {
        let sandbox = try Sandbox()
        let original = Sandbox.logText(bytes: 3_000_000)
        try sandbox.write("app.log", original)
        let result = try LogArchiveBinary.run(
            ["rotate", "app.log", "--threshold", "1k"], in: sandbox,
            environment: ["LOGARCHIVE_FAULT_POINT": "rotate-mid-compress", "LOGARCHIVE_FAULT_SKIP": "1"])
        #expect(result.status == 137 || result.status == 9, "\(result.status)")
        #expect(String(decoding: try sandbox.read("app.log"), as: UTF8.self) == original)
        #expect(try Self.archives(in: sandbox).isEmpty)
        // The next run archives it all.
        let again = try LogArchiveBinary.run(["rotate", "app.log", "--threshold", "1k"], in: sandbox)
        #expect(again.status == 0, "\(again.errorOutput)")
        let archive = try #require(try Self.archives(in: sandbox).first)
        #expect(try sandbox.shell("zcat '\(archive)'").output == original)
    }

    /// The proof of the no-loss promise on a small scale (the benchmark script repeats it on 1 GB):
    /// a writer appends numbered lines while the log is rotated again and again; the archives
    /// followed by what is left in the file hold every number once, in order.
    @Test func noLineIsLostWhileAWriterAppends() throws {
        let sandbox = try Sandbox()
        let writer = try BackgroundProcess(
            "python3", [Repository.root + "/scripts/append_writer.py", "app.log", "--rate", "40000", "--ready", "ready"],
            in: sandbox.root, environment: LogArchiveBinary.environment(), outputPath: sandbox.path("written.txt"))
        #expect(writer.waitForOutput(seconds: 10) { _ in sandbox.exists("ready") })
        var rotations = 0
        for _ in 0..<40 where rotations < 8 {
            let result = try LogArchiveBinary.run(["rotate", "app.log", "--threshold", "64k"], in: sandbox)
            #expect(result.status == 0, "\(result.errorOutput)")
            if result.output.contains("log-archived") { rotations += 1 }
            usleep(50_000)
        }
        writer.signal(SIGTERM)
        #expect(writer.waitForExit(seconds: 10) == 0)
        let written = writer.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(written) ?? 0 > 0)
        #expect(rotations >= 4)
        let archives = try Self.archives(in: sandbox).map { "'\($0)'" }.joined(separator: " ")
        let check = try sandbox.shell("python3 '\(Repository.root)/scripts/check_sequence.py' \(written) app.log \(archives)")
        #expect(check.status == 0, "\(check.output)")
    }

    @Test func watchRotatesAFileThatCrossesTheThresholdAndStopsOnSIGTERM() throws {
        let sandbox = try Sandbox()
        try FileManager.default.createDirectory(atPath: sandbox.path("watched"), withIntermediateDirectories: true)
        try sandbox.write("watched/small.log", "small\n")
        let watch = try BackgroundProcess(
            LogArchiveBinary.path, ["watch", "watched", "--interval", "100ms", "--threshold", "100k", "--json", "--archive-dir", "old"],
            in: sandbox.root, environment: LogArchiveBinary.environment(), outputPath: sandbox.path("events.txt"))
        usleep(300_000)
        let content = Sandbox.logText(bytes: 400_000)
        try sandbox.write("watched/agent.log", content)
        #expect(watch.waitForOutput(seconds: 20) { $0.contains("log-archived") }, "\(watch.output)")
        let line = try #require(watch.output.split(separator: "\n").first { $0.contains("log-archived") })
        let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
        #expect(event["file"] as? String == sandbox.path("watched/agent.log"))
        let archive = try #require(event["archive"] as? String)
        #expect(try sandbox.shell("zcat '\(archive)'").output == content)
        #expect(try FileStatus.of(sandbox.path("watched/small.log")).size == 6)
        watch.signal(SIGTERM)
        #expect(watch.waitForExit(seconds: 10) == 0)
    }

    @Test func watchStoppedMidRotationLeavesNoPartialArchive() throws {
        let sandbox = try Sandbox()
        try FileManager.default.createDirectory(atPath: sandbox.path("watched"), withIntermediateDirectories: true)
        let content = Sandbox.logText(bytes: 3_000_000)
        try sandbox.write("watched/agent.log", content)
        // The rotation pauses inside its compression; SIGINT arrives while it is there.
        let watch = try BackgroundProcess(
            LogArchiveBinary.path, ["watch", "watched", "--interval", "100ms", "--threshold", "100k"], in: sandbox.root,
            environment: LogArchiveBinary.environment([
                "LOGARCHIVE_FAULT_POINT": "rotate-mid-compress",
                "LOGARCHIVE_FAULT_ACTION": "exec:touch '\(sandbox.path("compressing"))'; sleep 2",
            ]), outputPath: sandbox.path("events.txt"))
        #expect(watch.waitForOutput(seconds: 20) { _ in sandbox.exists("compressing") })
        watch.signal(SIGINT)
        #expect(watch.waitForExit(seconds: 20) == 0, "\(watch.output)")
        #expect(!watch.output.contains("log-archived"))
        #expect(String(decoding: try sandbox.read("watched/agent.log"), as: UTF8.self) == content)
        #expect(try Self.archives(in: sandbox, folder: "watched").isEmpty)
        #expect(try Self.hiddenLeftovers(in: sandbox, folder: "watched").isEmpty)
    }
}
