import Foundation
import LogArchive
import Testing

/// `logarchive status` and `logarchive cleanup`, run as a user runs them, on real trees.
@Suite struct StatusCleanupTests {
    static func json(_ result: CommandResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    }

    // MARK: status

    @Test func statusOfAnEmptyOrMissingIndexIsAFriendlyMessage() throws {
        let sandbox = try Sandbox()
        let result = try LogArchiveBinary.run(["status"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("nothing has been archived"))
        let json = try Self.json(try LogArchiveBinary.run(["status", "--json"], in: sandbox))
        #expect((json["complete"] as? [Any])?.isEmpty == true)
        #expect((json["totals"] as? [String: Any])?["issues"] as? Int == 0)
    }

    @Test func statusOfACorruptIndexIsTheIndexErrorAndExit1() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/.archive-index.json", "{ not json")
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["status"], in: sandbox)
        #expect(result.status == 1)
        #expect(result.errorOutput.contains(sandbox.indexPath))
        #expect(result.errorOutput.contains("left untouched"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test func statusOfACompleteArchiveShowsItsTableTotalsAndDetail() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()
        let before = try sandbox.snapshot()

        let result = try LogArchiveBinary.run(["status"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("✓ 1 complete archive"))
        #expect(result.output.contains("#123"))
        #expect(!result.output.contains("partial"))
        #expect(result.output.contains("Totals: 1 issue, 4 logs"))
        #expect(!result.output.contains("\u{1B}["), "no colour when stdout is not a terminal")

        let detail = try LogArchiveBinary.run(["status", "123"], in: sandbox)
        #expect(detail.status == 0)
        #expect(detail.output.contains("✓ complete, 4 of 4 logs in the store"))
        for name in ["123-build.log", "123-staging.log", "123-trace.log", "session-123-2025-01-15.md"] {
            #expect(detail.output.contains(name))
        }
        #expect(detail.output.contains("→ archive/logs/"))
        #expect(detail.output.contains("123-build.log.gz"))

        let missing = try LogArchiveBinary.run(["status", "999"], in: sandbox)
        #expect(missing.status == 1)
        #expect(missing.errorOutput.contains("issue #999 is not in the archive index"))
        #expect(try LogArchiveBinary.run(["status", "12a"], in: sandbox).status == 64)
        #expect(try sandbox.snapshot() == before, "status changes nothing")
    }

    @Test func statusJSONTotalsAgreeWithTheIndex() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.write("logs/builds/77-build.log", Sandbox.logText(bytes: 2_000_000, seed: 7))
        try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()
        try LogArchiveBinary.run(["77", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()

        let json = try Self.json(try LogArchiveBinary.run(["status", "--json"], in: sandbox))
        let archives = try #require(try sandbox.index()["archives"] as? [[String: Any]])
        let logs = archives.flatMap { $0["logs"] as? [[String: Any]] ?? [] }
        let stored = logs.reduce(0) { $0 + ($1["size_bytes"] as? Int ?? 0) }
        let original = logs.reduce(0) { $0 + ($1["original_size_bytes"] as? Int ?? 0) }
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(totals["issues"] as? Int == 2)
        #expect(totals["logs"] as? Int == logs.count)
        #expect(totals["stored_bytes"] as? Int == stored)
        #expect(totals["original_bytes"] as? Int == original)
        #expect(totals["saved_bytes"] as? Int == original - stored)
        let ratio = try #require(totals["compression_ratio"] as? Double)
        #expect(abs(ratio - Double(stored) / Double(original)) < 0.006)
        let complete = try #require(json["complete"] as? [[String: Any]])
        #expect(complete.map { $0["issue_number"] as? String } == ["123", "77"])
        #expect((json["partial"] as? [Any])?.isEmpty == true)

        let detail = try Self.json(try LogArchiveBinary.run(["status", "77", "--json"], in: sandbox))
        #expect(detail["state"] as? String == "complete")
        #expect(((detail["entry"] as? [String: Any])?["logs"] as? [Any])?.count == 1)
    }

    @Test func statusListsAPartialArchiveFirstWithItsFailedFileAndRetryCommand() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.write("logs/builds/77-build.log", "built\n")
        try LogArchiveBinary.run(["77", "--store", "s3://\(bucket)/p", "--no-commit"], in: sandbox, environment: server.environment())
            .requireSuccess()
        let proxy = try FaultProxy(["--fail-path", "123-staging.log", "--modes", "500"], logPath: sandbox.path("proxy.log"))
        let archive = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)/p", "--no-commit"], in: sandbox, environment: server.environment(through: proxy.endpoint))
        #expect(archive.status == 3, "\(archive.output) \(archive.errorOutput)")

        let result = try LogArchiveBinary.run(["status", "--store", "s3://\(bucket)/p"], in: sandbox, environment: server.environment())
        #expect(result.status == 0, "\(result.errorOutput)")
        let output = result.output
        let partial = try #require(output.range(of: "⚠ 1 partial archive"))
        let complete = try #require(output.range(of: "✓ 1 complete archive"))
        #expect(partial.lowerBound < complete.lowerBound, "partial archives come first:\n\(output)")
        #expect(output.contains("logs/deployments/123-staging.log"))
        #expect(output.contains("✗ failed"))
        #expect(output.contains("HTTP 500"))
        #expect(output.contains("Retry with: logarchive 123 --retry --store s3://\(bucket)/p"))
        #expect(output.contains("3 of 4 logs in the store"))

        let json = try Self.json(
            try LogArchiveBinary.run(["status", "--json", "--store", "s3://\(bucket)/p"], in: sandbox, environment: server.environment()))
        let partials = try #require(json["partial"] as? [[String: Any]])
        #expect(partials.count == 1)
        #expect(partials.first?["issue_number"] as? String == "123")
        #expect(partials.first?["retry_command"] as? String == "logarchive 123 --retry --store s3://\(bucket)/p")
        let failed = try #require(partials.first?["failed_logs"] as? [[String: Any]])
        #expect(failed.map { $0["filename"] as? String } == ["123-staging.log"])
        #expect(failed.first?["upload_status"] as? String == "failed")
        #expect((failed.first?["last_error"] as? String)?.contains("HTTP 500") == true)
        #expect((json["complete"] as? [[String: Any]])?.map { $0["issue_number"] as? String } == ["77"])
        // Bytes count only what the store holds: the failed file is not in them.
        let logs = try #require(try sandbox.index()["archives"] as? [[String: Any]]).flatMap { $0["logs"] as? [[String: Any]] ?? [] }
        let uploaded = logs.filter { $0["upload_status"] as? String == "uploaded" }
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(totals["logs"] as? Int == logs.count)
        #expect(totals["uploaded_logs"] as? Int == uploaded.count)
        #expect(totals["stored_bytes"] as? Int == uploaded.reduce(0) { $0 + ($1["size_bytes"] as? Int ?? 0) })

        let detail = try LogArchiveBinary.run(["status", "123"], in: sandbox)
        #expect(detail.output.contains("⚠ partial, 3 of 4 logs in the store"))
        // The issue's own view counts only what the store holds, as the totals do.
        #expect(detail.output.contains("not counting the 1 log not in the store"), "\(detail.output)")
        #expect(detail.output.contains("✗ upload archive/logs/"))
        #expect(detail.output.contains("Retry with: logarchive 123 --retry"))
    }
}

