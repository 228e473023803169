import Foundation
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
        #expect(detail.output.contains("✗ upload archive/logs/"))
        #expect(detail.output.contains("Retry with: logarchive 123 --retry"))
    }
}
