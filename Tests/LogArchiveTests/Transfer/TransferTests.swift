import Foundation
@testable import LogArchive
import Testing

/// How uploads use the network: several at once, over connections that are kept, with one request
/// per small log on a first archive. Counted by `scripts/fault_proxy.py`, which stands for a real
/// network (`--rtt`) between logarchive and the S3 test server.
@Suite struct TransferTests {
    /// The issue of the network benchmark: 20 small session logs and 2 larger build logs.
    static func projectWith22Logs(issue: Int = 77) throws -> Sandbox {
        let sandbox = try Sandbox()
        for number in 1...20 {
            try sandbox.write("logs/sessions/session-\(issue)-part\(number).md", "# session \(number)\n" + Sandbox.logText(bytes: 3_000, seed: number))
        }
        // Random bytes: gzip makes them no smaller, so they go up as they are, 1.5 MB each.
        try sandbox.write("logs/builds/\(issue)-build.log", Sandbox.randomBytes(1_500_000))
        try sandbox.write("logs/builds/\(issue)-release.log", Sandbox.randomBytes(1_500_000))
        return sandbox
    }

    static func logKeyRequests(_ requests: [[String: Any]], issue: Int) -> [[String: Any]] {
        requests.filter {
            let path = $0["path"] as? String ?? ""
            return path.contains("/\(issue)/") && !path.contains("manifest.json") && !path.contains("/trace-")
        }
    }

    /// The requests without the HEAD that reads back each PUT on a server whose answer to a PUT
    /// carries no checksum (`answersPutsWithTheirChecksum`): what is left is what logarchive
    /// asks and sends on any server.
    static func withoutReadBacks(_ requests: [[String: Any]], on server: S3TestServer) -> [[String: Any]] {
        guard !server.implementation.answersPutsWithTheirChecksum else { return requests }
        var lastMethod: [String: String] = [:]
        return requests.filter { request in
            let path = request["path"] as? String ?? ""
            let method = request["method"] as? String ?? ""
            defer { lastMethod[path] = method }
            return !(method == "HEAD" && lastMethod[path] == "PUT")
        }
    }

    @Test func anArchiveOf22LogsUsesAtMostItsConcurrencyInConnectionsAndOnePutPerLog() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Self.projectWith22Logs()
        let buildBytes = try sandbox.read("logs/builds/77-build.log")
        let proxy = try FaultProxy(["--rtt", "20"], logPath: sandbox.path("proxy.log"))
        let result = try LogArchiveBinary.run(
            ["77", "--store", "s3://\(bucket)", "--jobs", "4", "--no-comment", "--no-commit", "--json"], in: sandbox,
            environment: server.environment(through: proxy.endpoint))
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")

        let stats = try proxy.stats()
        #expect((stats["connections"] ?? 0) <= 4, "kept connections, never more than --jobs: \(stats)")
        #expect((stats["connections"] ?? 0) >= 2, "uploads ran side by side: \(stats)")
        let requests = try proxy.requests()
        let perLog = Self.withoutReadBacks(Self.logKeyRequests(requests, issue: 77), on: server)
        #expect(perLog.count == 22, "one request per log: \(perLog.map { "\($0["method"] ?? "") \($0["path"] ?? "")" })")
        #expect(perLog.allSatisfy { $0["method"] as? String == "PUT" })
        #expect(Set(requests.compactMap { $0["connection"] as? Int }).count == stats["connections"])