extension StatusCleanupTests {
    /// Orphans of every kind, old and young, beside a real archive of issue 123.
    static func projectWithOrphans() throws -> Sandbox {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()
        try sandbox.write("logs/builds/99-build.log.gz", "old orphan\n")
        try sandbox.write("logs/builds/98-build.log.gz", "young orphan\n")
        try sandbox.write("logs/builds/20250101T000000.000Z_agent.log.gz", "a rotation archive\n")
        try sandbox.write("logs/debug/1234-trace.log", "an unarchived log\n")
        try sandbox.write("logs/debug/1234-trace.log.gz", "its compressed copy\n")
        try sandbox.write("logs/debug/old.tmp", "old\n")
        try sandbox.write("logs/debug/young.tmp", "young\n")
        // A pid that existed and is gone: a shell that has exited.
        let deadPID = try sandbox.shell("sh -c 'echo $$'").output.trimmingCharacters(in: .whitespacesAndNewlines)
        try sandbox.write("logs/stale.lock", deadPID + "\n")
        try sandbox.write("logs/held.lock", deadPID + "\n")
        try sandbox.shell(
            "touch -d '10 days ago' logs/builds/99-build.log.gz logs/builds/20250101T000000.000Z_agent.log.gz logs/debug/1234-trace.log logs/debug/1234-trace.log.gz logs/debug/old.tmp logs/stale.lock logs/held.lock && touch -d '3 days ago' logs/builds/98-build.log.gz"
        ).requireSuccess()
        return sandbox
    }

    /// Takes an flock on `path` in this test process (another process than the cleanup's); returns
    /// the descriptor, whose closing releases it.
    static func holdLock(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { throw TestFailure("cannot lock \(path)") }
        return descriptor
    }

