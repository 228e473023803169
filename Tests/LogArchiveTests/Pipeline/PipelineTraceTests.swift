import Foundation
import LogArchive
import Testing

/// The decision trace of a real archive: why each file was or was not compressed, each upload
/// attempt and retry with its error, each skip and each cleanup, in the order they happened.
@Suite struct PipelineTraceTests {
    static func events(_ path: String) throws -> [[String: Any]] {
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        return try #require(document?["events"] as? [[String: Any]])
    }

    @Test func aRunWithACompressedFileARetriedUploadAndASkipExplainsItself() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        // The first PUT fails with a 503 SlowDown: one upload is retried.
        let proxy = try FaultProxy(["--fail-first", "1", "--modes", "503slowdown", "--only-methods", "PUT"], logPath: sandbox.path("proxy.log"))
        let result = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)", "--trace", "trace.json", "--no-commit"], in: sandbox,
            environment: server.environment(through: proxy.endpoint))
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(result.output.contains("Trace: trace.json"))
        let events = try Self.events(sandbox.path("trace.json"))
        let runs = Set(events.compactMap { $0["request_id"] as? String })
        #expect(runs.count == 1)
        func of(_ type: String) -> [[String: Any]] { events.filter { $0["event_type"] as? String == type } }

        // Every stage starts and ends, in pipeline order.
        let started = of("stage.start").compactMap { $0["subject"] as? String }
        #expect(started == ["validate", "collect", "compress", "checksum", "upload", "index", "comment", "clean", "commit"])
        #expect(of("stage.end").count == 9)
        // Why each file was or was not compressed.
        let compressed = try #require(of("compress.compressed").first)
        #expect(compressed["subject"] as? String == "logs/builds/123-build.log")
        #expect((compressed["rationale"] as? String)?.contains("over the 1 MiB threshold") == true)
        #expect((compressed["duration_ns"] as? Int ?? 0) > 0)
        #expect(of("compress.skipped").count == 3)
        // The retry, with the server's error, as a warning.
        let retry = try #require(of("upload.retry").first)
        #expect(retry["severity"] as? String == "warning")
        #expect((retry["rationale"] as? String)?.contains("SlowDown") == true, "\(retry)")
        #expect(of("upload.verified").count == 4)
        #expect(of("clean.deleted").count == 4)
        // The comment stage skipped, with its reason.
        #expect(events.contains { $0["event_type"] as? String == "stage.end" && $0["subject"] as? String == "comment" && ($0["rationale"] as? String)?.hasPrefix("skipped") == true })
        // Decisions are in time order, and the trace is in the store beside the manifest.
        let times = events.compactMap { $0["timestamp_ns"] as? Int }
        #expect(times == times.sorted() && times.count == events.count)
        let listing = try server.aws(["s3", "ls", "--recursive", "s3://\(bucket)/"]).output
        #expect(listing.contains("/123/trace-run-"), "\(listing)")

        // A second run with --force finds every object already stored: skips, recorded as such.
        try sandbox.write("logs/builds/123-build.log", Sandbox.logText(bytes: 1_500_000))
        let again = try LogArchiveBinary.run(
            ["123", "--force", "--store", "s3://\(bucket)", "--trace", "again.json", "--no-commit"], in: sandbox,
            environment: server.environment())
        #expect(again.status == 0, "\(again.output) \(again.errorOutput)")
        let skipped = try Self.events(sandbox.path("again.json")).filter { $0["event_type"] as? String == "upload.skipped" }
        #expect(skipped.count == 1)
        #expect((skipped.first?["rationale"] as? String)?.contains("already holds") == true)
    }

    @Test func anUnwritableTraceFileIsAWarningNotAFailedArchive() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let result = try LogArchiveBinary.run(["123", "--trace", "/proc/no/such/trace.json", "--no-commit"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("trace not written to /proc/no/such/trace.json"))
    }
}
