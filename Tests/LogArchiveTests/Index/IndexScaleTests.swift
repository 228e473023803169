import Foundation
import LogArchive
import Testing

/// The index at scale: entries sharded by issue range, a single-file index migrated crash-safely,
/// one issue's reads and writes confined to its files, and every file kept readable by jq.
@Suite struct IndexScaleTests {
    /// An entry of `logs` uploaded logs, as a history generator would write it.
    static func entry(_ issue: Int64, logs: Int = 2) -> ArchiveEntry {
        let records = (0..<logs).map { position in
            ArchivedLog(
                type: .build, filename: "\(issue)-build-\(position).log", localPath: "logs/builds/\(issue)-build-\(position).log",
                remotePath: "archive/logs/2025/01/\(issue)/\(issue)-build-\(position).log", sizeBytes: 100, originalSizeBytes: 100,
                compressed: false, checksum: "sha256:" + String(repeating: "ab", count: 32), created: "2025-01-15T09:00:00Z",
                archived: "2025-01-15T14:00:00Z", uploadStatus: .uploaded, uploadAttempt: 1)
        }
        return ArchiveEntry(
            issueNumber: IssueNumber(exactly: issue)!, archivedAt: "2025-01-15T14:00:00Z", archiveReason: .issueClosed, logs: records)
    }

    /// A single-file index, the layout before sharding, of `issues`, with a field another tool added.
    static func writeSingleFileIndex(_ issues: [Int64], in sandbox: Sandbox) throws {
        var index = ArchiveIndex(archives: issues.map { entry($0) }, lastUpdated: "2025-01-15T14:00:00Z")
        index.unknownFields["x_team"] = .string("kept")
        try sandbox.write("logs/.archive-index.json", Data(index.fileBytes))
    }

    /// Every issue number in the root and the shards, once per file that holds it, through jq.
    static func issuesFoundByJq(in sandbox: Sandbox) throws -> [String] {
        let output = try sandbox.shell(
            "jq -r '.archives[].issue_number' logs/.archive-index.json $(ls logs/.archive-index/*.json 2>/dev/null)"
        ).requireSuccess().output
        return output.split(separator: "\n").map(String.init)
    }