    @Test func cleanupRemovesExactlyTheOrphansAndRecordsAnEvent() throws {
        let sandbox = try Self.projectWithOrphans()
        let holder = try Self.holdLock(sandbox.path("logs/held.lock"))
        defer { close(holder) }

        let before = try sandbox.snapshot()
        let dryRun = try LogArchiveBinary.run(["cleanup", "--dry-run"], in: sandbox)
        #expect(dryRun.status == 0, "\(dryRun.errorOutput)")
        #expect(dryRun.output.contains("Dry run: nothing was changed. Would remove 3 files"))
        #expect(try sandbox.snapshot() == before, "--dry-run changes nothing")
        let plan = try Self.json(try LogArchiveBinary.run(["cleanup", "--dry-run", "--json"], in: sandbox))
        let planned = (plan["would_remove"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(Set(planned) == Set(["logs/builds/99-build.log.gz", "logs/debug/old.tmp", "logs/stale.lock"].map(sandbox.path)))
        #expect(try sandbox.snapshot() == before)

        let result = try LogArchiveBinary.run(["cleanup"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("Removed 3 files"))
        #expect(result.output.contains("orphan_gz: not in the index, 10 days old"))
        #expect(result.output.contains("stale_lock"))
        for gone in ["logs/builds/99-build.log.gz", "logs/debug/old.tmp", "logs/stale.lock"] {
            #expect(!sandbox.exists(gone), "\(gone) should be removed")
        }
        for kept in [
            "logs/builds/98-build.log.gz", "logs/builds/20250101T000000.000Z_agent.log.gz", "logs/debug/1234-trace.log",
            "logs/debug/1234-trace.log.gz", "logs/debug/young.tmp", "logs/held.lock", "logs/builds/1234-build.log",
        ] {
            #expect(sandbox.exists(kept), "\(kept) should be kept")
        }
        #expect(result.output.contains("held by a running process"))

        let events = try #require(try sandbox.index()["cleanup_events"] as? [[String: Any]])
        #expect(events.count == 1)
        #expect(events.first?["removed"] as? Int == 3)
        #expect(events.first?["freed_bytes"] as? Int == "old orphan\n".utf8.count + "old\n".utf8.count + (try sandbox.read("logs/held.lock").count))
        #expect(Set(events.first?["files"] as? [String] ?? []) == ["logs/builds/99-build.log.gz", "logs/debug/old.tmp", "logs/stale.lock"])
        #expect(try sandbox.entry("123") != nil, "the archive entry is kept")

        // Nothing left to do: no second event.
        let again = try LogArchiveBinary.run(["cleanup"], in: sandbox)
        #expect(again.output.contains("Nothing to clean up"))
        #expect((try sandbox.index()["cleanup_events"] as? [Any])?.count == 1)
    }

    @Test func cleanupOfACorruptIndexRemovesNothing() throws {
        let sandbox = try Self.projectWithOrphans()
        try sandbox.write("logs/.archive-index.json", "{ broken")
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["cleanup"], in: sandbox)
        #expect(result.status == 1)
        #expect(result.errorOutput.contains("left untouched"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test func cleanupReadsOnlyTheShardsOfTheIssuesItsFilesNameOrTheWholeIndexForAnUnnamedArchive() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/123-trace.log", "trace\n")
        try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()
        try sandbox.write("logs/debug/123-trace.log", "trace\n")
        try sandbox.shell("touch -d '40 days ago' logs/debug/123-trace.log").requireSuccess()
        // A shard of another range is broken: a cleanup of issue 123's files never needs it.
        try sandbox.write("logs/.archive-index/issues-000500-000599.json", "{ broken")
        let pruned = try LogArchiveBinary.run(["cleanup", "--older-than", "30"], in: sandbox)
        #expect(pruned.status == 0, "\(pruned.errorOutput)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("logs/debug/123-trace.log")))

        // A week-old .gz whose name names no issue could be claimed by any entry: the whole
        // index must be read, and the broken shard stops the cleanup before anything goes.
        try sandbox.write("logs/debug/renamed-by-hand.gz", "x")
        try sandbox.shell("touch -d '10 days ago' logs/debug/renamed-by-hand.gz").requireSuccess()
        let before = try sandbox.snapshot()
        let refused = try LogArchiveBinary.run(["cleanup", "--orphans"], in: sandbox)
        #expect(refused.status == 1)
        #expect(refused.errorOutput.contains("issues-000500-000599.json"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test func olderThanRemovesOnlyLogsTheStoreHoldsVerified() throws {
        let sandbox = try Sandbox()
        let compressed = Sandbox.logText(bytes: 1_500_000)
        try sandbox.write("logs/builds/123-build.log", compressed)
        try sandbox.write("logs/deployments/123-staging.log", "deployed\n")
        try sandbox.write("logs/debug/123-trace.log", "trace\n")
        try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()
        // The local copies come back (a restore, a second checkout): the archive still holds them.
        try sandbox.write("logs/builds/123-build.log", compressed)
        try sandbox.write("logs/deployments/123-staging.log", "deployed\n")
        try sandbox.write("logs/debug/123-trace.log", "trace\n")
        try sandbox.write("logs/debug/555-trace.log", "never archived\n")
        try sandbox.shell("touch -d '40 days ago' logs/builds/*.log logs/deployments/*.log logs/debug/*.log").requireSuccess()
        // The stored copy of one log is corrupted, another's is deleted.
        let logs = try #require(try sandbox.entry("123")?["logs"] as? [[String: Any]])
        func remote(_ name: String) throws -> String {
            sandbox.storeRoot + "/" + (try #require(logs.first { $0["filename"] as? String == name }?["remote_path"] as? String))
        }
        try Data("deployed!\n".utf8).write(to: URL(fileURLWithPath: try remote("123-staging.log")))
        try FileManager.default.removeItem(atPath: try remote("123-trace.log"))

        let before = try sandbox.snapshot()
        let young = try LogArchiveBinary.run(["cleanup", "--older-than", "60"], in: sandbox)
        #expect(young.status == 0)
        #expect(young.output.contains("Nothing to clean up"))
        #expect(try sandbox.snapshot() == before, "nothing is older than 60 days")

        let result = try LogArchiveBinary.run(["cleanup", "--older-than", "30"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(!sandbox.exists("logs/builds/123-build.log"), "archived, verified, unchanged: removed")
        #expect(sandbox.exists("logs/deployments/123-staging.log"), "its stored copy is corrupt: kept")
        #expect(sandbox.exists("logs/debug/123-trace.log"), "not in the store: kept")
        #expect(sandbox.exists("logs/debug/555-trace.log"), "no index entry: kept")
        #expect(result.output.contains("does not match the index"))
        #expect(result.output.contains("the store does not hold"))
        let event = try #require((try sandbox.index()["cleanup_events"] as? [[String: Any]])?.last)
        #expect(event["files"] as? [String] == ["logs/builds/123-build.log"])
        #expect(event["freed_bytes"] as? Int == compressed.utf8.count)
    }

    @Test func olderThanFailsWhenTheStoreCannotBeReached() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/deployments/123-staging.log", "deployed\n")
        try sandbox.write("logs/debug/123-trace.log", "trace\n")
        try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()
        try sandbox.write("logs/deployments/123-staging.log", "deployed\n")
        try sandbox.write("logs/debug/123-trace.log", "trace\n")
        try sandbox.shell("touch -d '40 days ago' logs/deployments/*.log logs/debug/*.log").requireSuccess()
        let before = try sandbox.snapshot()
        let environment = [
            "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": "us-east-1", "LOGARCHIVE_BACKOFF_SCALE": "0.001",
        ]
        let result = try LogArchiveBinary.run(
            ["cleanup", "--older-than", "30", "--store", "s3://bucket"], in: sandbox, environment: environment)
        #expect(result.status == 1, "a cron job must notice: \(result.output) \(result.errorOutput)")
        #expect(result.output.contains("The store could not be reached"))
        #expect(!result.output.contains("Nothing to clean up"))
        #expect(try sandbox.snapshot() == before, "every log is kept")

        let json = try LogArchiveBinary.run(
            ["cleanup", "--older-than", "30", "--store", "s3://bucket", "--json"], in: sandbox, environment: environment)
        #expect(json.status == 1)
        #expect((try Self.json(json)["store_error"] as? String)?.isEmpty == false)
        #expect((try Self.json(json)["kept"] as? [Any])?.count == 2)
    }

    @Test func olderThanKeepsALogThatChangedSinceItWasArchived() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/deployments/123-staging.log", "deployed\n")
        try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()
        try sandbox.write("logs/deployments/123-staging.log", "deployed again\n")
        try sandbox.shell("touch -d '40 days ago' logs/deployments/123-staging.log").requireSuccess()
        let result = try LogArchiveBinary.run(["cleanup", "--older-than", "30", "--json"], in: sandbox)
        #expect(result.status == 0)
        #expect(sandbox.exists("logs/deployments/123-staging.log"))
        let kept = try Self.json(result)["kept"] as? [[String: Any]] ?? []
        #expect(kept.contains { ($0["reason"] as? String)?.contains("differs from the archived copy") == true })
        #expect(try sandbox.index()["cleanup_events"] == nil)
    }
}