        let logs = try S3ArchiveTests.logs(77, in: sandbox)
        #expect(logs.count == 22)
        for log in logs {
            #expect(log["upload_status"] as? String == "uploaded")
            #expect(log["upload_attempt"] as? Int == 1)
        }
        let build = try #require(logs.first { $0["filename"] as? String == "77-build.log" })
        #expect(try server.download(bucket, try #require(build["remote_path"] as? String), into: sandbox) == buildBytes)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(summary["outcome"] as? String == "archived", "\(summary)")
        #expect(summary["collected"] as? Int == 22)
        #expect((summary["failed_logs"] as? [Any])?.isEmpty == true)
    }

    @Test func aServerThatAnswersWithoutAChecksumIsReadBackWithAHead() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let proxy = try FaultProxy(["--drop-response-header", "x-amz-checksum-sha256"], logPath: sandbox.path("proxy.log"))
        let result = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)", "--no-comment", "--no-commit"], in: sandbox,
            environment: server.environment(through: proxy.endpoint))
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let perLog = Self.logKeyRequests(try proxy.requests(), issue: 123)
        let methods = Dictionary(grouping: perLog, by: { $0["path"] as? String ?? "" }).mapValues { $0.compactMap { $0["method"] as? String } }
        #expect(methods.count == 4)
        #expect(methods.values.allSatisfy { $0 == ["PUT", "HEAD"] }, "a PUT, then a HEAD to read it back: \(methods)")
        #expect(try S3ArchiveTests.logs(123, in: sandbox).allSatisfy { $0["upload_status"] as? String == "uploaded" })
    }

    static func listings(_ requests: [[String: Any]]) -> [[String: Any]] {
        // Listings of the issue's objects, not the one-key probe that checks the store is writable.
        requests.filter {
            let path = $0["path"] as? String ?? ""
            return $0["method"] as? String == "GET" && path.contains("list-type=2") && !path.contains("max-keys=1")
        }
    }

    @Test func aRetryLearnsWhatIsStoredFromOneListingAndSendsOnlyTheFailedLog() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let failing = try FaultProxy(["--fail-path", "123-staging.log", "--modes", "500"], logPath: sandbox.path("proxy.log"))
        let first = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)", "--no-comment", "--no-commit"], in: sandbox,
            environment: server.environment(through: failing.endpoint))
        #expect(first.status == 3, "\(first.output) \(first.errorOutput)")
        #expect(
            Self.withoutReadBacks(Self.logKeyRequests(try failing.requests(), issue: 123), on: server)
                .allSatisfy { $0["method"] as? String == "PUT" },
            "a first archive asks nothing before sending")
        #expect(Self.listings(try failing.requests()).isEmpty, "nor lists anything")
        let proxy = try FaultProxy([], logPath: sandbox.path("proxy-retry.log"))
        let retry = try LogArchiveBinary.run(
            ["123", "--retry", "--store", "s3://\(bucket)", "--no-comment", "--no-commit"], in: sandbox,
            environment: server.environment(through: proxy.endpoint))
        #expect(retry.status == 0, "\(retry.output) \(retry.errorOutput)")
        let requests = try proxy.requests()
        #expect(Self.listings(requests).count == 1, "one listing of the issue's folder: \(requests)")
        let perLog = Self.withoutReadBacks(Self.logKeyRequests(requests, issue: 123), on: server)
        #expect(
            perLog.map { "\($0["method"] ?? "") \(($0["path"] as? String ?? "").split(separator: "/").last ?? "")" } == ["PUT 123-staging.log"],
            "no HEAD for logs recorded as verified that the listing shows, only the failed log sent: \(perLog)")
        #expect(try S3ArchiveTests.logs(123, in: sandbox).allSatisfy { $0["upload_status"] as? String == "uploaded" })
    }

    @Test func aRunStoppedBeforeItRecordedAnUploadAsksWithAHeadOnlyAboutThatLog() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let killed = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)", "--jobs", "1", "--no-comment", "--no-commit"], in: sandbox,
            environment: server.environment([
                "LOGARCHIVE_FAULT_POINT": "after-upload", "LOGARCHIVE_FAULT_ACTION": "kill", "LOGARCHIVE_FAULT_SKIP": "1",
            ]))
        #expect(killed.status != 0)
        let proxy = try FaultProxy([], logPath: sandbox.path("proxy-retry.log"))
        let retry = try LogArchiveBinary.run(
            ["123", "--retry", "--store", "s3://\(bucket)", "--no-comment", "--no-commit"], in: sandbox,
            environment: server.environment(through: proxy.endpoint))
        #expect(retry.status == 0, "\(retry.output) \(retry.errorOutput)")
        let requests = try proxy.requests()
        #expect(Self.listings(requests).count == 1)
        let perLog = Self.withoutReadBacks(Self.logKeyRequests(requests, issue: 123), on: server)
        let heads = perLog.filter { $0["method"] as? String == "HEAD" }
        #expect(heads.count == 1, "only the log stored but not yet recorded is asked about: \(perLog)")
        #expect(perLog.filter { $0["method"] as? String == "PUT" }.count == 2, "the two never sent are sent: \(perLog)")
        #expect(try S3ArchiveTests.logs(123, in: sandbox).allSatisfy { $0["upload_status"] as? String == "uploaded" })
    }

    @Test func multipartPartsShareTheRunsUploadSlots() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Self.projectWith22Logs(issue: 78)
        let big = Sandbox.randomBytes(16_000_000)
        try sandbox.write("logs/debug/78-core.log", big)
        let proxy = try FaultProxy(["--rtt", "10"], logPath: sandbox.path("proxy.log"))
        let result = try LogArchiveBinary.run(
            ["78", "--store", "s3://\(bucket)", "--jobs", "3", "--no-comment", "--no-commit"], in: sandbox,
            environment: server.environment(
                through: proxy.endpoint, ["LOGARCHIVE_MULTIPART_THRESHOLD": "5MiB", "LOGARCHIVE_PART_SIZE": "5MiB"]))
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let stats = try proxy.stats()
        #expect((stats["max_open_connections"] ?? 0) <= 3, "parts and objects together stay within --jobs: \(stats)")
        #expect((stats["connections"] ?? 0) <= 3, "\(stats)")
        let parts = try proxy.requests().filter { ($0["path"] as? String ?? "").contains("partNumber=") }
        #expect(parts.count == 4)
        let logs = try S3ArchiveTests.logs(78, in: sandbox)
        #expect(logs.count == 23 && logs.allSatisfy { $0["upload_status"] as? String == "uploaded" })
        let key = try #require(logs.first { $0["filename"] as? String == "78-core.log" }?["remote_path"] as? String)
        #expect(try server.download(bucket, key, into: sandbox) == big)
    }

    @Test func theConfiguredConcurrencyBoundsTheConnections() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Self.projectWith22Logs(issue: 79)
        try sandbox.write(".logarchive.json", "{ \"upload_concurrency\": 2 }\n")
        let proxy = try FaultProxy(["--rtt", "10"], logPath: sandbox.path("proxy.log"))
        let result = try LogArchiveBinary.run(
            ["79", "--store", "s3://\(bucket)", "--no-comment", "--no-commit"], in: sandbox,
            environment: server.environment(through: proxy.endpoint))
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let stats = try proxy.stats()
        #expect((stats["max_open_connections"] ?? 0) <= 2 && (stats["connections"] ?? 0) <= 2, "\(stats)")
    }

    @Test(arguments: [["--jobs", "0"], ["--jobs", "-3"], ["--jobs", "65"]])
    func aJobsCountOutsideOneTo64IsRefusedBeforeAnythingChanges(_ flag: [String]) throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["123"] + flag, in: sandbox)
        #expect(result.status == 64)
        #expect(result.errorOutput.contains("--jobs"), "\(result.errorOutput)")
        #expect(try sandbox.snapshot() == before)
    }

    @Test func aConfiguredConcurrencyOfZeroIsRefusedWithTheFileNamed() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.write(".logarchive.json", "{ \"upload_concurrency\": 0 }\n")
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["123"], in: sandbox)
        #expect(result.status == 64)
        #expect(result.errorOutput.contains("upload_concurrency"), "\(result.errorOutput)")
        #expect(result.errorOutput.contains(".logarchive.json"), "\(result.errorOutput)")
        #expect(try sandbox.snapshot() == before)
    }

    @Test func theLocalStoreArchivesConcurrentlyAndVerifiesEveryLog() throws {
        let sandbox = try Self.projectWith22Logs(issue: 80)
        let result = try LogArchiveBinary.run(["80", "--jobs", "8", "--no-comment", "--no-commit"], in: sandbox)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let logs = try S3ArchiveTests.logs(80, in: sandbox)
        #expect(logs.count == 22)
        for log in logs {
            #expect(log["upload_status"] as? String == "uploaded")
            let stored = try Data(contentsOf: URL(fileURLWithPath: sandbox.storeRoot + "/" + (log["remote_path"] as? String ?? "")))
            #expect(log["checksum"] as? String == "sha256:" + SHA256Hex.of(stored))
        }
    }
}
