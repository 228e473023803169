import Foundation
import Testing

@testable import LogArchive

/// Credentials in the AWS SDKs' order (environment, profile, ECS container endpoint, IMDSv2),
/// fetched from a fake metadata service on loopback (scripts/fake_metadata.py) that hands out
/// the test S3 server's keys, so the server checks every signature made with them.
@Suite struct CredentialChainTests {
    /// The server's endpoint and region, and no credentials: the chain must find them.
    static func environmentWithoutKeys(_ server: S3TestServer, _ extra: [String: String] = [:]) -> [String: String] {
        var environment = server.environment()
        environment["AWS_ACCESS_KEY_ID"] = ""
        environment["AWS_SECRET_ACCESS_KEY"] = ""
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/credentials"
        environment["AWS_CONFIG_FILE"] = "/nonexistent/config"
        environment.merge(extra) { $1 }
        return environment
    }

    static func archive(_ sandbox: Sandbox, _ bucket: String, _ environment: [String: String], _ extra: [String] = [])
        throws
        -> CommandResult
    {
        try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)", "--no-commit", "--no-comment"] + extra, in: sandbox,
            environment: environment)
    }

    @Test func theContainerFullURIWithAnAuthorizationTokenGivesKeysTheStoreAccepts() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let metadata = try FakeMetadata(
            for: server, authToken: "container-auth-token", logPath: sandbox.path("metadata.log"))
        let result = try Self.archive(
            sandbox, bucket,
            Self.environmentWithoutKeys(
                server,
                [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": metadata.containerURL,
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-auth-token",
                ]))
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(try server.keysWithoutTraces(in: bucket).count == 5)
        let asked = metadata.requests(kind: "ecs")
        #expect(asked.count == 1, "credentials valid for an hour are fetched once: \(asked)")
        #expect(asked.allSatisfy { $0["authorization"] as? Bool == true && $0["status"] as? Int == 200 })
    }

    @Test func theContainerTokenFileWinsOverTheTokenAndAWrongOneIsAFailureNamingTheEndpoint() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let metadata = try FakeMetadata(for: server, authToken: "from-the-file", logPath: sandbox.path("metadata.log"))
        try sandbox.write("token", "from-the-file\n")
        let environment = Self.environmentWithoutKeys(
            server,
            [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": metadata.containerURL,
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "stale",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": sandbox.path("token"),
            ])
        let result = try Self.archive(sandbox, bucket, environment)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")

        let other = try ArchiveCommandTests.projectWithIssue123()
        let before = try other.snapshot()
        var wrong = environment
        wrong["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = ""
        let refused = try Self.archive(other, bucket, wrong)
        #expect(refused.status == 1, "\(refused.errorOutput)")
        #expect(
            refused.errorOutput.contains("container credentials at \(metadata.containerURL)"), "\(refused.errorOutput)")
        #expect(refused.errorOutput.contains("HTTP 401"))
        #expect(!refused.errorOutput.contains("stale"), "the token is never printed")
        #expect(try other.snapshot() == before)
    }

    @Test func aPlainHTTPFullURIToAnotherHostIsRefusedAsTheSDKsRefuseIt() throws {
        let chain = AWSCredentialChain.resolve(environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/credentials", "HOME": "/nonexistent",
        ])
        #expect(chain.problem?.contains("plain http to example.com") == true, "\(chain.problem ?? "")")
        for allowed in [
            "http://127.0.0.1:9/c", "http://localhost/c", "http://169.254.170.23/v1/credentials",
            "https://example.com/c",
        ] {
            let chain = AWSCredentialChain.resolve(environment: [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": allowed, "HOME": "/nonexistent",
            ])
            #expect(chain.problem == nil && chain.container?.url == allowed, "\(allowed)")
        }
    }

    @Test func theRelativeURIIsUnderTheECSAddressAndWinsOverTheFullURI() {
        let chain = AWSCredentialChain.resolve(environment: [
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9/x",
            "HOME": "/nonexistent",
        ])
        #expect(chain.container?.url == "http://169.254.170.2/v2/credentials/abc")
    }

    @Test func instanceMetadataIsAskedWithAnIMDSv2TokenAndNeverWithoutOne() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let metadata = try FakeMetadata(for: server, logPath: sandbox.path("metadata.log"))
        let result = try Self.archive(
            sandbox, bucket,
            Self.environmentWithoutKeys(
                server, ["AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": metadata.endpoint + "/"]),
            ["--json", "--trace", "trace.json"])
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let requests = metadata.requests()
        #expect(
            requests.map { "\($0["method"] ?? "") \($0["kind"] ?? "")" } == [
                "PUT token", "GET role", "GET credentials",
            ], "\(requests)")
        #expect(requests.dropFirst().allSatisfy { $0["imds_token"] as? Bool == true })
        #expect(metadata.requests(kind: "imds-without-token").isEmpty)
        // Where the keys came from is in the trace (what `doctor` prints too).
        let trace = String(decoding: try sandbox.read("trace.json"), as: UTF8.self)
        #expect(trace.contains("credentials from EC2 instance metadata at \(metadata.endpoint) (role logarchive-test-role)"))
        #expect(trace.contains("\"credential_source\":\"imds\"") || trace.contains("\"credential_source\": \"imds\""))
    }

    @Test func withNothingAnywhereTheErrorNamesEverySourceTriedAndComesFast() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let before = try sandbox.snapshot()
        let started = Date()
        // A closed port: the metadata service of a machine that is not on EC2.
        let result = try LogArchiveBinary.run(
            ["123", "--store", "s3://some-bucket"], in: sandbox,
            environment: [
                "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9", "HOME": sandbox.root, "AWS_EC2_METADATA_DISABLED": "",
                "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9",
            ])
        #expect(result.status == 64, "\(result.errorOutput)")
        #expect(
            result.errorOutput.contains(
                "no credentials found for the S3 store; tried: env (AWS_ACCESS_KEY_ID), profile [default]"))
        #expect(result.errorOutput.contains("ECS"))
        #expect(result.errorOutput.contains("IMDS"))
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(try sandbox.snapshot() == before)
    }

    @Test func aProfileFromTheCredentialsOrTheConfigFileIsUsedAndAMissingOneIsBadInput() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.write(
            "aws/credentials",
            "[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n[ci]\naws_access_key_id = \(server.accessKeyID)\naws_secret_access_key = \(server.secretAccessKey)\n"
        )
        let environment = Self.environmentWithoutKeys(
            server, ["AWS_SHARED_CREDENTIALS_FILE": sandbox.path("aws/credentials"), "AWS_PROFILE": "ci"])
        let result = try Self.archive(sandbox, bucket, environment)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")

        let fromConfig = try ArchiveCommandTests.projectWithIssue123()
        try fromConfig.write(
            "aws/config",
            "[profile ci]\nregion = us-east-1\naws_access_key_id = \(server.accessKeyID)\naws_secret_access_key = \(server.secretAccessKey)\n"
        )
        let configured = try Self.archive(
            fromConfig, bucket,
            Self.environmentWithoutKeys(
                server, ["AWS_CONFIG_FILE": fromConfig.path("aws/config"), "AWS_PROFILE": "ci"]))
        #expect(configured.status == 0, "\(configured.output) \(configured.errorOutput)")

        let missing = try Self.archive(
            try ArchiveCommandTests.projectWithIssue123(), bucket,
            Self.environmentWithoutKeys(
                server, ["AWS_SHARED_CREDENTIALS_FILE": sandbox.path("aws/credentials"), "AWS_PROFILE": "nope"]))
        #expect(missing.status == 64)
        #expect(
            missing.errorOutput.contains("AWS_PROFILE=nope names a profile that is in neither"),
            "\(missing.errorOutput)")
    }

    /// The environment beats a profile, which beats the container endpoint, which beats IMDS.
    @Test func theSourcesAreTriedInTheSDKsOrder() throws {
        let sandbox = try Sandbox()
        try sandbox.write("credentials", "[default]\naws_access_key_id = FROMFILE\naws_secret_access_key = s\n")
        var environment = [
            "AWS_ACCESS_KEY_ID": "FROMENV", "AWS_SECRET_ACCESS_KEY": "s",
            "AWS_SHARED_CREDENTIALS_FILE": sandbox.path("credentials"),
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9/c",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:8",
            "HOME": sandbox.root,
        ]
        #expect(AWSCredentialChain.resolve(environment: environment).fixed?.source == .environment)
        environment["AWS_ACCESS_KEY_ID"] = nil
        environment["AWS_SECRET_ACCESS_KEY"] = nil
        let profile = AWSCredentialChain.resolve(environment: environment)
        #expect(profile.fixed?.accessKeyID == "FROMFILE")
        #expect(profile.fixed?.source == .profile(name: "default", file: sandbox.path("credentials")))
        environment["AWS_SHARED_CREDENTIALS_FILE"] = nil
        let container = AWSCredentialChain.resolve(environment: environment)
        #expect(container.fixed == nil && container.container?.url == "http://127.0.0.1:9/c")
        environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = nil
        let metadata = AWSCredentialChain.resolve(environment: environment)
        #expect(metadata.container == nil && metadata.instanceMetadata?.base == "http://127.0.0.1:8")
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        let nothing = AWSCredentialChain.resolve(environment: environment)
        #expect(nothing.instanceMetadata == nil)
        #expect(throws: ArchiveError.self) { try AWSCredentialProvider.make(nothing) }
        // Half a key pair is a mistake, said only to commands that open an S3 store.
        let half = AWSCredentialChain.resolve(environment: ["AWS_ACCESS_KEY_ID": "k", "HOME": "/nonexistent"])
        #expect(half.problem?.contains("AWS_SECRET_ACCESS_KEY is not") == true)
    }

    /// Credentials with less than 5 minutes to live are fetched again before a request; concurrent
    /// workers that find them stale wait for one fetch.
    @Test func temporaryCredentialsAreRefreshedBeforeTheyExpireOnceForAllWorkers() throws {
        let sandbox = try Sandbox()
        let metadata = try FakeMetadata(
            key: "AKID", secret: "s", token: "t", expiresIn: 302, logPath: sandbox.path("metadata.log"))
        let provider = AWSCredentialProvider(.container(ContainerCredentialsEndpoint(url: metadata.containerURL)))
        let first = try provider.credentials()
        #expect(first.sessionToken == "t" && first.expiration != nil)
        _ = try provider.credentials()
        #expect(provider.fetchCount == 1, "still more than 5 minutes to live")
        // Then less than 5 minutes remain: the next request refreshes them, once.
        Thread.sleep(forTimeInterval: 3)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in _ = try? provider.credentials() }
        #expect(provider.fetchCount == 2, "one fetch for eight workers")
        #expect(metadata.requests(kind: "ecs").count == 2)
    }

    /// A long run with credentials that are always inside the refresh window: every request is
    /// signed with freshly fetched ones, and SeaweedFS accepts each signature.
    @Test func aRunWithExpiringCredentialsFetchesThemAgainAndEveryRequestIsAccepted() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let metadata = try FakeMetadata(for: server, expiresIn: 200, logPath: sandbox.path("metadata.log"))
        let result = try Self.archive(
            sandbox, bucket,
            Self.environmentWithoutKeys(server, ["AWS_CONTAINER_CREDENTIALS_FULL_URI": metadata.containerURL]))
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        // A listing, four logs, the manifest and the trace at least.
        #expect(metadata.requests(kind: "ecs").count >= 7, "\(metadata.requests().count)")
    }

    /// A store that counts the temporary credentials as expired before their Expiration (its
    /// clock is ahead): the request is sent again with freshly fetched ones.
    @Test func anExpiredTokenAnswerFetchesNewCredentialsAndTheRequestIsSentAgain() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let metadata = try FakeMetadata(for: server, logPath: sandbox.path("metadata.log"))
        let proxy = try FaultProxy(
            ["--fail-first", "1", "--modes", "expiredtoken", "--only-methods", "PUT"], logPath: sandbox.path("proxy.log"))
        var environment = Self.environmentWithoutKeys(server, ["AWS_CONTAINER_CREDENTIALS_FULL_URI": metadata.containerURL])
        environment["AWS_ENDPOINT_URL_S3"] = proxy.endpoint
        let result = try Self.archive(sandbox, bucket, environment)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(try proxy.requests().contains { $0["fault"] as? String == "expiredtoken" })
        #expect(metadata.requests(kind: "ecs").count == 2, "fetched at the start, and again after ExpiredToken")

        // Long-lived keys cannot be renewed: the same answer fails the file without retries.
        let fixed = try ArchiveCommandTests.projectWithIssue123()
        let again = try FaultProxy(
            ["--fail-first", "1", "--modes", "expiredtoken", "--only-methods", "PUT"], logPath: fixed.path("proxy.log"))
        let refused = try Self.archive(fixed, bucket, server.environment(through: again.endpoint))
        #expect(refused.status == 3, "\(refused.output) \(refused.errorOutput)")
        let requests = try again.requests()
        let faulted = try #require(requests.first { $0["fault"] as? String == "expiredtoken" }?["path"] as? String)
        #expect(requests.filter { $0["path"] as? String == faulted }.count == 1, "not sent again: \(requests)")
    }

    /// The secret key and the session token appear in no output, trace, index or stored manifest.
    @Test func theSecretAndTheSessionTokenAreNeverPrintedTracedOrIndexed() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let metadata = try FakeMetadata(for: server, logPath: sandbox.path("metadata.log"))
        let environment = Self.environmentWithoutKeys(
            server, ["AWS_CONTAINER_CREDENTIALS_FULL_URI": metadata.containerURL])
        let result = try Self.archive(sandbox, bucket, environment, ["--json", "--trace", "trace.json"])
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        var outputs = result.output + result.errorOutput
        outputs += try LogArchiveBinary.run(["status", "123", "--json"], in: sandbox, environment: environment).output
        for file in try sandbox.snapshot().keys where !file.hasPrefix("metadata.log") {
            outputs += String(decoding: (try? sandbox.read(file)) ?? Data(), as: UTF8.self)
        }
        for key in try server.keys(in: bucket) {
            outputs += String(decoding: try server.download(bucket, key, into: sandbox), as: UTF8.self)
        }
        #expect(outputs.contains("\"issue_number\""), "the outputs were read")
        #expect(!outputs.contains(server.secretAccessKey))

        // A session token the store refuses (SeaweedFS knows no STS session): the failure is said
        // without the token or the secret.
        let tokened = try FakeMetadata(
            for: server, token: "SESSION-TOKEN-NEVER-SHOWN", logPath: sandbox.path("metadata2.log"))
        let other = try ArchiveCommandTests.projectWithIssue123()
        let refused = try Self.archive(
            other, bucket,
            Self.environmentWithoutKeys(server, ["AWS_CONTAINER_CREDENTIALS_FULL_URI": tokened.containerURL]),
            ["--json", "--trace", "trace.json"])
        let said = refused.output + refused.errorOutput
        #expect(!said.contains("SESSION-TOKEN-NEVER-SHOWN") && !said.contains(server.secretAccessKey), "\(said)")
    }
}
