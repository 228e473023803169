import Crypto
import Foundation
import LogArchive
import Testing

/// `logarchive` against a real S3-compatible server (`S3TestServer`: SeaweedFS on loopback, checking
/// SigV4 and `x-amz-checksum-sha256`, or moto), with a fault-injecting proxy in between where a test
/// needs failures.
@Suite struct S3ArchiveTests {
    static func logs(_ issue: Int, in sandbox: Sandbox) throws -> [[String: Any]] {
        try #require(try sandbox.entry("\(issue)")?["logs"] as? [[String: Any]])
    }

    /// The proxy's own log files live in the sandbox; they are not the tool's doing.
    static func withoutProxyFiles(_ snapshot: [String: String]) -> [String: String] {
        snapshot.filter { !$0.key.hasPrefix("proxy.log") }
    }

    @Test func archivedObjectsAreListedAndDownloadedByAnotherClientWithMatchingChecksums() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let result = try LogArchiveBinary.run(["123", "--store", "s3://\(bucket)/team"], in: sandbox, environment: server.environment())
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")

        let logs = try Self.logs(123, in: sandbox)
        let keys = try server.keysWithoutTraces(in: bucket)
        #expect(keys.count == logs.count + 1, "every log and the manifest: \(keys)")
        #expect(try server.keys(in: bucket).count == keys.count + 1, "and the run's trace")
        #expect(keys.contains { $0.hasSuffix("/123/manifest.json") })
        for log in logs {
            let remote = try #require(log["remote_path"] as? String)
            #expect(log["cloud_url"] as? String == "s3://\(bucket)/team/\(remote)")
            #expect(keys.contains("team/" + remote))
            let bytes = try server.download(bucket, "team/" + remote, into: sandbox)
            #expect(log["checksum"] as? String == "sha256:" + SHA256Hex.of(bytes))
            #expect(log["size_bytes"] as? Int == bytes.count)
        }
        let build = try #require(logs.first { $0["compressed"] as? Bool == true })
        let gz = try server.download(bucket, "team/" + (build["remote_path"] as? String ?? ""), into: sandbox)
        try sandbox.write("check.gz", gz)
        try sandbox.shell("gzip -t check.gz").requireSuccess()
        #expect(!sandbox.exists("logs/builds/123-build.log"))
    }

    // moto checks no signatures as scripts/moto.sh runs it (the script says why).
    @Test(.enabled(if: S3TestServer.checksSignatures, "the test S3 server checks no signatures"))
    func aWrongSecretFailsFastWithoutRetriesAndChangesNothing() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let proxy = try FaultProxy([], logPath: sandbox.path("proxy.log"))
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)"], in: sandbox,
            environment: server.environment(through: proxy.endpoint, ["AWS_SECRET_ACCESS_KEY": "not-the-secret"]))
        #expect(result.status == 1)
        #expect(result.errorOutput.contains("SignatureDoesNotMatch"))
        #expect(result.errorOutput.contains("AWS_SECRET_ACCESS_KEY"))
        #expect(!result.errorOutput.contains("not-the-secret"), "the secret is never printed")
        #expect(try proxy.requests().count == 1, "refused credentials are not retried")
        #expect(Self.withoutProxyFiles(try sandbox.snapshot()) == Self.withoutProxyFiles(before))
    }

    @Test func missingCredentialsNameTheVariable() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(
            ["123", "--store", "s3://some-bucket"], in: sandbox,
            environment: ["AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9", "HOME": sandbox.root])
        #expect(result.status == 64)
        #expect(result.errorOutput.contains("AWS_ACCESS_KEY_ID"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test func anUnknownBucketAndAnUnreachableEndpointAreRefusedBeforeAnythingChanges() throws {
        let server = try S3TestServer.require()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let before = try sandbox.snapshot()
        let unknown = try LogArchiveBinary.run(["123", "--store", "s3://no-such-bucket-here"], in: sandbox, environment: server.environment())
        #expect(unknown.status == 1)
        #expect(unknown.errorOutput.contains("'no-such-bucket-here' does not exist"))
        let unreachable = try LogArchiveBinary.run(
            ["123", "--store", "s3://any-bucket"], in: sandbox, environment: server.environment(through: "http://127.0.0.1:9"))
        #expect(unreachable.status == 1)
        #expect(unreachable.errorOutput.contains("cannot reach the S3 endpoint http://127.0.0.1:9"))
        // No silent wait while the retries run: the first failure is said at once.
        #expect(unreachable.errorOutput.contains("did not answer"))
        #expect(unreachable.errorOutput.contains("retrying in"))
        #expect(try sandbox.snapshot() == before)
    }

    /// `read` with no `--store` reads where the index says the logs went, and says so; without
    /// credentials for that store it says to pass them, instead of calling the logs missing.
    @Test func readWithNoStoreNamedUsesTheStoreTheIndexRecorded() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/123-build.log", "built on S3\n")
        try LogArchiveBinary.run(["123", "--store", "s3://\(bucket)/team", "--no-commit", "--no-comment"], in: sandbox, environment: server.environment())
            .requireSuccess()
        let read = try LogArchiveBinary.run(["read", "123", "--raw"], in: sandbox, environment: server.environment())
        #expect(read.status == 0, "\(read.errorOutput)")
        #expect(read.output == "built on S3\n")
        #expect(read.errorOutput.contains("reading from s3://\(bucket)/team, the store the index records"))
        var noCredentials = server.environment()
        noCredentials["AWS_ACCESS_KEY_ID"] = ""
        noCredentials["AWS_SECRET_ACCESS_KEY"] = ""
        noCredentials["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        let refused = try LogArchiveBinary.run(["read", "123"], in: sandbox, environment: noCredentials)
        #expect(refused.status == 64)
        #expect(refused.errorOutput.contains("pass --store"), "\(refused.errorOutput)")
    }

    @Test(arguments: ["500,503slowdown,429", "reset", "truncate"])
    func transientFailuresAreHealedByRetries(_ modes: String) throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let proxy = try FaultProxy(["--fail-first", "3", "--modes", modes, "--only-methods", "PUT"], logPath: sandbox.path("proxy.log"))
        let result = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)"], in: sandbox, environment: server.environment(through: proxy.endpoint))
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let entry = try #require(try sandbox.entry("123"))
        #expect(entry["upload_complete"] as? Bool == true)
        let faults = try proxy.requests().filter { $0["fault"] is String }
        #expect(faults.count == 3)
        // A reset of a kept connection before any answer is re-sent on a fresh one by libcurl
        // itself (it cannot tell a reset request from a connection the server had closed), so
        // fewer of those reach the retry rules; every other fault is one recorded retry.
        let retries = try #require(entry["retry_count"] as? Int)
        if modes == "reset" { #expect((1...3).contains(retries)) } else { #expect(retries == 3) }
        let attempts = try Self.logs(123, in: sandbox).compactMap { $0["upload_attempt"] as? Int }
        #expect(attempts.reduce(0, +) == 4 + retries, "four logs, one attempt each, plus the retries: \(attempts)")
    }

    /// The answer to the multipart create is lost (the server started the upload, the client saw a
    /// broken response) and the create is retried: the upload the run never heard of is aborted
    /// once the object is complete, so no parts stay billed.
    @Test func aMultipartUploadWhoseCreateAnswerWasLostLeavesNoUploadInProgress() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let big = Sandbox.randomBytes(11_000_000)
        try sandbox.write("logs/debug/123-core.log", big)
        let proxy = try FaultProxy(["--fail-first", "1", "--modes", "truncate", "--only-methods", "POST"], logPath: sandbox.path("proxy.log"))
        let result = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)", "--no-commit", "--no-comment"], in: sandbox,
            environment: server.environment(
                through: proxy.endpoint, ["LOGARCHIVE_MULTIPART_THRESHOLD": "5MiB", "LOGARCHIVE_PART_SIZE": "5MiB"]))
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let requests = try proxy.requests()
        let creates = requests.filter { ($0["path"] as? String ?? "").hasSuffix("?uploads=") && $0["method"] as? String == "POST" }
        #expect(creates.count == 2 && creates.first?["fault"] as? String == "truncate", "\(requests)")
        let uploads = try server.aws(["s3api", "list-multipart-uploads", "--bucket", bucket]).requireSuccess().output
        #expect(!uploads.contains("UploadId"), "\(uploads)")
        let key = try #require(try Self.logs(123, in: sandbox).first { $0["filename"] as? String == "123-core.log" }?["remote_path"] as? String)
        #expect(try server.download(bucket, key, into: sandbox) == big)
    }

    @Test func aStalledResponseTimesOutAndIsRetriedWithALongerTimeout() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let proxy = try FaultProxy(
            ["--fail-first", "1", "--modes", "stall", "--stall-seconds", "20", "--only-methods", "PUT"], logPath: sandbox.path("proxy.log"))
        let result = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)"], in: sandbox,
            environment: server.environment(through: proxy.endpoint, ["LOGARCHIVE_HTTP_TIMEOUT": "1s"]))
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(try sandbox.entry("123")?["retry_count"] as? Int == 1)
    }

    @Test func aPermanentFailureOfOneFileLeavesATruthfulPartialArchiveThatRetryCompletes() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let proxy = try FaultProxy(["--fail-path", "123-staging.log", "--modes", "500"], logPath: sandbox.path("proxy.log"))
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)/p"], in: sandbox, environment: server.environment(through: proxy.endpoint))
        #expect(result.status == 3, "\(result.output) \(result.errorOutput)")
        #expect(result.output.contains("Partial archive for issue #123"))
        #expect(result.output.contains("logs/deployments/123-staging.log"))
        #expect(result.output.contains("Retry with: logarchive 123 --retry --store s3://\(bucket)/p"))

        let entry = try #require(try sandbox.entry("123"))
        #expect(entry["partial_archive"] as? Bool == true)
        #expect(entry["upload_complete"] as? Bool == false)
        for log in try Self.logs(123, in: sandbox) {
            if log["filename"] as? String == "123-staging.log" {
                #expect(log["upload_status"] as? String == "failed")
                #expect((log["last_error"] as? String)?.contains("HTTP 500") == true)
                #expect(log["upload_attempt"] as? Int == 4, "one attempt and three retries")
            } else {
                #expect(log["upload_status"] as? String == "uploaded")
            }
        }
        // Every local file is kept, and no temporary file is left behind.
        var after = try sandbox.snapshot()
        for key in after.keys where key.hasSuffix(".gz") || key.hasPrefix("logs/.archive-index") || key.hasPrefix("proxy.log") {
            after.removeValue(forKey: key)
        }
        var expected = Self.withoutProxyFiles(before)
        expected.removeValue(forKey: "logs/.archive-index.json")
        #expect(after == expected)
        #expect(!after.keys.contains { $0.hasSuffix(".tmp") || $0.hasSuffix(".part") })

        // The printed command, against the healed store, finishes the archive.
        let retry = try LogArchiveBinary.run(
            ["123", "--retry", "--store", "s3://\(bucket)/p"], in: sandbox, environment: server.environment())
        #expect(retry.status == 0, "\(retry.output) \(retry.errorOutput)")
        let completed = try #require(try sandbox.entry("123"))
        #expect(completed["partial_archive"] as? Bool == false)
        #expect(completed["upload_complete"] as? Bool == true)
        #expect((completed["retry_count"] as? Int ?? 0) >= 3)
        #expect(!sandbox.exists("logs/deployments/123-staging.log"))
        #expect(!sandbox.exists("logs/builds/123-build.log"))
        #expect(!sandbox.exists("logs/builds/123-build.log.gz"))
        #expect(try server.keysWithoutTraces(in: bucket).filter { !$0.hasSuffix("manifest.json") }.count == 4)
    }

    @Test func aFileOverTheThresholdGoesUpInPartsAndIsVerified() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        let data = Sandbox.randomBytes(12 * 1024 * 1024 + 4321)
        try sandbox.write("logs/debug/41-core.log", data)
        let proxy = try FaultProxy([], logPath: sandbox.path("proxy.log"))
        let result = try LogArchiveBinary.run(
            ["41", "--store", "s3://\(bucket)"], in: sandbox,
            environment: server.environment(
                through: proxy.endpoint, ["LOGARCHIVE_MULTIPART_THRESHOLD": "5MiB", "LOGARCHIVE_PART_SIZE": "5MiB"]))
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let parts = try proxy.requests().filter { ($0["path"] as? String)?.contains("partNumber=") == true }
        #expect(parts.count == 3)
        let key = try #require(try Self.logs(41, in: sandbox).first?["remote_path"] as? String)
        let head = try server.aws(["s3api", "head-object", "--bucket", bucket, "--key", key, "--checksum-mode", "ENABLED"]).requireSuccess()
        if server.implementation == .moto {
            // moto 5.2 writes the composite checksum without AWS's "-N" part count (S3 appends it):
            // there the digest over the parts' digests is checked, and the part count in the ETag.
            let partSize = 5 << 20
            let partDigests = stride(from: 0, to: data.count, by: partSize).flatMap {
                Array(SHA256.hash(data: data[$0..<min($0 + partSize, data.count)]))
            }
            let composite = Data(SHA256.hash(data: partDigests)).base64EncodedString()
            #expect(head.output.contains("\"ChecksumSHA256\": \"\(composite)\""), "\(head.output)")
            #expect(head.output.contains("-3\\\""), "an ETag over three parts: \(head.output)")
        } else {
            #expect(head.output.contains("-3\""), "a composite checksum over three parts: \(head.output)")
        }
        #expect(SHA256Hex.of(try server.download(bucket, key, into: sandbox)) == SHA256Hex.of(data))
    }

    @Test func reindexOnlyRebuildsADeletedEntryFromTheStore() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try LogArchiveBinary.run(["123", "--store", "s3://\(bucket)"], in: sandbox, environment: server.environment()).requireSuccess()
        let original = try Self.logs(123, in: sandbox)
        try sandbox.write("logs/.archive-index.json", "{\"schema_version\": \"1.0\", \"archives\": []}\n")

        let rebuilt = try LogArchiveBinary.run(["123", "--reindex-only", "--store", "s3://\(bucket)"], in: sandbox, environment: server.environment())
        #expect(rebuilt.status == 0, "\(rebuilt.output) \(rebuilt.errorOutput)")
        let logs = try Self.logs(123, in: sandbox)
        #expect(logs.map { $0["checksum"] as? String } == original.map { $0["checksum"] as? String })
        #expect(logs.allSatisfy { $0["upload_status"] as? String == "uploaded" })

        // An object that went missing is reported, not assumed.
        let missing = try #require(logs.first?["remote_path"] as? String)
        try server.aws(["s3", "rm", "s3://\(bucket)/\(missing)"]).requireSuccess()
        let partial = try LogArchiveBinary.run(["123", "--reindex-only", "--store", "s3://\(bucket)"], in: sandbox, environment: server.environment())
        #expect(partial.status == 3)
        #expect(try Self.logs(123, in: sandbox).first?["upload_status"] as? String == "failed")
    }

    @Test func aRunKilledDuringTheUploadsLeavesATruthfulIndexAndRetryConverges() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let killed = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)"], in: sandbox,
            environment: server.environment(through: nil, [
                "LOGARCHIVE_FAULT_POINT": "after-upload", "LOGARCHIVE_FAULT_ACTION": "kill", "LOGARCHIVE_FAULT_SKIP": "2",
            ]))
        #expect(killed.status != 0)
        // A first archive's entry is in its journal until the run's one index write: the index
        // has none, and the next command that shows the issue records what the journal says.
        #expect(try sandbox.entry("123") == nil)
        let status = try LogArchiveBinary.run(["status", "123"], in: sandbox)
        #expect(status.status == 0, "\(status.output) \(status.errorOutput)")
        let logs = try Self.logs(123, in: sandbox)
        let stored = Set(try server.keys(in: bucket))
        for log in logs {
            let status = log["upload_status"] as? String
            #expect(status == "uploaded" || status == "pending", "\(log)")
            if status == "uploaded" { #expect(stored.contains(log["remote_path"] as? String ?? "")) }
        }
        #expect(try sandbox.entry("123")?["partial_archive"] as? Bool == true)
        #expect(sandbox.exists("logs/builds/123-build.log"), "nothing is cleaned before the archive is complete")

        let retry = try LogArchiveBinary.run(["123", "--retry", "--store", "s3://\(bucket)"], in: sandbox, environment: server.environment())
        #expect(retry.status == 0, "\(retry.output) \(retry.errorOutput)")
        #expect(try sandbox.entry("123")?["upload_complete"] as? Bool == true)
        let keys = try server.keysWithoutTraces(in: bucket)
        #expect(keys.count == 5, "four logs and a manifest, no duplicates: \(keys)")
        #expect(!sandbox.exists("logs/builds/123-build.log"))
    }
}
