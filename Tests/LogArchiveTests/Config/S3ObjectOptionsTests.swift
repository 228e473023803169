import Foundation
import Testing

@testable import LogArchive

/// `--storage-class`, `--sse`, `--sse-kms-key-id` and `--tags`: on every object and multipart
/// upload, read back by another client (the aws CLI), recorded in the entry, shown by `status`.
@Suite struct S3ObjectOptionsTests {
    /// What the aws CLI reads back of one object: its storage class, encryption and tags.
    static func stored(_ server: S3TestServer, _ bucket: String, _ key: String) throws -> (
        storageClass: String?, encryption: String?, tags: [String: String]
    ) {
        let head = try server.aws(["s3api", "head-object", "--bucket", bucket, "--key", key, "--output", "json"])
            .requireSuccess()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(head.output.utf8)) as? [String: Any])
        let tagging = try server.aws([
            "s3api", "get-object-tagging", "--bucket", bucket, "--key", key, "--output", "json",
        ])
        .requireSuccess()
        let tagSet =
            (try JSONSerialization.jsonObject(with: Data(tagging.output.utf8)) as? [String: Any])?["TagSet"]
            as? [[String: String]]
        var tags: [String: String] = [:]
        for tag in tagSet ?? [] { tags[tag["Key"] ?? ""] = tag["Value"] }
        return (object["StorageClass"] as? String, object["ServerSideEncryption"] as? String, tags)
    }

    @Test func everyObjectAndEveryMultipartUploadCarriesTheStorageClassEncryptionAndTags() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.write("logs/debug/123-core.log", Sandbox.randomBytes(6_000_000))
        let result = try LogArchiveBinary.run(
            [
                "123", "--store", "s3://\(bucket)/team", "--no-commit", "--no-comment", "--storage-class",
                "standard_ia", "--sse",
                "AES256", "--tags", "issue=123,reason=issue_closed",
            ], in: sandbox,
            environment: server.environment(
                through: nil, ["LOGARCHIVE_MULTIPART_THRESHOLD": "5MiB", "LOGARCHIVE_PART_SIZE": "5MiB"]))
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")

        let keys = try server.keys(in: bucket)
        // The five logs (one of them in parts), the manifest and the run's trace.
        #expect(keys.count == 7, "\(keys)")
        #expect(keys.contains { $0.hasSuffix("/manifest.json") } && keys.contains { $0.contains("/trace-run-") })
        for key in keys {
            let stored = try Self.stored(server, bucket, key)
            #expect(stored.storageClass == "STANDARD_IA", "\(key)")
            #expect(stored.encryption == "AES256", "\(key)")
            #expect(stored.tags == ["issue": "123", "reason": "issue_closed"], "\(key)")
        }

        let options = try #require(try sandbox.entry("123")?["s3_object_options"] as? [String: Any])
        #expect(options["storage_class"] as? String == "STANDARD_IA")
        #expect(options["server_side_encryption"] as? String == "AES256")
        #expect(options["sse_kms_key_id"] == nil)
        #expect(options["tags"] as? [String: String] == ["issue": "123", "reason": "issue_closed"])

        let status = try LogArchiveBinary.run(["status", "123"], in: sandbox, environment: server.environment())
        #expect(status.output.contains("Storage class:  STANDARD_IA"), "\(status.output)")
        #expect(status.output.contains("Encryption:     AES256"))
        #expect(status.output.contains("Tags:           issue=123,reason=issue_closed"))
        let json = try LogArchiveBinary.run(
            ["status", "123", "--json"], in: sandbox, environment: server.environment())
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        let entry = object?["entry"] as? [String: Any]
        #expect(
            (entry?["s3_object_options"] as? [String: Any])?["storage_class"] as? String == "STANDARD_IA",
            "\(json.output)")
    }

    /// A partial archive's retry command repeats the options; a `--retry` without them writes
    /// with those the entry records, so all of one archive's objects carry the same.
    @Test func aRetryWritesTheObjectsItStillOwesWithTheFirstRunsOptions() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let proxy = try FaultProxy(
            ["--fail-path", "123-staging.log", "--modes", "500"], logPath: sandbox.path("proxy.log"))
        let first = try LogArchiveBinary.run(
            [
                "123", "--store", "s3://\(bucket)", "--no-commit", "--no-comment", "--storage-class", "GLACIER_IR",
                "--tags", "team=infra",
            ],
            in: sandbox, environment: server.environment(through: proxy.endpoint))
        #expect(first.status == 3, "\(first.output) \(first.errorOutput)")
        #expect(
            first.output.contains("--retry --store s3://\(bucket) --storage-class GLACIER_IR --tags team=infra"),
            "\(first.output)")
        let retried = try LogArchiveBinary.run(
            ["123", "--retry", "--store", "s3://\(bucket)", "--no-commit", "--no-comment"], in: sandbox,
            environment: server.environment())
        #expect(retried.status == 0, "\(retried.output) \(retried.errorOutput)")
        let key = try #require(try server.keys(in: bucket).first { $0.hasSuffix("123-staging.log") })
        let stored = try Self.stored(server, bucket, key)
        #expect(stored.storageClass == "GLACIER_IR")
        #expect(stored.tags == ["team": "infra"])
        #expect(
            (try sandbox.entry("123")?["s3_object_options"] as? [String: Any])?["storage_class"] as? String
                == "GLACIER_IR")
    }

    /// Without options nothing is sent and nothing recorded: the entry reads as before.
    @Test func noOptionsMeansNoHeadersAndNoFieldInTheEntry() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)", "--no-commit", "--no-comment"], in: sandbox,
            environment: server.environment()
        )
        .requireSuccess()
        #expect(try sandbox.entry("123")?.keys.contains("s3_object_options") == false)
        let key = try #require(try server.keys(in: bucket).first { $0.hasSuffix("manifest.json") })
        let stored = try Self.stored(server, bucket, key)
        #expect(stored.storageClass == nil || stored.storageClass == "STANDARD")
        #expect(stored.tags.isEmpty)
        let status = try LogArchiveBinary.run(["status", "123"], in: sandbox, environment: server.environment())
        #expect(!status.output.contains("Storage class:"))
    }

    /// libcurl 7.88 sorted `x-amz-server-side-encryption-aws-kms-key-id` before
    /// `x-amz-server-side-encryption` and SeaweedFS refused the signature. SeaweedFS has no KMS
    /// here, so the object is refused after the signature passed: InternalError, not
    /// SignatureDoesNotMatch.
    @Test(.enabled(if: S3TestServer.checksSignatures, "the test S3 server checks no signatures"))
    func aKMSKeyIDIsSignedInTheOrderSigV4Wants() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/7-build.log", "built\n")
        let result = try LogArchiveBinary.run(
            [
                "7", "--store", "s3://\(bucket)", "--no-commit", "--no-comment", "--sse", "aws:kms", "--sse-kms-key-id",
                "alias/logs",
            ],
            in: sandbox, environment: server.environment())
        #expect(
            !(result.output + result.errorOutput).contains("SignatureDoesNotMatch"),
            "\(result.output) \(result.errorOutput)")
        #expect(
            result.status == 0 || (result.output + result.errorOutput).contains("InternalError"), "\(result.output)")
    }

    @Test func signedHeadersAreSortedByNameAlone() {
        let signer = SigV4Signer(
            signing: AWSSigning(accessKeyID: "AKID", secretAccessKey: "secret", sessionToken: nil, region: "us-east-1"))
        let headers = signer.headers(
            method: "PUT", url: "http://127.0.0.1:8333/bucket/key",
            headers: [
                (name: "x-amz-content-sha256", value: "UNSIGNED-PAYLOAD"),
                (name: "x-amz-server-side-encryption-aws-kms-key-id", value: "alias/logs"),
                (name: "x-amz-server-side-encryption", value: "aws:kms"), (name: "Accept", value: "*/*"),
            ], date: UTCTimestamp(seconds: 1_700_000_000))
        let authorization = headers.first { $0.name == "Authorization" }?.value ?? ""
        #expect(
            authorization.contains(
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-server-side-encryption;x-amz-server-side-encryption-aws-kms-key-id,"
            ), "\(authorization)")
    }

    /// AWS's published example (GET Bucket Lifecycle, "Signature Calculations for the
    /// Authorization Header: Transferring Payload in a Single Chunk").
    @Test func theSignatureMatchesAWSsPublishedExample() {
        let signer = SigV4Signer(
            signing: AWSSigning(
                accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                sessionToken: nil,
                region: "us-east-1"))
        let date = UTCTimestamp(iso8601: "2013-05-24T00:00:00Z") ?? UTCTimestamp(seconds: 0)
        let headers = signer.headers(
            method: "GET", url: "https://examplebucket.s3.amazonaws.com/?lifecycle=",
            headers: [(name: "x-amz-content-sha256", value: S3Store.emptyPayloadHash)], date: date)
        #expect(
            headers.first { $0.name == "Authorization" }?.value
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"
        )
    }

    @Test(arguments: [
        (["--storage-class", "COLD"], "--storage-class 'COLD'"),
        (["--sse", "aes"], "--sse 'aes'"),
        (["--sse-kms-key-id", "alias/logs"], "--sse-kms-key-id names a KMS key"),
        (["--sse", "AES256", "--sse-kms-key-id", "alias/logs"], "only used with --sse aws:kms"),
        (["--tags", "issue"], "'issue' is not key=value"),
        (["--tags", "aws:owner=me"], "aws:"),
        (["--tags", "a=1,a=2"], "given twice"),
        (["--tags", "bad#key=1"], "tag key 'bad#key'"),
        (["--tags", (1...11).map { "k\($0)=v" }.joined(separator: ",")], "at most 10"),
    ])
    func aBadOptionIsRefusedNamingTheFlagBeforeAnythingChanges(_ arguments: [String], _ message: String) throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(
            ["123", "--store", "s3://some-bucket"] + arguments, in: sandbox,
            environment: [
                "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
            ])
        #expect(result.status == 64, "\(result.errorOutput)")
        #expect(result.errorOutput.contains(message), "\(result.errorOutput)")
        #expect(try sandbox.snapshot() == before)
    }

    @Test func flagsOverrideTheEnvironmentWhichOverridesTheConfigFile() throws {
        let sandbox = try Sandbox()
        try sandbox.write(
            ".logarchive.json",
            #"{"storage_class": "GLACIER_IR", "sse": "aws:kms", "sse_kms_key_id": "alias/from-file", "tags": "from=file"}"#
        )
        let fileOnly = try SettingsResolver(environment: [:], currentDirectory: sandbox.root).resolve(
            SettingsOverrides()
        ).s3.objectOptions
        #expect(fileOnly.storageClass == "GLACIER_IR")
        #expect(fileOnly.serverSideEncryption == .awsKMS)
        #expect(fileOnly.kmsKeyID == "alias/from-file")
        #expect(fileOnly.tags == [.init(key: "from", value: "file")])

        let environment = ["LOGARCHIVE_STORAGE_CLASS": "STANDARD_IA", "LOGARCHIVE_TAGS": "from=env"]
        let withEnvironment = try SettingsResolver(environment: environment, currentDirectory: sandbox.root).resolve(
            SettingsOverrides()
        )
        .s3.objectOptions
        #expect(withEnvironment.storageClass == "STANDARD_IA")
        #expect(withEnvironment.tags == [.init(key: "from", value: "env")])
        #expect(withEnvironment.kmsKeyID == "alias/from-file")

        var flags = SettingsOverrides()
        flags.storageClass = "ONEZONE_IA"
        flags.serverSideEncryption = "AES256"
        flags.sseKMSKeyID = nil
        // The file's KMS key with the flag's AES256 is a contradiction, named by where the key came from.
        #expect(throws: ArchiveError.self) {
            try SettingsResolver(environment: environment, currentDirectory: sandbox.root).resolve(flags)
        }
        do {
            _ = try SettingsResolver(environment: environment, currentDirectory: sandbox.root).resolve(flags)
        } catch {
            #expect(error.message.contains("sse_kms_key_id in"), "\(error.message)")
            #expect(error.exitCode == 64)
        }
        try sandbox.write(".logarchive.json", #"{"storage_class": "ARCHIVE"}"#)
        do {
            _ = try SettingsResolver(environment: [:], currentDirectory: sandbox.root).resolve(SettingsOverrides())
            Issue.record("a bad storage_class in the config file was taken")
        } catch {
            #expect(error.message.contains("storage_class in"), "\(error.message)")
        }
    }

    /// Entries written before the options existed read as before; new ones keep them through a
    /// rewrite; an old reader keeps them as an unknown field (`unknownFields`).
    @Test func theEntryRecordsTheOptionsOnlyWhenSetAndReadsOldEntries() throws {
        let old = try ArchiveEntry(
            json: JSONParser.parse(#"{"issue_number": "5", "archived_at": "2025-01-01T00:00:00Z", "logs": []}"#),
            path: "e")
        #expect(old.objectOptions == nil)
        guard case .object(let oldObject) = old.json else { throw TestFailure("not an object") }
        #expect(oldObject["s3_object_options"] == nil)

        var entry = old
        entry.objectOptions = S3ObjectOptions(
            storageClass: "GLACIER_IR", serverSideEncryption: .awsKMS, kmsKeyID: "alias/k",
            tags: [.init(key: "issue", value: "5"), .init(key: "team", value: "infra")])
        let reread = try ArchiveEntry(json: JSONParser.parse(JSONWriter.compact(entry.json)), path: "e")
        #expect(reread.objectOptions == entry.objectOptions)
        #expect(reread.unknownFields.keys.isEmpty)
    }
}
