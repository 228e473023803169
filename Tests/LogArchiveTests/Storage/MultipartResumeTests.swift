import Foundation
@testable import LogArchive
import Testing

/// A multipart upload that a stopped run left is resumed from the parts the store holds.
@Suite(.serialized) struct MultipartResumeTests {
    static let multipart = ["LOGARCHIVE_MULTIPART_THRESHOLD": "5MiB", "LOGARCHIVE_PART_SIZE": "5MiB"]

    /// Issue 123 with a 12 MB build log sent as it is: three parts of 5 MiB.
    static func project() throws -> (Sandbox, Data) {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let big = Sandbox.randomBytes(12_000_000)
        try sandbox.write("logs/builds/123-build.log", big)
        return (sandbox, big)
    }

    /// `--retry` of issue 123 through a counting proxy; it must succeed. Returns what the proxy saw.
    static func retryThroughProxy(_ sandbox: Sandbox, bucket: String, server: S3TestServer) throws -> [[String: Any]] {
        let proxy = try FaultProxy([], logPath: sandbox.path("proxy.log"))
        let retry = try LogArchiveBinary.run(
            ["123", "--retry", "--store", "s3://\(bucket)", "--no-comment", "--no-commit"], in: sandbox,
            environment: server.environment(through: proxy.endpoint, Self.multipart))
        #expect(retry.status == 0, "\(retry.output) \(retry.errorOutput)")
        return try proxy.requests()
    }

    static func killAfterTwoParts(_ sandbox: Sandbox, bucket: String, server: S3TestServer) throws {
        let killed = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)", "--jobs", "1", "--no-comment", "--no-commit"], in: sandbox,
            environment: server.environment(
                multipart.merging([
                    "LOGARCHIVE_FAULT_POINT": "upload-after-part", "LOGARCHIVE_FAULT_ACTION": "kill", "LOGARCHIVE_FAULT_SKIP": "1",
                ]) { $1 }))
        try #require(killed.status == SIGKILL, "\(killed.status) \(killed.errorOutput)")
    }

    static func requests(_ requests: [[String: Any]], _ method: String, containing text: String) -> [[String: Any]] {
        requests.filter { $0["method"] as? String == method && ($0["path"] as? String ?? "").contains(text) }
    }

    @Test func aRetryAfterAKillInsideAMultipartUploadSendsOnlyTheMissingPart() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let (sandbox, big) = try Self.project()
        try Self.killAfterTwoParts(sandbox, bucket: bucket, server: server)
        let requests = try Self.retryThroughProxy(sandbox, bucket: bucket, server: server)
        let parts = Self.requests(requests, "PUT", containing: "partNumber=")
        #expect(parts.count == 1 && (parts.first?["path"] as? String ?? "").contains("partNumber=3"), "only part 3 is sent: \(parts)")
        #expect(Self.requests(requests, "POST", containing: "?uploads").isEmpty, "no new upload is started")
        #expect(Self.requests(requests, "GET", containing: "uploadId=").count == 1, "one ListParts")
        #expect(Self.requests(requests, "DELETE", containing: "uploadId=").isEmpty, "nothing is aborted")
        let logs = try S3ArchiveTests.logs(123, in: sandbox)
        #expect(logs.allSatisfy { $0["upload_status"] as? String == "uploaded" })
        let key = try #require(logs.first { $0["filename"] as? String == "123-build.log" }?["remote_path"] as? String)
        #expect(try server.download(bucket, key, into: sandbox) == big)
        let uploads = try server.aws(["s3api", "list-multipart-uploads", "--bucket", bucket]).requireSuccess().output
        #expect(!uploads.contains("UploadId"), "\(uploads)")
        let left = try FileManager.default.contentsOfDirectory(atPath: sandbox.logsDirectory).filter { $0.hasPrefix(".archive-multipart-") }
        #expect(left.isEmpty, "the resume record is removed once the object is stored: \(left)")
    }

    /// Killed once the multipart object was stored and verified, before the run recorded it: the
    /// retry's HEAD shows the object holds this file (its checksum there is the parts' composite,
    /// not the file's SHA-256), so nothing is sent again.
    @Test func aMultipartObjectStoredButNotRecordedIsKnownByItsHeadAndNotSentAgain() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        let big = Sandbox.randomBytes(12_000_000)
        try sandbox.write("logs/builds/123-build.log", big)
        let killed = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)", "--no-comment", "--no-commit"], in: sandbox,
            environment: server.environment(
                Self.multipart.merging(["LOGARCHIVE_FAULT_POINT": "after-upload", "LOGARCHIVE_FAULT_ACTION": "kill"]) { $1 }))
        try #require(killed.status == SIGKILL, "\(killed.status) \(killed.errorOutput)")
        let requests = try Self.retryThroughProxy(sandbox, bucket: bucket, server: server)
        #expect(Self.requests(requests, "HEAD", containing: "123-build.log").count == 1, "\(requests)")
        #expect(Self.requests(requests, "PUT", containing: "123-build.log").isEmpty, "nothing is sent again: \(requests)")
        #expect(Self.requests(requests, "POST", containing: "?uploads").isEmpty, "no upload is started: \(requests)")
        let logs = try S3ArchiveTests.logs(123, in: sandbox)
        #expect(logs.allSatisfy { $0["upload_status"] as? String == "uploaded" })
        let key = try #require(logs.first?["remote_path"] as? String)
        #expect(try server.download(bucket, key, into: sandbox) == big)
    }

    @Test func aFileChangedSinceTheKilledUploadIsSentWholeAndTheOldUploadAborted() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let (sandbox, _) = try Self.project()
        try Self.killAfterTwoParts(sandbox, bucket: bucket, server: server)
        let changed = Sandbox.randomBytes(12_000_000)
        try sandbox.write("logs/builds/123-build.log", changed)
        let requests = try Self.retryThroughProxy(sandbox, bucket: bucket, server: server)
        #expect(Self.requests(requests, "PUT", containing: "partNumber=").count == 3, "every part is sent again")
        #expect(Self.requests(requests, "DELETE", containing: "uploadId=").count == 1, "the stopped upload is aborted")
        let logs = try S3ArchiveTests.logs(123, in: sandbox)
        let key = try #require(logs.first { $0["filename"] as? String == "123-build.log" }?["remote_path"] as? String)
        #expect(try server.download(bucket, key, into: sandbox) == changed)
        let uploads = try server.aws(["s3api", "list-multipart-uploads", "--bucket", bucket]).requireSuccess().output
        #expect(!uploads.contains("UploadId"), "\(uploads)")
    }
}
