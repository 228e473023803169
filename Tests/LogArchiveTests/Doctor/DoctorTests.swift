import Foundation
import LogArchive
import Testing

/// `logarchive doctor` against real parts: SeaweedFS (through the fault proxy where a response
/// must change), the fake GitHub, real git repositories.
@Suite struct DoctorTests {
    /// One doctor run with `--json`: the exit status, the object, and everything it printed.
    struct Run {
        let status: Int32
        let object: [String: Any]
        let printed: String

        func check(_ name: String) -> [String: Any]? {
            (object["checks"] as? [[String: Any]])?.first { $0["name"] as? String == name }
        }

        func status(of name: String) -> String? { check(name)?["status"] as? String }

        func detail(of name: String) -> String { check(name)?["detail"] as? String ?? "" }

        func fix(of name: String) -> String { check(name)?["fix"] as? String ?? "" }
    }

    static func doctor(_ arguments: [String], in sandbox: Sandbox, environment: [String: String] = [:]) throws -> Run {
        let result = try LogArchiveBinary.run(["doctor", "--json"] + arguments, in: sandbox, environment: environment)
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        return Run(status: result.status, object: object ?? [:], printed: result.output + result.errorOutput)
    }

    /// A git repository with an identity, an `origin` it has pushed to, and the sample layout.
    static func repositoryWithOrigin() throws -> Sandbox {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/.keep", "")
        try sandbox.initializeGit()
        try sandbox.shell(
            "git init -q --bare -b main remote.git && git remote add origin \"$PWD/remote.git\" && git push -q -u origin main"
        )
        .requireSuccess()
        return sandbox
    }

    // MARK: The store