    @Test func aSingleFileIndexMigratesOnTheFirstWriteKeepingEveryEntry() throws {
        let sandbox = try Sandbox()
        let history = Array(Int64(1)...350)
        try Self.writeSingleFileIndex(history, in: sandbox)
        // Readers accept the old layout before any write.
        let before = try LogArchiveBinary.run(["status", "42"], in: sandbox)
        #expect(before.status == 0 && before.output.contains("Issue #42"), "\(before.errorOutput)")

        try sandbox.write("logs/debug/777-run.log", "ran\n")
        try LogArchiveBinary.run(["777", "--no-commit"], in: sandbox).requireSuccess()

        let root = try JSONSerialization.jsonObject(with: sandbox.read("logs/.archive-index.json")) as? [String: Any] ?? [:]
        #expect((root["archives"] as? [Any])?.isEmpty == true)
        #expect(root["x_team"] as? String == "kept")
        #expect(
            try sandbox.indexFiles() == (Array(stride(from: 0, through: 350, by: 25)) + [775]).map { first in
                "logs/.archive-index/issues-\(String(format: "%06d", first))-\(String(format: "%06d", first + 24)).json"
            })
        let found = try Self.issuesFoundByJq(in: sandbox)
        #expect(found.count == history.count + 1)
        #expect(Set(found) == Set((history + [777]).map(String.init)))
        for file in try sandbox.indexFiles() {
            try sandbox.shell("test $(stat -c %s '\(file)') -lt 16000000").requireSuccess()
        }
        let status = try LogArchiveBinary.run(["status"], in: sandbox).requireSuccess()
        #expect(status.output.contains("351 issues"))
    }

    /// A kill at each index write of the migration (each shard, then the root), before and after
    /// its rename: every issue stays findable, and the next run finishes the migration.
    @Test(arguments: ["index-after-tmp-write", "index-after-rename"], [0, 1, 2, 3])
    func aMigrationKilledAtAnyWriteLosesNothingAndTheNextRunFinishesIt(point: String, skip: Int) throws {
        let sandbox = try Sandbox()
        let history = Array(Int64(1)...250)  // three shards, then the root
        try Self.writeSingleFileIndex(history, in: sandbox)
        try sandbox.write("logs/debug/42-late.log", "late\n")
        // A run with logs: one without writes no index at all, so it would never migrate.
        try sandbox.write("logs/debug/420-first.log", "first\n")
        let killed = try LogArchiveBinary.run(
            ["420", "--no-commit"], in: sandbox,
            environment: ["LOGARCHIVE_FAULT_POINT": point, "LOGARCHIVE_FAULT_ACTION": "kill", "LOGARCHIVE_FAULT_SKIP": String(skip)])
        #expect(killed.status == SIGKILL, "\(killed.output) \(killed.errorOutput)")
        #expect(Set(try Self.issuesFoundByJq(in: sandbox)) == Set(history.map(String.init)))
        for issue in [1, 99, 100, 250] {
            let status = try LogArchiveBinary.run(["status", "\(issue)"], in: sandbox)
            #expect(status.status == 0, "#\(issue) after a kill at \(point) \(skip): \(status.errorOutput)")
        }

        try sandbox.write("logs/debug/420-run.log", "ran\n")
        try LogArchiveBinary.run(["420", "--no-commit"], in: sandbox).requireSuccess()
        let found = try Self.issuesFoundByJq(in: sandbox)
        #expect(found.count == history.count + 1, "an entry is in two files")
        #expect(Set(found) == Set((history + [420]).map(String.init)))
        #expect(try sandbox.entry("17")?["logs"] as? [[String: Any]] != nil)
    }

    @Test func issuesAtShardBoundariesLandInTheirRange() throws {
        let sandbox = try Sandbox()
        for issue in [99, 100, 124, 125] {
            try sandbox.write("logs/debug/\(issue)-x.log", "x\n")
            try LogArchiveBinary.run(["\(issue)", "--no-commit"], in: sandbox).requireSuccess()
        }
        func issues(_ file: String) throws -> [String] {
            let index = try JSONSerialization.jsonObject(with: sandbox.read("logs/.archive-index/" + file)) as? [String: Any] ?? [:]
            return (index["archives"] as? [[String: Any]] ?? []).compactMap { $0["issue_number"] as? String }
        }
        #expect(try issues("issues-000075-000099.json") == ["99"])
        #expect(try issues("issues-000100-000124.json") == ["124", "100"])
        #expect(try issues("issues-000125-000149.json") == ["125"])
    }

    @Test func aShardOfTheFirstLayoutKeepsItsHundredNumbers() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/150-x.log", "log of 150\n")
        try LogArchiveBinary.run(["150", "--no-commit"], in: sandbox).requireSuccess()
        // As the first sharded versions left it: one file for the numbers 100 to 199.
        let legacy = "logs/.archive-index/issues-000100-000199.json"
        try FileManager.default.moveItem(atPath: sandbox.path("logs/.archive-index/issues-000150-000174.json"), toPath: sandbox.path(legacy))
        for issue in [120, 160, 200] {
            try sandbox.write("logs/debug/\(issue)-x.log", "log of \(issue)\n")
            try LogArchiveBinary.run(["\(issue)", "--no-commit"], in: sandbox).requireSuccess()
        }
        #expect(try sandbox.indexFiles() == [legacy, "logs/.archive-index/issues-000200-000224.json"])
        #expect(try Self.issuesFoundByJq(in: sandbox).sorted() == ["120", "150", "160", "200"])
        let status = try LogArchiveBinary.run(["status", "150"], in: sandbox)
        #expect(status.status == 0 && status.output.contains("Issue #150"), "\(status.errorOutput)")
        let again = try LogArchiveBinary.run(["160", "--no-commit"], in: sandbox)
        #expect(again.status == 0 && again.output.contains("already archived"), "\(again.output)")
    }

    @Test func aCorruptShardIsRefusedNamingItAndOtherIssuesStayReadable() throws {
        let sandbox = try Sandbox()
        for issue in [42, 150] {
            try sandbox.write("logs/debug/\(issue)-x.log", "log of \(issue)\n")
            try LogArchiveBinary.run(["\(issue)", "--no-commit"], in: sandbox).requireSuccess()
        }
        let shard = "logs/.archive-index/issues-000150-000174.json"
        try sandbox.write(shard, "{\"archives\": [ truncated")
        try sandbox.write("logs/debug/151-x.log", "log of 151\n")

        let refused = try HostileInputTests.expectRefused(["151", "--no-commit"], in: sandbox, status: 1, mentioning: sandbox.path(shard))
        #expect(refused.errorOutput.contains(sandbox.path(shard) + ".backup"))
        #expect(try sandbox.read(shard) == Data("{\"archives\": [ truncated".utf8))

        // Issue 42 lives in another shard: status and read still work.
        let status = try LogArchiveBinary.run(["status", "42"], in: sandbox)
        #expect(status.status == 0 && status.output.contains("Issue #42"), "\(status.errorOutput)")
        let read = try LogArchiveBinary.run(["read", "42"], in: sandbox)
        #expect(read.status == 0 && read.output.contains("log of 42"), "\(read.errorOutput)")
        // The whole view shows what it can, names the broken file, and fails.
        let all = try LogArchiveBinary.run(["status"], in: sandbox)
        #expect(all.status == 1)
        #expect(all.output.contains("#42"))
        #expect(all.errorOutput.contains(sandbox.path(shard)))
    }

    @Test func aMissingShardLosesOnlyItsRangeAndArchivingGoesOn() throws {
        let sandbox = try Sandbox()
        for issue in [42, 150] {
            try sandbox.write("logs/debug/\(issue)-x.log", "log of \(issue)\n")
            try LogArchiveBinary.run(["\(issue)", "--no-commit"], in: sandbox).requireSuccess()
        }
        try FileManager.default.removeItem(atPath: sandbox.path("logs/.archive-index/issues-000150-000174.json"))
        let missing = try LogArchiveBinary.run(["status", "150"], in: sandbox)
        #expect(missing.status == 1 && missing.errorOutput.contains("not in the archive index"))
        try LogArchiveBinary.run(["status", "42"], in: sandbox).requireSuccess()
        try sandbox.write("logs/debug/160-x.log", "log of 160\n")
        try LogArchiveBinary.run(["160", "--no-commit"], in: sandbox).requireSuccess()
        #expect(Set(try Self.issuesFoundByJq(in: sandbox)) == ["42", "160"])
    }

    @Test func aShardWrittenByHandKeepsItsUnknownFields() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/.archive-index.json", "{\"schema_version\": \"1.0\", \"archives\": []}\n")
        try sandbox.write(
            "logs/.archive-index/issues-000000-000099.json",
            """
            {"schema_version": "1.0", "x_shard": {"owner": "ops"}, "archives": [{"issue_number": "7", "x_entry": true,
              "logs": [{"type": "build", "filename": "7-build.log", "x_log": 1}]}]}
            """)
        try sandbox.write("logs/debug/8-x.log", "x\n")
        try LogArchiveBinary.run(["8", "--no-commit"], in: sandbox).requireSuccess()
        let shard = try JSONSerialization.jsonObject(with: sandbox.read("logs/.archive-index/issues-000000-000099.json")) as? [String: Any] ?? [:]
        #expect((shard["x_shard"] as? [String: Any])?["owner"] as? String == "ops")
        let archives = shard["archives"] as? [[String: Any]] ?? []
        #expect(archives.compactMap { $0["issue_number"] as? String } == ["8", "7"])
        let seven = try #require(archives.last)
        #expect(seven["x_entry"] as? Bool == true)
        #expect(((seven["logs"] as? [[String: Any]])?.first?["x_log"] as? Int) == 1)
    }

    /// An issue of hundreds of logs gets a file of its own, so a shard full of such issues still fits.
    @Test func anIssueTooLargeToShareAShardGetsItsOwnFile() throws {
        let sandbox = try Sandbox()
        for position in 0..<260 {
            try sandbox.write("logs/sessions/session-305-\(position).md", "session note \(position)\n")
        }
        try sandbox.write("logs/debug/301-x.log", "x\n")
        try LogArchiveBinary.run(["301", "--no-commit"], in: sandbox).requireSuccess()
        try LogArchiveBinary.run(["305", "--no-commit"], in: sandbox).requireSuccess()
        #expect(try sandbox.indexFiles() == ["logs/.archive-index/issue-305.json", "logs/.archive-index/issues-000300-000324.json"])
        #expect(try sandbox.entry("305")?["total_logs"] as? Int == 260)
        #expect(Set(try Self.issuesFoundByJq(in: sandbox)) == ["301", "305"])
        try LogArchiveBinary.run(["read", "305", "--file", "session-305-7.md", "--raw"], in: sandbox).requireSuccess()
    }

    @Test func sixteenConcurrentRunsAcrossShardsLoseNoEntry() async throws {
        let sandbox = try Sandbox()
        let issues = (0..<16).map { 50 + $0 * 50 }  // two issues in each of eight shards
        for issue in issues {
            try sandbox.write("logs/builds/\(issue)-build.log", "build \(issue)\n")
        }
        let results = try await withThrowingTaskGroup(of: CommandResult.self) { group in
            for issue in issues {
                group.addTask { try LogArchiveBinary.run(["\(issue)", "--no-commit"], in: sandbox) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for result in results { #expect(result.status == 0, "\(result.errorOutput)") }
        let found = try Self.issuesFoundByJq(in: sandbox)
        #expect(found.sorted() == issues.map(String.init).sorted())
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: sandbox.path("logs/.archive-index")).filter { !$0.hasSuffix(".json") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
