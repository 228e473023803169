import Foundation
import LogArchive
import Testing

/// `-v/--verbose` and `LOGARCHIVE_LOG_LEVEL`: each request, retry, decision and git command on
/// stderr, secrets never anywhere, stdout untouched.
@Suite struct VerboseLoggingTests {
    static let sessionToken = "SESSIONTOKENdummy0123456789sessiontoken"
    static let githubToken = "ghp_GITHUBTOKENdummy0123456789githubtoken"

    /// Every place a secret could leak to: stdout, stderr, every file in the sandbox (index,
    /// shards, journal, `--trace` file) and, given a bucket, every object in the store (the
    /// manifest, the stored trace).
    static func expectNoSecret(
        _ secrets: [String], in results: [CommandResult], sandbox: Sandbox, server: S3TestServer? = nil,
        bucket: String? = nil
    ) throws {
        for secret in secrets {
            for result in results {
                #expect(!result.output.contains(secret), "stdout holds a secret")
                #expect(!result.errorOutput.contains(secret), "stderr holds a secret")
            }
            // The fake services' own records are not the tool's output.
            let grep = try sandbox.shell(
                "grep -r -l -F --exclude='github*' --exclude='proxy.log*' --exclude='metadata*' -e '\(secret)' . || true")
            #expect(grep.output.isEmpty, "files hold a secret: \(grep.output)")
        }
        if let server, let bucket {
            let keys = try server.keys(in: bucket)
            #expect(keys.contains { $0.contains("/trace-run-") }, "the stored trace is checked too")
            for key in keys {
                let text = String(decoding: try server.download(bucket, key, into: sandbox), as: UTF8.self)
                for secret in secrets { #expect(!text.contains(secret), "\(key) holds a secret") }
            }
        }
    }

    /// The log lines of `stderr` that say `message` and carry every `key=value` of `fields`.
    static func lines(_ stderr: String, _ message: String, _ fields: [String] = []) -> [Substring] {
        stderr.split(separator: "\n").filter { line in
            line.contains(message) && fields.allSatisfy { line.contains(" " + $0) }
        }
    }

    @Test func anS3ArchiveWithVerboseLogsEachRequestAndDecisionAndNoSecret() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.initializeGit()
        let environment = server.environment()
        let archive = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)/team", "-vv", "--trace", "trace.json"], in: sandbox,
            environment: environment)
        #expect(archive.status == 0, "\(archive.output) \(archive.errorOutput)")
        let stderr = archive.errorOutput
        // Each upload: method, key, status, bytes, duration, attempt.
        let put = Self.lines(stderr, "debug http PUT ", ["status=200", "attempt=1"]).filter {
            $0.contains("/team/archive/logs/") && $0.contains("123-build.log.gz")
        }
        #expect(put.count == 1, "\(stderr)")
        #expect(
            put.first.map { $0.contains(" sent=") && $0.contains(" received=") && $0.contains(" duration_ms=") } == true
        )
        #expect(!Self.lines(stderr, "debug http GET ", ["status=200"]).isEmpty, "the listing")
        // The decisions the trace records, and the git commands of the commit stage.
        #expect(!Self.lines(stderr, "debug decision compress.", ["component=compress"]).isEmpty, "\(stderr)")
        #expect(!Self.lines(stderr, "debug run git commit ", ["status=0", "duration_ms="]).isEmpty, "\(stderr)")
        #expect(
            stderr.contains("debug http PUT ") && stderr.contains("x-amz-checksum-sha256: "), "-vv shows the headers")
        #expect(!archive.output.contains(" debug "), "logs never go to stdout")

        // The other commands that reach the store, verbose and as JSON.
        let status = try LogArchiveBinary.run(
            ["status", "123", "--json", "-v", "--store", "s3://\(bucket)/team"], in: sandbox, environment: environment)
        #expect(status.status == 0, "\(status.errorOutput)")
        let read = try LogArchiveBinary.run(
            ["read", "123", "-v", "--store", "s3://\(bucket)/team"], in: sandbox, environment: environment)
        #expect(read.status == 0, "\(read.errorOutput)")
        #expect(
            !Self.lines(read.errorOutput, "debug http GET ", ["status=200"]).filter { $0.contains("123-build.log.gz") }
                .isEmpty, "\(read.errorOutput)")
        let reindex = try LogArchiveBinary.run(
            ["reindex", "--all", "-vv", "--store", "s3://\(bucket)/team"], in: sandbox, environment: environment)
        #expect(reindex.status == 0, "\(reindex.errorOutput)")
        #expect(!Self.lines(reindex.errorOutput, "debug http GET ", ["status=200"]).isEmpty)

        // SeaweedFS takes a request with a session token for one signed with temporary
        // credentials it never issued and refuses it: the token still goes out, signed, and the
        // refused run is logged in full.
        let withToken = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)/team", "--force", "-vv", "--json"], in: sandbox,
            environment: server.environment(["AWS_SESSION_TOKEN": Self.sessionToken]))
        #expect(withToken.status == 1, "\(withToken.output) \(withToken.errorOutput)")
        #expect(
            !Self.lines(withToken.errorOutput, "debug http GET ", ["status=403", "attempt=1"]).isEmpty,
            "\(withToken.errorOutput)")
        #expect(withToken.errorOutput.contains("x-amz-security-token: <redacted>"), "\(withToken.errorOutput)")

        #expect(server.secretAccessKey.count >= 12, "a secret long enough not to match by chance")
        try Self.expectNoSecret(
            [server.secretAccessKey, Self.sessionToken], in: [archive, status, read, reindex, withToken],
            sandbox: sandbox,
            server: server, bucket: bucket)
    }

    @Test func metadataCredentialRequestsAreLoggedWithTheirTokensRedacted() throws {
        let server = try S3TestServer.require()
        let containerToken = "CONTAINERTOKENdummy0123456789container"
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let bucket = try server.makeBucket()
        let metadata = try FakeMetadata(for: server, authToken: containerToken, logPath: sandbox.path("metadata.log"))
        let ecs = try CredentialChainTests.archive(
            sandbox, bucket,
            CredentialChainTests.environmentWithoutKeys(
                server,
                [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": metadata.containerURL,
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": containerToken,
                ]), ["-vv", "--trace", "trace.json"])
        #expect(ecs.status == 0, "\(ecs.output) \(ecs.errorOutput)")
        #expect(
            Self.lines(ecs.errorOutput, "debug http GET \(metadata.containerURL) ", ["status=200", "attempt=1"]).count == 1,
            "\(ecs.errorOutput)")
        #expect(ecs.errorOutput.contains("Authorization: <redacted>"), "\(ecs.errorOutput)")
        try Self.expectNoSecret(
            [server.secretAccessKey, containerToken], in: [ecs], sandbox: sandbox, server: server, bucket: bucket)

        let other = try ArchiveCommandTests.projectWithIssue123()
        let imds = try CredentialChainTests.archive(
            other, try server.makeBucket(),
            CredentialChainTests.environmentWithoutKeys(
                server, ["AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": metadata.endpoint + "/"]),
            ["-vv"])
        #expect(imds.status == 0, "\(imds.output) \(imds.errorOutput)")
        #expect(
            Self.lines(imds.errorOutput, "debug http PUT \(metadata.endpoint)/latest/api/token ", ["status=200"]).count == 1,
            "\(imds.errorOutput)")
        #expect(imds.errorOutput.contains("X-aws-ec2-metadata-token: <redacted>"), "\(imds.errorOutput)")
        try Self.expectNoSecret([server.secretAccessKey], in: [imds], sandbox: other)
    }

    @Test func retriesAreLoggedWithTheirAttemptAndDecision() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let proxy = try FaultProxy(
            ["--fail-first", "1", "--modes", "503slowdown", "--only-methods", "PUT"], logPath: sandbox.path("proxy.log")
        )
        let result = try LogArchiveBinary.run(
            ["123", "--store", "s3://\(bucket)", "--verbose"], in: sandbox,
            environment: server.environment(through: proxy.endpoint))
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(
            Self.lines(result.errorOutput, "debug http PUT ", ["status=503", "attempt=1"]).count == 1,
            "\(result.errorOutput)")
        #expect(
            Self.lines(result.errorOutput, "debug retry: retrying attempt 1", ["failure=rate"]).count == 1,
            "\(result.errorOutput)")
        #expect(
            Self.lines(result.errorOutput, "debug http PUT ", ["status=200", "attempt=2"]).count == 1,
            "\(result.errorOutput)")
    }

    @Test func githubRequestsAreLoggedWithTheTokenRedacted() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let github = try FakeGitHub(state: GitHubTests.state, in: sandbox, token: Self.githubToken)
        var environment = github.environment
        environment["GITHUB_TOKEN"] = Self.githubToken
        let result = try LogArchiveBinary.run(
            ["123", "--reason", "issue_closed", "-vv", "--trace", "trace.json"], in: sandbox, environment: environment)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let stderr = result.errorOutput
        #expect(
            Self.lines(stderr, "debug http GET \(github.url)/repos/org/repo/issues/123 ", ["status=200", "attempt=1"])
                .count == 1, "\(stderr)")
        #expect(
            Self.lines(stderr, "debug http POST \(github.url)/repos/org/repo/issues/123/comments ", ["status=201"])
                .count == 1, "\(stderr)")
        #expect(stderr.contains("Authorization: <redacted>"), "-vv shows the headers, the token redacted: \(stderr)")
        #expect(try github.comments("123").count == 1)
        try Self.expectNoSecret([Self.githubToken], in: [result], sandbox: sandbox)
    }

    @Test func jsonWithVerboseKeepsStdoutOneObjectAndTheLogsOnStderr() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let result = try LogArchiveBinary.run(["123", "--json", "-v"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        #expect(object?["outcome"] as? String == "archived")
        #expect(result.output.split(separator: "\n").count == 1)
        #expect(!Self.lines(result.errorOutput, "debug decision ").isEmpty, "\(result.errorOutput)")
        #expect(
            result.errorOutput.split(separator: "\n").allSatisfy { $0.contains(" debug ") }, "\(result.errorOutput)")
    }

    /// Without -v nothing is added: the same run prints what it printed before, and stderr stays empty.
    @Test func withoutVerboseNothingIsLogged() throws {
        let quiet = try ArchiveCommandTests.projectWithIssue123()
        let plain = try LogArchiveBinary.run(["123", "--json"], in: quiet)
        #expect(plain.status == 0)
        #expect(plain.errorOutput.isEmpty, "\(plain.errorOutput)")
        let status = try LogArchiveBinary.run(["status"], in: quiet)
        let verboseStatus = try LogArchiveBinary.run(["status", "-v"], in: quiet)
        #expect(status.errorOutput.isEmpty)
        #expect(status.output == verboseStatus.output)
        let info = try LogArchiveBinary.run(["status"], in: quiet, environment: ["LOGARCHIVE_LOG_LEVEL": "warning"])
        #expect(info.errorOutput.isEmpty && info.output == status.output)
    }

    @Test func theEnvironmentVariableSetsTheLevelAndAnUnknownLevelIsBadInput() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let debug = try LogArchiveBinary.run(["123"], in: sandbox, environment: ["LOGARCHIVE_LOG_LEVEL": "debug"])
        #expect(debug.status == 0)
        #expect(!Self.lines(debug.errorOutput, "debug decision ").isEmpty, "\(debug.errorOutput)")
        let wrong = try LogArchiveBinary.run(
            ["status", "--json"], in: sandbox, environment: ["LOGARCHIVE_LOG_LEVEL": "loud"])
        #expect(wrong.status == 64)
        #expect(wrong.errorOutput.contains("invalid LOGARCHIVE_LOG_LEVEL 'loud'"), "\(wrong.errorOutput)")
        let object = try JSONSerialization.jsonObject(with: Data(wrong.output.utf8)) as? [String: Any]
        #expect(object?["exit_code"] as? Int == 64)
    }

    /// The commands around the archive say what they decided too: rotate, db-archive, capture, log.
    @Test func rotateDbArchiveCaptureAndLogSayWhatTheyDidUnderVerbose() throws {
        let sandbox = try Sandbox()
        try sandbox.write("small.log", "small\n")
        let below = try LogArchiveBinary.run(["rotate", "small.log", "--threshold", "1MiB", "-v"], in: sandbox)
        #expect(below.status == 0, "\(below.errorOutput)")
        #expect(below.errorOutput.contains("not over the 1048576-byte threshold"), "\(below.errorOutput)")
        try sandbox.write("app.log", Sandbox.logText(bytes: 2_000_000, seed: 3))
        let rotated = try LogArchiveBinary.run(["rotate", "app.log", "--threshold", "1MiB", "-v"], in: sandbox)
        #expect(rotated.status == 0, "\(rotated.errorOutput)")
        for said in ["over the 1048576-byte threshold: rotating", "locking the log", "truncated to 0"] {
            #expect(rotated.errorOutput.contains(said), "\(said): \(rotated.errorOutput)")
        }

        _ = try TableArchiveTests.makeDatabase(in: sandbox, rows: 200, padding: 200)
        let table = try LogArchiveBinary.run(["db-archive", "agent.db", "--threshold", "0", "-v"], in: sandbox)
        #expect(table.status == 0, "\(table.errorOutput)")
        #expect(table.errorOutput.contains("rows written to"), "\(table.errorOutput)")
        #expect(table.errorOutput.contains("rows purged from 'agent_logs'"), "\(table.errorOutput)")

        let capture = try LogArchiveBinary.run(["capture", "5", "-v", "--", "sh", "-c", "echo one; echo two; exit 3"], in: sandbox)
        #expect(capture.status == 3)
        #expect(capture.errorOutput.contains("capture: sh -c 'echo one; echo two; exit 3' started as pid"), "\(capture.errorOutput)")
        #expect(capture.errorOutput.contains("ended with status 3; 2 lines appended to"), "\(capture.errorOutput)")
        let log = try LogArchiveBinary.run(["log", "5", "-v", "first\nsecond"], in: sandbox)
        #expect(log.status == 0 && log.errorOutput.contains("log: 2 lines appended to"), "\(log.errorOutput)")
    }

    /// The subcommands come from the root's own help, so a command added later is checked too.
    @Test func everySubcommandTakesVerboseAndSaysSo() throws {
        let sandbox = try Sandbox()
        let root = try LogArchiveBinary.run(["--help"], in: sandbox)
        let listing = root.output.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        let commands = listing.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first,
                name.allSatisfy({ $0 == "-" || ("a"..."z").contains($0) })
            else { return nil }
            return String(name)
        }
        #expect(commands.count >= 12 && commands.contains("archive") && commands.contains("reindex"), "\(commands)")
        for command in commands {
            let help = try LogArchiveBinary.run(
                command == "archive" ? ["archive", "1", "--help"] : [command, "--help"], in: sandbox)
            #expect(help.output.contains("-v, --verbose"), "\(command): \(help.output)")
        }
        try sandbox.write("logs/debug/5-x.log", "x\n")
        let status = try LogArchiveBinary.run(["status", "-v"], in: sandbox)
        #expect(status.status == 0, "\(status.errorOutput)")
    }

    @Test func redactionRemovesCredentialsFromURLsHeadersAndCommandLines() {
        let presigned =
            "https://bucket.s3.amazonaws.com/a/b.log?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20250101&X-Amz-Security-Token=\(Self.sessionToken)&X-Amz-Signature=abcdef&list-type=2"
        let redacted = LogRedaction.url(presigned)
        #expect(redacted.hasPrefix("https://bucket.s3.amazonaws.com/a/b.log?X-Amz-Algorithm=AWS4-HMAC-SHA256&"))
        #expect(!redacted.contains(Self.sessionToken) && !redacted.contains("abcdef") && !redacted.contains("AKIA"))
        #expect(redacted.contains("list-type=2"))
        #expect(
            LogRedaction.url("https://x-access-token:\(Self.githubToken)@github.com/org/repo.git")
                == "https://<redacted>@github.com/org/repo.git")
        #expect(
            LogRedaction.text("fatal: unable to access 'https://x-access-token:\(Self.githubToken)@github.com/org/repo.git/': 403\nretry")
                == "fatal: unable to access 'https://<redacted>@github.com/org/repo.git/': 403\nretry")
        #expect(LogRedaction.text("no address here") == "no address here")
        #expect(LogRedaction.header(name: "Authorization", value: "Bearer \(Self.githubToken)") == "<redacted>")
        #expect(LogRedaction.header(name: "x-amz-security-token", value: Self.sessionToken) == "<redacted>")
        #expect(LogRedaction.header(name: "content-type", value: "text/plain") == "text/plain")
        let line = LogRedaction.commandLine([
            "git", "push", "https://u:\(Self.githubToken)@example.com/r.git", "-m", "two\nlines",
        ])
        #expect(line == "git push 'https://<redacted>@example.com/r.git' -m 'two\\nlines'")
        let long = LogRedaction.commandLine(["git", "commit", "-m", String(repeating: "x", count: 500)])
        #expect(long.hasPrefix("git commit -m 'xxx") && long.hasSuffix("… (500 characters)'") && long.count < 200)
    }
}