    @Test func aWorkingS3StorePassesWithAProbeWrittenReadBackAndDeletedAndNamesWhereTheCredentialsCameFrom() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        let proxy = try FaultProxy([], logPath: sandbox.path("proxy.log"))
        let run = try Self.doctor(
            ["--store", "s3://\(bucket)/team/"], in: sandbox, environment: server.environment(through: proxy.endpoint))
        #expect(run.status == 0, "\(run.printed)")
        // What reached the server: the probe written, read back and deleted, under the prefix.
        let probe = try proxy.requests().filter {
            ($0["path"] as? String)?.contains("/\(bucket)/team/logarchive-doctor-probe-") == true
        }
        #expect(probe.map { $0["method"] as? String ?? "" } == ["PUT", "HEAD", "DELETE"], "\(probe)")
        #expect(probe.allSatisfy { (200..<300).contains($0["upstream_status"] as? Int ?? 0) }, "\(probe)")
        #expect(run.status(of: "store") == "ok", "\(run.printed)")
        let detail = run.detail(of: "store")
        #expect(detail.contains("written, read back and deleted"), "\(detail)")
        #expect(detail.contains("AWS_ACCESS_KEY_ID"), "where the credentials came from: \(detail)")
        #expect(detail.contains("region \(server.region)") && detail.contains(proxy.endpoint), "\(detail)")
        #expect(run.status(of: "clock") == "ok", "\(run.printed)")
        #expect(try server.keys(in: bucket).isEmpty, "the probe object is deleted")
        #expect(!run.printed.contains(server.secretAccessKey))
    }

    @Test func credentialsFromAProfileAreNamedByTheirFileAndProfile() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        let file = try sandbox.write(
            "aws/credentials",
            "[ci]\naws_access_key_id = \(server.accessKeyID)\naws_secret_access_key = \(server.secretAccessKey)\n")
        var environment = server.environment()
        environment["AWS_ACCESS_KEY_ID"] = nil
        environment["AWS_SECRET_ACCESS_KEY"] = nil
        environment.merge([
            "AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "ci", "AWS_EC2_METADATA_DISABLED": "true",
        ]) { $1 }
        let run = try Self.doctor(["--store", "s3://\(bucket)"], in: sandbox, environment: environment)
        #expect(run.status == 0 && run.status(of: "store") == "ok", "\(run.printed)")
        #expect(
            run.detail(of: "store").contains("credentials from \(file) [ci] (key ****"), "\(run.detail(of: "store"))")
        #expect(!run.printed.contains(server.secretAccessKey))

        // No credentials anywhere: the store fails, saying where it looked.
        environment["AWS_SHARED_CREDENTIALS_FILE"] = sandbox.path("aws/none")
        environment["AWS_CONFIG_FILE"] = sandbox.path("aws/none")
        environment["AWS_PROFILE"] = nil
        let none = try Self.doctor(["--store", "s3://\(bucket)"], in: sandbox, environment: environment)
        #expect(none.status == 1 && none.status(of: "store") == "failed", "\(none.printed)")
        #expect(none.detail(of: "store").contains("AWS_ACCESS_KEY_ID"), "\(none.detail(of: "store"))")
    }

    @Test func theDefaultLocalStoreIsProbedAndLeftAsItWas() throws {
        let sandbox = try Sandbox()
        let run = try Self.doctor([], in: sandbox)
        #expect(run.status == 0, "\(run.printed)")
        #expect(
            run.status(of: "store") == "ok" && run.detail(of: "store").contains(sandbox.storeRoot), "\(run.printed)")
        #expect(!sandbox.exists(".logarchive-store"), "the store folder the probe created is removed again")

        // A store that cannot be written (here under a file, which even root cannot write into)
        // fails the probe, with its fix.
        try sandbox.write("not-a-folder", "x")
        let blocked = try Self.doctor(["--store", sandbox.path("not-a-folder/store")], in: sandbox)
        #expect(blocked.status == 1 && blocked.status(of: "store") == "failed", "\(blocked.printed)")
        #expect(blocked.detail(of: "store").contains("cannot write (PUT)"), "\(blocked.detail(of: "store"))")
        #expect(blocked.fix(of: "store").contains("--store"), "\(blocked.fix(of: "store"))")
    }

    @Test(.enabled(if: S3TestServer.checksSignatures, "the test S3 server checks no signatures"))
    func aWrongSecretFailsTheStoreCheckWithTheFixAndNeverPrintsTheSecret() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        let secret = "wrongSecretKeyThatMustNeverBePrinted0123"
        let environment = server.environment(["AWS_SECRET_ACCESS_KEY": secret])
        let run = try Self.doctor(["--store", "s3://\(bucket)"], in: sandbox, environment: environment)
        #expect(run.status == 1, "\(run.printed)")
        #expect(run.status(of: "store") == "failed", "\(run.printed)")
        #expect(run.detail(of: "store").contains("SignatureDoesNotMatch"), "\(run.detail(of: "store"))")
        #expect(run.fix(of: "store").contains("AWS_SECRET_ACCESS_KEY"), "\(run.fix(of: "store"))")
        // The clock is checked without signing: a wrong secret does not hide it.
        #expect(run.status(of: "clock") == "ok", "\(run.printed)")
        #expect(!run.printed.contains(secret))

        let text = try LogArchiveBinary.run(
            ["doctor", "--store", "s3://\(bucket)"], in: sandbox, environment: environment)
        #expect(text.status == 1)
        #expect(text.output.contains("✗ store:"), "\(text.output)")
        #expect(!(text.output + text.errorOutput).contains(secret))
        // The key id is no secret, but only its last four characters are needed to tell keys apart.
        #expect(text.output.contains("(key ****\(server.accessKeyID.suffix(4)))"), "\(text.output)")
    }

    @Test func anUnreachableEndpointFailsTheStoreCheck() throws {
        let sandbox = try Sandbox()
        // A port that was just listening and is closed now: nothing answers there.
        let endpoint = try FaultProxy([], logPath: sandbox.path("gone.log")).endpoint
        let server = try S3TestServer.require()
        let run = try Self.doctor(
            ["--store", "s3://some-bucket"], in: sandbox,
            environment: server.environment(through: endpoint, ["LOGARCHIVE_LOG_LEVEL": "debug"]))
        #expect(run.status == 1, "\(run.printed)")
        // Said at once, not after the archive's backoff (14 s without a backoff scale).
        #expect(run.printed.contains("retry: not retried attempt 1"), "\(run.printed)")
        #expect(!run.printed.contains("retry: retrying"), "\(run.printed)")
        #expect(run.status(of: "store") == "failed", "\(run.printed)")
        #expect(run.detail(of: "store").contains(endpoint), "\(run.detail(of: "store"))")
        #expect(run.fix(of: "store").contains("AWS_ENDPOINT_URL_S3"), "\(run.fix(of: "store"))")
        #expect(run.status(of: "clock") == "warning", "the clock cannot be checked: \(run.printed)")
    }

    // MARK: The clock

    @Test(arguments: [
        (1200.0, "failed", Int32(1)), (-1200.0, "failed", Int32(1)), (180.0, "warning", Int32(0)),
        (0.0, "ok", Int32(0)),
    ])
    func aClockFarFromTheStoresFailsBeyond15MinutesAndWarnsBeyondAMinute(offset: Double, expected: String, exit: Int32)
        throws
    {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        // The proxy moves the server's Date header: a store whose clock differs from this machine's.
        let proxy = try FaultProxy(["--date-offset", "\(offset)"], logPath: sandbox.path("proxy.log"))
        let run = try Self.doctor(
            ["--store", "s3://\(bucket)"], in: sandbox, environment: server.environment(through: proxy.endpoint))
        #expect(run.status == exit, "\(run.printed)")
        #expect(run.status(of: "clock") == expected, "\(run.printed)")
        #expect(run.status(of: "store") == "ok", "\(run.printed)")
        if offset != 0 {
            #expect(run.detail(of: "clock").contains(offset > 0 ? "behind" : "ahead of"), "\(run.detail(of: "clock"))")
            // Date has whole seconds: a minute's boundary may fall either side.
            let minutes = offset.magnitude > 900 ? ["19m", "20m"] : ["2m", "3m"]
            #expect(minutes.contains { run.detail(of: "clock").contains($0) }, "\(run.detail(of: "clock"))")
        }
    }

    /// The library's `Doctor` runs from a context a test builds: here a clock an hour fast,
    /// against the real store.
    @Test func aDoctorBuiltWithAClockAnHourFastFailsTheClockCheckAgainstTheRealStore() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        var overrides = SettingsOverrides()
        overrides.store = "s3://\(bucket)"
        let context = DoctorContext(
            environment: LogArchiveBinary.environment(server.environment()), currentDirectory: sandbox.root,
            clock: { Doctor.systemClock() + 3600 })
        let report = Doctor(context: context).run(DoctorRequest(overrides: overrides))
        #expect(report.exitCode == 1)
        let clock = try #require(report.check("clock"))
        #expect(clock.status == .failed && clock.detail.contains("1h ahead of the store's"), "\(clock)")
        #expect(clock.fix?.contains("synchronise the clock") == true)
        #expect(report.check("store")?.status == .ok, "\(report.checks)")
    }

    // MARK: GitHub

    static let writableState = """
        {"repo": "org/repo", "issues": {"123": {"state": "closed", "title": "Done"}, "124": {"state": "open", "title": "Still open"}}}
        """

    @Test func aTokenThatMayWriteReadsTheIssueAndMayComment() throws {
        let sandbox = try Sandbox()
        let github = try FakeGitHub(state: Self.writableState, in: sandbox)
        let run = try Self.doctor(
            ["--reason", "issue_closed", "--issue", "123"], in: sandbox, environment: github.environment)
        #expect(run.status == 0, "\(run.printed)")
        #expect(run.status(of: "github_token") == "ok")
        #expect(
            run.status(of: "github_read") == "ok" && run.detail(of: "github_read").contains("#123 'Done' (closed)"),
            "\(run.printed)")
        #expect(run.status(of: "github_comment") == "ok", "\(run.printed)")
        #expect(run.detail(of: "repository").contains("org/repo (from GITHUB_REPOSITORY)"))
        #expect(!run.printed.contains("test-token"))
        let requests = try String(contentsOfFile: github.logPath, encoding: .utf8)
        #expect(requests.contains("\"path\": \"/repos/org/repo\"") && requests.contains("/repos/org/repo/issues/123"))
        #expect(!requests.contains("\"method\": \"POST\""), "doctor comments on nothing")

        // An open issue would be refused by the lifecycle check: a warning.
        let open = try Self.doctor(
            ["--reason", "issue_closed", "--issue", "124"], in: sandbox, environment: github.environment)
        #expect(open.status == 0 && open.status(of: "github_read") == "warning", "\(open.printed)")
    }

    /// GitHub lists the user's role, not what a fine-grained token was given: a warning, not a pass.
    @Test func aFineGrainedTokenOfAWriterIsAWarningToCheckItsIssuesPermission() throws {
        let sandbox = try Sandbox()
        let github = try FakeGitHub(state: Self.writableState, in: sandbox, token: "github_pat_11AAAAAAA0test")
        var environment = github.environment
        environment["GITHUB_TOKEN"] = "github_pat_11AAAAAAA0test"
        let run = try Self.doctor(["--issue", "123"], in: sandbox, environment: environment)
        #expect(run.status == 0, "\(run.printed)")
        #expect(run.status(of: "github_comment") == "warning", "\(run.printed)")
        #expect(run.detail(of: "github_comment").contains("fine-grained"), "\(run.detail(of: "github_comment"))")
        #expect(run.fix(of: "github_comment").contains("Issues read and write"), "\(run.fix(of: "github_comment"))")
        #expect(!run.printed.contains("11AAAAAAA0test"), "the token is never printed")
    }

    @Test func aReadOnlyTokenFailsTheCommentCheckUnlessCommentsAreOff() throws {
        let sandbox = try Sandbox()
        let state = """
            {"repo": "org/repo", "permissions": {"admin": false, "maintain": false, "push": false, "triage": false, "pull": true},
             "comments_forbidden": true, "issues": {"123": {"state": "closed", "title": "Done"}}}
            """
        let github = try FakeGitHub(state: state, in: sandbox)
        let run = try Self.doctor(["--issue", "123"], in: sandbox, environment: github.environment)
        #expect(run.status == 1, "\(run.printed)")
        #expect(run.status(of: "github_read") == "ok", "reading works: \(run.printed)")
        #expect(run.status(of: "github_comment") == "failed", "\(run.printed)")
        #expect(run.detail(of: "github_comment").contains("only read"), "\(run.detail(of: "github_comment"))")
        #expect(run.fix(of: "github_comment").contains("issues: write"), "\(run.fix(of: "github_comment"))")

        let noComment = try Self.doctor(
            ["--issue", "123", "--no-comment"], in: sandbox, environment: github.environment)
        #expect(noComment.status == 0 && noComment.status(of: "github_comment") == "ok", "\(noComment.printed)")
    }

    @Test func aClassicTokenIsJudgedByItsScopes() throws {
        let sandbox = try Sandbox()
        let github = try FakeGitHub(
            state: #"{"repo": "org/repo", "private": true, "scopes": "read:org, public_repo", "issues": {}}"#,
            in: sandbox)
        let run = try Self.doctor([], in: sandbox, environment: github.environment)
        #expect(run.status == 1, "\(run.printed)")
        #expect(run.status(of: "github_comment") == "failed", "\(run.printed)")
        #expect(run.fix(of: "github_comment").contains("repo scope"), "\(run.fix(of: "github_comment"))")

        try Self.writeState(#"{"repo": "org/repo", "private": true, "scopes": "repo", "issues": {}}"#, in: sandbox)
        let again = try Self.doctor([], in: sandbox, environment: github.environment)
        #expect(again.status == 0 && again.status(of: "github_comment") == "ok", "\(again.printed)")
    }

    @Test func githubActionsOwnTokenShowsNoPermissionsAndGetsAWarningToGrantThem() throws {
        let sandbox = try Sandbox()
        let github = try FakeGitHub(state: #"{"repo": "org/repo", "permissions": null, "issues": {}}"#, in: sandbox)
        let run = try Self.doctor([], in: sandbox, environment: github.environment)
        #expect(run.status == 0, "\(run.printed)")
        #expect(run.status(of: "github_read") == "ok", "\(run.printed)")
        #expect(run.status(of: "github_comment") == "warning", "\(run.printed)")
        #expect(
            run.fix(of: "github_comment").contains("permissions: issues: write"), "\(run.fix(of: "github_comment"))")
    }

    /// The fake re-reads its state on every request: replaced atomically.
    static func writeState(_ state: String, in sandbox: Sandbox) throws {
        let temporary = try sandbox.write("github-state.json.tmp", state)
        #expect(rename(temporary, sandbox.path("github-state.json")) == 0)
    }

    @Test func aRejectedTokenFailsTheReadCheck() throws {
        let sandbox = try Sandbox()
        let github = try FakeGitHub(state: Self.writableState, in: sandbox)
        var environment = github.environment
        environment["GITHUB_TOKEN"] = "ghp_notTheRightTokenAtAll"
        let run = try Self.doctor([], in: sandbox, environment: environment)
        #expect(run.status == 1 && run.status(of: "github_read") == "failed", "\(run.printed)")
        #expect(run.detail(of: "github_read").contains("401"), "\(run.detail(of: "github_read"))")
        #expect(!run.printed.contains("ghp_notTheRightTokenAtAll"))
    }

    @Test func aMissingTokenIsAWarningUnlessTheReasonNeedsTheLifecycleCheck() throws {
        let sandbox = try Sandbox()
        let manual = try Self.doctor([], in: sandbox)
        #expect(manual.status == 0, "\(manual.printed)")
        #expect(manual.status(of: "github_token") == "warning", "\(manual.printed)")
        #expect(manual.detail(of: "github_token").contains("skip the comment"))
        #expect(manual.fix(of: "github_token").contains("GITHUB_TOKEN"))

        for reason in ["issue_closed", "pr_merged"] {
            let lifecycle = try Self.doctor(["--reason", reason], in: sandbox)
            #expect(lifecycle.status == 1, "\(reason): \(lifecycle.printed)")
            #expect(lifecycle.status(of: "github_token") == "failed", "\(reason): \(lifecycle.printed)")
            #expect(lifecycle.detail(of: "github_token").contains("exit 4"))
        }
    }

    // MARK: The repository and git

    @Test func theRepositoryComesFromTheOriginRemoteWhenNoVariableNamesIt() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/.keep", "")
        try sandbox.initializeGit()
        let none = try Self.doctor([], in: sandbox)
        #expect(none.status == 0 && none.status(of: "repository") == "warning", "\(none.printed)")
        // With a token the archive cannot start without it: a failure.
        let withToken = try Self.doctor(
            [], in: sandbox, environment: ["GITHUB_TOKEN": "t", "GITHUB_API_URL": "http://127.0.0.1:9"])
        #expect(withToken.status == 1 && withToken.status(of: "repository") == "failed", "\(withToken.printed)")

        try sandbox.shell("git remote add origin https://x-access-token:ghs_secret123@github.com/acme/widgets.git")
            .requireSuccess()
        let found = try Self.doctor([], in: sandbox)
        #expect(found.detail(of: "repository") == "acme/widgets (from the origin remote)", "\(found.printed)")
        #expect(!found.printed.contains("ghs_secret123"))
    }

    @Test func pushNeedsABranchAnUpstreamAndAnIdentity() throws {
        let sandbox = try Self.repositoryWithOrigin()
        let ready = try Self.doctor(["--push"], in: sandbox)
        #expect(ready.status == 0, "\(ready.printed)")
        #expect(
            ready.status(of: "git_branch") == "ok" && ready.detail(of: "git_branch") == "on branch main",
            "\(ready.printed)")
        #expect(
            ready.status(of: "git_upstream") == "ok" && ready.detail(of: "git_upstream").contains("origin"),
            "\(ready.printed)")
        #expect(
            ready.status(of: "git_identity") == "ok" && ready.detail(of: "git_identity").contains("test@example.com"))
        #expect(ready.status(of: "git_push") == "ok", "\(ready.printed)")
        // A dry run: the remote has nothing new.
        let remoteHead = try sandbox.shell("git --git-dir=remote.git rev-parse main").requireSuccess().output
        try sandbox.shell("git commit -q --allow-empty -m local").requireSuccess()
        #expect(try Self.doctor(["--push"], in: sandbox).status(of: "git_push") == "ok")
        #expect(try sandbox.shell("git --git-dir=remote.git rev-parse main").output == remoteHead)

        // Without --push nothing about the branch is asked.
        let noPush = try Self.doctor([], in: sandbox)
        #expect(noPush.check("git_branch") == nil && noPush.check("git_upstream") == nil)

        try sandbox.shell("git checkout -q --detach").requireSuccess()
        let detached = try Self.doctor(["--push"], in: sandbox)
        #expect(detached.status == 1, "\(detached.printed)")
        #expect(
            detached.status(of: "git_branch") == "failed" && detached.detail(of: "git_branch").contains("detached"),
            "\(detached.printed)")
        #expect(detached.fix(of: "git_branch").contains("check out"))
    }

    /// The push is tried (`--dry-run`): a remote that cannot be pushed to fails with git's reason,
    /// the credentials in its URL left out.
    @Test func aRemoteThatRefusesThePushFailsThePushCheckWithoutShowingItsCredentials() throws {
        let sandbox = try Self.repositoryWithOrigin()
        try sandbox.shell("git remote set-url origin 'http://ci:s3cr3t-token@127.0.0.1:1/org/repo.git'").requireSuccess()
        let run = try Self.doctor(["--push"], in: sandbox)
        #expect(run.status == 1, "\(run.printed)")
        #expect(run.status(of: "git_push") == "failed", "\(run.printed)")
        #expect(run.detail(of: "git_push").contains("git push --dry-run to origin failed"), "\(run.detail(of: "git_push"))")
        #expect(run.fix(of: "git_push").contains("contents: write"), "\(run.fix(of: "git_push"))")
        #expect(!run.printed.contains("s3cr3t-token"), "\(run.printed)")
    }

    @Test func pushWithoutAGitIdentityFails() throws {
        let sandbox = try Self.repositoryWithOrigin()
        // No identity anywhere: none in the repository, no global config, and none guessed.
        try sandbox.shell(
            "git config --unset user.name && git config --unset user.email && git config user.useConfigOnly true"
        ).requireSuccess()
        let environment = ["HOME": sandbox.path("home"), "GIT_CONFIG_NOSYSTEM": "1"]
        let run = try Self.doctor(["--push"], in: sandbox, environment: environment)
        #expect(run.status == 1, "\(run.printed)")
        #expect(run.status(of: "git_identity") == "failed", "\(run.printed)")
        #expect(run.fix(of: "git_identity").contains("user.email"))
        // Without --push the commit only warns, as the archive's commit stage does.
        let commitOnly = try Self.doctor([], in: sandbox, environment: environment)
        #expect(commitOnly.status == 0 && commitOnly.status(of: "git_identity") == "warning", "\(commitOnly.printed)")
    }

    @Test func gitToldNotToVerifyCertificatesFailsTheTLSCheckForAPush() throws {
        let sandbox = try Self.repositoryWithOrigin()
        let verified = try Self.doctor(["--push"], in: sandbox)
        #expect(
            verified.status(of: "tls") == "ok" && verified.detail(of: "tls").contains("verified"), "\(verified.printed)"
        )
        let unverified = try Self.doctor(["--push"], in: sandbox, environment: ["GIT_SSL_NO_VERIFY": "1"])
        #expect(unverified.status == 1 && unverified.status(of: "tls") == "failed", "\(unverified.printed)")
        try sandbox.shell("git config http.sslVerify false").requireSuccess()
        let configured = try Self.doctor(["--push"], in: sandbox)
        #expect(
            configured.status(of: "tls") == "failed" && configured.detail(of: "tls").contains("http.sslVerify"),
            "\(configured.printed)")
    }

    // MARK: The action

    /// The action's step with `doctor: true` and the real executable: a reason that needs a token
    /// it lacks stops the job before anything is archived; a warning alone lets the archive run.
    @Test func theActionRunsTheRealDoctorFirstAndOnlyAFailureStopsTheArchive() throws {
        let sandbox = try ActionTests.checkoutWithSampleLogs()
        let before = try sandbox.snapshot().filter { $0.key.hasPrefix("logs") }
        let refused = try ActionTests.step(
            "run.sh", in: sandbox,
            environment: ActionTests.archiveEnvironment(
                sandbox, ["INPUT_DOCTOR": "true", "INPUT_REASON": "issue_closed"]))
        #expect(refused.result.status == 1, "\(refused.result.output) \(refused.result.errorOutput)")
        #expect(refused.outputs["outcome"] == "doctor_failed")
        #expect(refused.result.output.contains("✗ github token: no GITHUB_TOKEN"), "\(refused.result.output)")
        #expect(try sandbox.snapshot().filter { $0.key.hasPrefix("logs") } == before, "nothing archived")

        let archived = try ActionTests.step(
            "run.sh", in: sandbox, environment: ActionTests.archiveEnvironment(sandbox, ["INPUT_DOCTOR": "true"]))
        #expect(archived.result.status == 0, "\(archived.result.output) \(archived.result.errorOutput)")
        // The comment is off through the step's args (--no-comment), and doctor heard it: with
        // the reason manual, no token is needed at all.
        #expect(
            archived.result.output.contains("✓ github token: no GITHUB_TOKEN or GH_TOKEN: not needed"),
            "\(archived.result.output)")
        #expect(archived.outputs["outcome"] == "archived")
    }

    // MARK: Output

    @Test func jsonIsOneObjectWithEveryChecksNameStatusDetailAndFix() throws {
        let sandbox = try Sandbox()
        let result = try LogArchiveBinary.run(["doctor", "--json", "--reason", "issue_closed"], in: sandbox)
        #expect(result.status == 1)
        // jq, not our parser, reads it: exactly one value, an object of the promised shape.
        let path = try sandbox.write("doctor.json", result.output)
        let shape = try sandbox.shell(
            """
            jq -se 'length == 1 and (.[0] | (.ok == false) and .status == "failed" and .exit_code == 1 and .failed >= 1
              and (.checks | length >= 6 and all(.[]; (keys == ["detail", "fix", "name", "status"])
                and (.status | IN("ok", "warning", "failed")) and ((.status == "ok") == (.fix == null)))))' '\(path)'
            """)
        #expect(shape.status == 0, "\(result.output)")
        let error = try sandbox.shell("jq -r '.error + \" \" + .kind' '\(path)'").output
        #expect(error.hasPrefix("1 check failed: github token failure"), "\(error)")
        let names = try sandbox.shell("jq -r '[.checks[].name] | join(\",\")' '\(path)'").output
        #expect(names.hasPrefix("config,logs_dir,store,clock,tls,repository,github_token"), "\(names)")

        // A usage error is one object too.
        let usage = try LogArchiveBinary.run(["doctor", "--json", "--reason", "whenever"], in: sandbox)
        #expect(usage.status == 64)
        #expect(
            (try? JSONSerialization.jsonObject(with: Data(usage.output.utf8)) as? [String: Any])?["kind"] as? String
                == "bad_input")
    }

    @Test func textHasOneMarkedLinePerCheckAndAFixUnderEachProblem() throws {
        let sandbox = try Sandbox()
        let result = try LogArchiveBinary.run(["doctor", "--reason", "issue_closed"], in: sandbox)
        #expect(result.status == 1)
        let lines = result.output.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("✓ store: ") }, "\(result.output)")
        #expect(lines.contains { $0.hasPrefix("✗ github token: ") }, "\(result.output)")
        let failed = try #require(lines.firstIndex { $0.hasPrefix("✗ github token") })
        #expect(lines[failed + 1].hasPrefix("    fix: "), "\(result.output)")
        #expect(lines.last?.contains("1 problem") == true, "\(result.output)")
    }

    @Test func noSecretIsPrintedWhateverTheOutcome() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        let github = try FakeGitHub(state: Self.writableState, in: sandbox)
        let sessionToken = "sessionTokenThatMustNeverBePrinted"
        for secret in [server.secretAccessKey, "wrongSecretThatMustNeverBePrinted"] {
            var environment = server.environment(github.environment.merging(["AWS_SECRET_ACCESS_KEY": secret]) { $1 })
            environment["AWS_SESSION_TOKEN"] = sessionToken
            for json in [true, false] {
                let arguments = [
                    "doctor", "--store", "s3://\(bucket)", "--reason", "issue_closed", "--issue", "123", "--push",
                ]
                let result = try LogArchiveBinary.run(
                    arguments + (json ? ["--json"] : []), in: sandbox, environment: environment)
                let printed = result.output + result.errorOutput
                #expect(!printed.isEmpty)
                for value in [secret, sessionToken, "test-token"] {
                    #expect(!printed.contains(value), "\(value) printed: \(printed)")
                }
            }
        }
    }
}
