import Foundation
import LogArchive
import Testing

/// A loopback HTTP server of the tests' own: answers every request with one status, body and
/// optional `Location` or `Link`, and records each request (method, path, headers) as a JSON line.
/// It stands for a GitHub API that redirects, a host a redirect or a page link points at, and a
/// server whose error body is hostile.
final class RecordingServer: @unchecked Sendable {
    let url: String
    let logPath: String
    private let process: Process

    static let script = #"""
        import json, sys
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
        host, log = args.get("--bind", "127.0.0.1"), args["--log"]
        status, body = int(args.get("--status", "200")), args.get("--body", "{}").encode()
        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with open(log, "a") as f:
                    f.write(json.dumps({"method": self.command, "path": self.path,
                                        "headers": dict(self.headers.items())}) + "\n")
                text = body
                if "/comments" in self.path:
                    text = b"[]" if self.command == "GET" else b'{"id": 1}'
                self.send_response(status)
                if "--location" in args:
                    self.send_header("Location", args["--location"] + self.path)
                if "--link" in args and "/comments" in self.path:
                    self.send_header("Link", "<" + args["--link"] + self.path + '>; rel="next"')
                self.send_header("Content-Type", args.get("--type", "application/json"))
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(text)
            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = answer
            def log_message(self, *arguments):
                pass
        server = ThreadingHTTPServer((host, 0), Handler)
        print("listening http://%s:%d" % (host, server.server_address[1]), flush=True)
        server.serve_forever()
        """#

    init(in sandbox: Sandbox, name: String, bind: String = "127.0.0.1", options: [String] = []) throws {
        let scriptPath = try sandbox.write("servers/recording.py", Self.script)
        logPath = sandbox.path("servers/\(name).log")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        (process, url) = try LoopbackService.start(
            [scriptPath, "--bind", bind, "--log", logPath] + options, announcement: sandbox.path("servers/\(name).out"))
    }

    deinit { LoopbackService.stop(process) }

    /// What the server was sent, one line per request.
    var received: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// Rules 5 and 6 of issue 27, against the release binary: the GitHub token goes only over https
/// (or to this machine) and only to the configured API host; no URL's credentials reach any
/// output, file or stored object; and text from the index, GitHub, S3 or git reaches the terminal
/// escaped, one record per line.
@Suite struct HostileSecretsTests {
    static let token = "ghp-TOKEN-c0ffee-never-print"

    // MARK: Rule 5: where the token may go

    /// Runs `arguments` and requires a fast refusal that names `expected` and changes nothing.
    @discardableResult
    static func expectRefusedFast(
        _ arguments: [String], in sandbox: Sandbox, mentioning expected: String, environment: [String: String]
    ) throws -> CommandResult {
        let before = try sandbox.snapshot()
        let started = Date()
        let result = try ReleaseBinary.run(arguments, in: sandbox, environment: environment)
        // 10.255.255.1 does not answer: a connection attempt would wait for the connect timeout.
        #expect(Date().timeIntervalSince(started) < 5, "\(arguments): took a connection attempt's time")
        // doctor reports what it cannot resolve as its failed `settings` check (exit 1, on stdout);
        // every other command refuses it as bad input.
        let isDoctor = arguments.first == "doctor"
        #expect(result.status == (isDoctor ? 1 : 64), "\(arguments): \(result.output) \(result.errorOutput)")
        let message = isDoctor ? result.output : result.errorOutput
        #expect(message.contains(expected), "\(arguments): \(result.output) \(result.errorOutput)")
        if isDoctor { #expect(message.contains("settings")) }
        #expect(!result.output.contains(token) && !result.errorOutput.contains(token))
        #expect(try sandbox.snapshot() == before)
        return result
    }

    static let githubEnvironment = [
        "GITHUB_TOKEN": token, "GITHUB_REPOSITORY": "org/repo", "LOGARCHIVE_BACKOFF_SCALE": "0.001",
    ]

    /// A config file in the working folder (a cloned repository's) or given with --config that
    /// points the API at plain http elsewhere is refused, naming the key, before any connection:
    /// the lifecycle check, a plain run that comments, and doctor.
    @Test(arguments: [
        ["5", "--reason", "issue_closed"], ["5"], ["5", "--retry"], ["doctor"], ["doctor", "--json"], ["status"],
    ])
    func plainHTTPAPIURLInTheConfigFileIsRefusedBeforeAnyConnection(_ arguments: [String]) throws {
        for url in ["http://10.255.255.1", "http://example.invalid/api", "HTTP://127.0.0.1.example.invalid:80"] {
            let sandbox = try Sandbox()
            try sandbox.write("logs/builds/5-build.log", "build\n")
            try sandbox.write(".logarchive.json", #"{"github_api_url": "\#(url)"}"#)
            try Self.expectRefusedFast(
                arguments, in: sandbox, mentioning: "github_api_url in \(sandbox.path(".logarchive.json"))",
                environment: Self.githubEnvironment)
            // The same file given with --config.
            try sandbox.shell("mv .logarchive.json elsewhere.json").requireSuccess()
            try Self.expectRefusedFast(
                arguments + ["--config", "elsewhere.json"], in: sandbox, mentioning: "github_api_url in",
                environment: Self.githubEnvironment)
        }
    }

    /// The environment's GITHUB_API_URL follows the same rule (see the threat model): the token
    /// in clear on the network is as exposed whoever set the URL.
    @Test(arguments: [["5", "--reason", "issue_closed"], ["5"], ["doctor"]])
    func plainHTTPAPIURLInTheEnvironmentIsRefusedToo(_ arguments: [String]) throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/5-build.log", "build\n")
        var environment = Self.githubEnvironment
        environment["GITHUB_API_URL"] = "http://10.255.255.1"
        try Self.expectRefusedFast(arguments, in: sandbox, mentioning: "GITHUB_API_URL", environment: environment)
    }

    @Test func theRuleAcceptsHTTPSAndThisMachineOnly() throws {
        for url in [
            "https://api.github.com", "https://ghe.example.com/api/v3", "http://127.0.0.1:8080", "http://localhost:1",
            "http://[::1]:9", "HTTPS://API.GITHUB.COM", "http://127.1.2.3",
        ] {
            #expect((try? GitHubSettings.checkedAPIURL(url, source: "x")) == url, "\(url)")
        }
        for url in [
            "http://api.github.com", "http://127.0.0.1.example.com", "http://127.0.0.1@10.0.0.1", "http://10.0.0.1",
            "ftp://127.0.0.1", "api.github.com", "http://[::2]:80", "http://0x7f000001", "http://127.0.0.256",
        ] {
            #expect(throws: ArchiveError.self, "\(url)") { try GitHubSettings.checkedAPIURL(url, source: "x") }
        }
    }

    /// The container credentials endpoint gets an authorization token too: the same host parser
    /// decides that `127.0.0.1@…` and `127.0.0.1.…` are another machine.
    @Test func theContainerCredentialsURIToALookalikeHostIsRefused() {
        for url in [
            "http://127.0.0.1@evil.example/c", "http://127.0.0.1.evil.example/c", "http://localhost.evil.example/c",
        ] {
            let chain = AWSCredentialChain.resolve(environment: [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "HOME": "/nonexistent",
            ])
            #expect(chain.problem?.contains("plain http to") == true, "\(url): \(chain.problem ?? "accepted")")
        }
    }

    /// https and loopback http are accepted from the config file: the https one is resolved (the
    /// run does not need GitHub), the loopback one gets the lifecycle check and the comment.
    @Test func httpsAndLoopbackHTTPInTheConfigFileAreAccepted() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.write(".logarchive.json", #"{"github_api_url": "https://ghe.example.invalid/api/v3"}"#)
        let status = try ReleaseBinary.run(["status"], in: sandbox, environment: Self.githubEnvironment)
        #expect(status.status == 0, "\(status.errorOutput)")

        let github = try FakeGitHub(state: GitHubTests.state, in: sandbox, token: Self.token)
        try sandbox.write(".logarchive.json", #"{"github_api_url": "\#(github.url)"}"#)
        let run = try ReleaseBinary.run(
            ["123", "--reason", "issue_closed", "--no-commit"], in: sandbox, environment: Self.githubEnvironment)
        #expect(run.status == 0, "\(run.output) \(run.errorOutput)")
        #expect(try github.comments("123").count == 1)
    }

    /// A redirect from the API to another host is not followed: the second server hears nothing,
    /// least of all the token. 127.0.0.2 is another host on this machine's loopback.
    @Test(arguments: [301, 302, 307, 308])
    func aRedirectToAnotherHostDoesNotCarryTheToken(_ code: Int) throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/5-build.log", "build\n")
        let other = try RecordingServer(
            in: sandbox, name: "other", bind: "127.0.0.2", options: ["--body", #"{"state": "closed", "title": "t"}"#])
        let api = try RecordingServer(
            in: sandbox, name: "api", options: ["--status", "\(code)", "--location", other.url, "--body", "{}"])
        var environment = Self.githubEnvironment
        environment["GITHUB_API_URL"] = api.url
        for arguments in [["5", "--reason", "issue_closed", "--no-commit"], ["doctor"]] {
            let result = try ReleaseBinary.run(arguments, in: sandbox, environment: environment)
            #expect(result.status != 0, "\(arguments): \(result.output) \(result.errorOutput)")
            #expect(!result.output.contains(Self.token) && !result.errorOutput.contains(Self.token))
        }
        #expect(api.received.contains("Bearer \(Self.token)"), "the configured API gets the token: \(api.received)")
        #expect(other.received.isEmpty, "the redirect's target was sent: \(other.received)")
        #expect(sandbox.exists("logs/builds/5-build.log"))
    }

    /// A `Link: rel="next"` page on another host is not asked for with the token: the comment is
    /// a warning, the archive succeeds, and the other host hears nothing.
    @Test func aNextPageLinkToAnotherHostDoesNotCarryTheToken() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/5-build.log", "build\n")
        let other = try RecordingServer(in: sandbox, name: "other", bind: "127.0.0.2")
        let api = try RecordingServer(
            in: sandbox, name: "api", options: ["--link", other.url, "--body", #"{"state": "closed", "title": "t"}"#])
        var environment = Self.githubEnvironment
        environment["GITHUB_API_URL"] = api.url
        let result = try ReleaseBinary.run(["5", "--no-commit"], in: sandbox, environment: environment)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(api.received.contains("/comments"), "\(api.received)")
        #expect(other.received.isEmpty, "the other host was sent: \(other.received)")
        #expect(!result.output.contains(Self.token) && !result.errorOutput.contains(Self.token))
    }

    // MARK: Rule 5: credentials in URLs are never shown

    enum StoreKind: String, CaseIterable, Sendable { case local, s3 }

    /// Recognisable passwords in every URL a run is given; none may appear anywhere.
    static let secrets = [
        "s3": "S3PASS-9d1e", "api": "APIPASS-4b7a", "public": "PUBPASS-77c2", "container": "CONTPASS-5e0f",
        "store": "STOREPASS-a1b2",
    ]

    static func assertNoSecret(_ text: String, _ what: String) {
        for (name, secret) in secrets {
            #expect(!text.contains(secret), "\(what) holds the \(name) password: \(text.prefix(2000))")
        }
        #expect(!text.contains(token), "\(what) holds the token")
    }

    /// Every output of every command and every file of the sandbox and of the store (the local
    /// store's folder, or each S3 object downloaded with the aws CLI) is free of the passwords of
    /// `user:password@` in AWS_ENDPOINT_URL_S3, github_api_url, public_url_template and
    /// AWS_CONTAINER_CREDENTIALS_FULL_URI, and of a store URL that carries one.
    @Test(arguments: StoreKind.allCases)
    func credentialsInURLsAreRedactedInEveryOutput(_ kind: StoreKind) throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.initializeGit()
        let github = try FakeGitHub(state: GitHubTests.state, in: sandbox, token: Self.token)
        let apiURL = github.url.replacingOccurrences(of: "http://", with: "http://apiuser:\(Self.secrets["api"]!)@")
        try sandbox.write(
            ".logarchive.json",
            """
            {"github_api_url": "\(apiURL)",
             "public_url_template": "https://pub:\(Self.secrets["public"]!)@cdn.example.invalid/{key}?token=\(Self.secrets["public"]!)"}
            """)
        var environment = Self.githubEnvironment
        environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://c:\(Self.secrets["container"]!)@127.0.0.1:9/creds"
        var store: [String] = []
        var bucket = ""
        if kind == .s3 {
            let server = try S3TestServer.require()
            bucket = try server.makeBucket()
            let endpoint = server.environment()["AWS_ENDPOINT_URL_S3"]!
            environment.merge(
                server.environment(
                    through: endpoint.replacingOccurrences(of: "://", with: "://s3user:\(Self.secrets["s3"]!)@"))
            ) { $1 }
            store = ["--store", "s3://\(bucket)/team"]
        }
        var outputs: [(String, CommandResult)] = []
        func run(_ arguments: [String]) throws -> CommandResult {
            let result = try ReleaseBinary.run(arguments, in: sandbox, environment: environment)
            outputs.append((arguments.joined(separator: " "), result))
            return result
        }
        let archive = try run(["123", "--reason", "issue_closed", "--json", "-vv", "--trace", "trace.json"] + store)
        #expect(archive.status == 0, "\(archive.output) \(archive.errorOutput)")
        try sandbox.write("logs/debug/123-late.log", "late\n")
        _ = try run(["123", "--reason", "issue_closed", "--force", "-v"] + store)
        for arguments in [
            ["status"], ["status", "123"], ["status", "--json"], ["doctor"], ["doctor", "--json"],
            ["doctor", "-vv"], ["reindex", "--all", "--dry-run"], ["cleanup", "--orphans", "--dry-run"],
            ["read", "123"],
        ] {
            _ = try run(arguments + store)
        }
        // A store URL with credentials, and an endpoint that cannot be reached: refused or failed,
        // and said without the password.
        let badStore = try run(["status", "--store", "s3://u:\(Self.secrets["store"]!)@bucket", "--json"])
        #expect(badStore.status == 64, "\(badStore.errorOutput)")
        _ = try run(["123", "--force", "--store", "file://u:\(Self.secrets["store"]!)@/x"])
        #expect(outputs.count > 10)
        for (command, result) in outputs {
            Self.assertNoSecret(result.output, "stdout of \(command)")
            Self.assertNoSecret(result.errorOutput, "stderr of \(command)")
        }
        // Every file of the sandbox (index, journal, traces, the local store, git's objects are
        // compressed, so the commit messages are read through git).
        let files = try sandbox.shell("find . -type f ! -path './.git/*' ! -name '*.gz' ! -path './servers/*'").output
        var checked = 0
        // The fake GitHub's own files (its request log holds the token it was sent) and the config
        // file the test wrote are not the tool's.
        for file in files.split(separator: "\n") where !file.hasPrefix("./github") && file != "./.logarchive.json" {
            let text = String(decoding: try sandbox.read(String(file.dropFirst(2))), as: UTF8.self)
            Self.assertNoSecret(text, String(file))
            checked += 1
        }
        #expect(checked >= 3)
        let trace = String(decoding: try sandbox.read("trace.json"), as: UTF8.self)
        #expect(trace.contains("events"))
        Self.assertNoSecret(try sandbox.shell("git log -p --all").output, "git history")
        if kind == .s3 {
            let server = try S3TestServer.require()
            let keys = try server.keys(in: bucket)
            #expect(keys.contains { $0.contains("/trace-") }, "\(keys)")
            for key in keys where !key.hasSuffix(".gz") {
                let text = String(decoding: try server.download(bucket, key, into: sandbox), as: UTF8.self)
                Self.assertNoSecret(text, "s3://\(bucket)/\(key)")
            }
        } else {
            #expect(files.contains("/trace-"), "the local store holds the run's trace: \(files)")
        }
        // The index still says where the logs are, without the credentials.
        guard kind == .s3 else { return }
        let log = try #require((try sandbox.entry("123")?["logs"] as? [[String: Any]])?.first)
        #expect((log["public_url"] as? String)?.hasPrefix("https://<redacted>@cdn.example.invalid/") == true, "\(log)")
    }

    /// The one redaction every output passes, on the shapes outputs hold: prose, JSON, quoted
    /// words, several URLs, a signed query; text without credentials comes back as it was.
    @Test func theOneRedactionFindsCredentialsInEveryShapeOfOutput() throws {
        let cases = [
            "the store at http://u:PW1@127.0.0.1:8333, region us-east-1",
            #"{"error":"cannot reach https://u:PW1@h.example/x","store":"s3://b/"}"#,
            "git: fatal: 'https://ci:PW1@github.com/o/r.git' rejected\n(http://a:PW1@b)",
            "two: http://a:PW1@x http://b:PW1@y/p?q=1",
            "https://h.example/k?X-Amz-Signature=PW1&x=1",
            "tabs\thttp://u:PW1@h\tand more",
        ]
        for text in cases {
            let redacted = LogRedaction.text(text)
            #expect(!redacted.contains("PW1"), "\(text) -> \(redacted)")
            #expect(LogRedaction.text(redacted) == redacted)
        }
        let json = LogRedaction.text(cases[1])
        #expect(try JSONSerialization.jsonObject(with: Data(json.utf8)) is [String: Any])
        let plain = "no secret: https://api.github.com/repos/o/r and ünïcødé ✓ user@example.com"
        #expect(LogRedaction.text(plain) == plain)
    }

    // MARK: Rule 6: what a person reads is escaped

    /// Every hostile sequence, and the escaped form each must be shown as.
    static let hostile = "A\u{1B}[2JB\u{1B}]0;owned\u{07}C\rD\nE\u{202E}F\u{9B}G\u{08}H\u{7F}I\u{2066}J"
    static let escapedParts = [
        "A\\u{1B}[2JB", "\\u{1B}]0;owned\\u{7}C", "\\rD\\nE", "\\u{202E}F\\u{9B}G", "\\u{8}H\\u{7F}I\\u{2066}J",
    ]

    /// `hostile` as a JSON string's content, for the fake servers' state.
    static let hostileInJSON = hostile.unicodeScalars.map {
        $0.value < 0x80 && $0.value >= 0x20 ? String($0) : String(format: "\\u%04x", $0.value)
    }.joined()

    /// No control character, line break or bidi control outside the line breaks of the output's
    /// own records.
    static func assertPrintable(_ text: String, _ what: String) {
        let bad = text.unicodeScalars.filter { $0 != "\n" && Self.isUnsafe($0) }
        #expect(bad.isEmpty, "\(what) has raw \(bad.map { String($0.value, radix: 16) }): \(text.debugDescription)")
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0...0x1F, 0x7F...0x9F, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    static func expectEscaped(_ text: String, _ what: String, parts: [String] = escapedParts) {
        assertPrintable(text, what)
        for part in parts { #expect(text.contains(part), "\(what) lacks \(part): \(text)") }
    }

    /// A title from GitHub (and then from the index) with every hostile sequence: `status`,
    /// `status N`, the archive's summary and doctor show it escaped, on one line.
    @Test func aHostileIssueTitleIsEscapedWhereverItIsShown() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let title = Self.hostileInJSON
        let state = #"{"repo": "org/repo", "issues": {"123": {"state": "closed", "title": "\#(title)"}}}"#
        let github = try FakeGitHub(state: state, in: sandbox, token: Self.token)
        var environment = Self.githubEnvironment
        environment["GITHUB_API_URL"] = github.url
        let archive = try ReleaseBinary.run(
            ["123", "--reason", "issue_closed", "--no-commit"], in: sandbox, environment: environment)
        #expect(archive.status == 0, "\(archive.errorOutput)")
        #expect(try sandbox.entry("123")?["issue_title"] as? String == Self.hostile)
        Self.assertPrintable(archive.output + archive.errorOutput, "the summary")
        for arguments in [["status"], ["status", "123"]] {
            let result = try ReleaseBinary.run(arguments, in: sandbox, environment: environment)
            #expect(result.status == 0, "\(result.errorOutput)")
            // The table clips a title to 40 characters: the first parts are there.
            Self.expectEscaped(
                result.output, "\(arguments)", parts: arguments.count == 1 ? ["A\\u{1B}[2JB"] : Self.escapedParts)
            Self.assertPrintable(result.errorOutput, "stderr of \(arguments)")
        }
        let doctor = try ReleaseBinary.run(
            ["doctor", "--reason", "issue_closed"], in: sandbox, environment: environment)
        Self.assertPrintable(doctor.output + doctor.errorOutput, "doctor")
    }

    /// A file name, a `last_error` and a `remote_path` an index holds: `status`, `status N` and
    /// `cleanup`/`reindex` output escaped. (A key outside the issue's folder is refused
    /// elsewhere; this one stays in its folder.)
    @Test func hostileIndexFieldsAreEscapedInStatus() throws {
        let sandbox = try Sandbox()
        let name = "7-\(Self.hostile).log"
        let entry: [String: Any] = [
            "issue_number": "7", "issue_title": Self.hostile, "archived_at": "2025-01-15T14:00:00Z",
            "archive_reason": "manual", "partial_archive": true, "upload_complete": false,
            "logs": [
                [
                    "type": "build", "filename": name, "local_path": "logs/builds/\(name)",
                    "remote_path": "archive/logs/2025/01/7/\(name)", "size_bytes": 3, "original_size_bytes": 3,
                    "compressed": false, "checksum": "sha256:" + String(repeating: "ab", count: 32),
                    "upload_status": "failed", "upload_attempt": 3,
                    "last_error": "HTTP 500: \(Self.hostile)",
                ]
            ],
        ]
        let index = try JSONSerialization.data(withJSONObject: ["schema_version": "1.0", "archives": [entry]])
        try sandbox.write("logs/.archive-index.json", index)
        try sandbox.write("logs/builds/\(name)", "x\n")
        for arguments in [
            ["status"], ["status", "7"], ["cleanup", "--orphans", "--dry-run"], ["reindex", "--all", "--dry-run"],
        ] {
            let result = try ReleaseBinary.run(arguments, in: sandbox)
            Self.assertPrintable(result.output, "stdout of \(arguments)")
            Self.assertPrintable(result.errorOutput, "stderr of \(arguments)")
            if arguments.first == "status" {
                #expect(result.status == 0, "\(result.errorOutput)")
                Self.expectEscaped(result.output, "\(arguments)", parts: ["7-A\\u{1B}[2JB"])
            }
        }
        let one = try ReleaseBinary.run(["status", "7"], in: sandbox)
        // The whole error and the whole key, each on its one line.
        Self.expectEscaped(one.output, "status 7")
        #expect(one.output.contains("HTTP 500: A\\u{1B}[2JB"))
        // JSON is escaped by JSON: the text parses back to the very bytes.
        let json = try ReleaseBinary.run(["status", "7", "--json"], in: sandbox)
        Self.assertPrintable(json.output, "status 7 --json")
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect((object?["entry"] as? [String: Any])?["issue_title"] as? String == Self.hostile)
    }

    /// A file name with the hostile sequences is archived and named escaped in the summary and
    /// in `status N`.
    @Test(arguments: StoreKind.allCases)
    func aHostileFileNameIsEscapedInTheSummaryAndStatus(_ kind: StoreKind) throws {
        let sandbox = try Sandbox()
        // No `/` and no NUL in a file name; the rest of the hostile text is allowed.
        let name = "5-\(Self.hostile).log"
        try sandbox.write("logs/builds/\(name)", "build\n")
        var environment: [String: String] = [:]
        var store: [String] = []
        if kind == .s3 {
            let server = try S3TestServer.require()
            environment = server.environment()
            store = ["--store", "s3://\(try server.makeBucket())"]
        }
        let archive = try ReleaseBinary.run(
            ["5", "--no-commit", "--dry-run"] + store, in: sandbox, environment: environment)
        Self.expectEscaped(archive.output, "the dry run's plan", parts: ["5-A\\u{1B}[2JB"])
        let real = try ReleaseBinary.run(["5", "--no-commit"] + store, in: sandbox, environment: environment)
        #expect(real.status == 0, "\(real.errorOutput)")
        Self.assertPrintable(real.output + real.errorOutput, "the summary")
        let status = try ReleaseBinary.run(["status", "5"] + store, in: sandbox, environment: environment)
        Self.expectEscaped(status.output, "status 5")
        let search = try ReleaseBinary.run(["search", "build"] + store, in: sandbox, environment: environment)
        #expect(search.status == 0, "\(search.errorOutput)")
        Self.expectEscaped(search.output, "search's file names", parts: ["5-A\\u{1B}[2JB"])
        let already = try ReleaseBinary.run(["5", "--no-commit"] + store, in: sandbox, environment: environment)
        Self.expectEscaped(already.output, "the already-archived summary", parts: ["5-A\\u{1B}[2JB"])
    }

    /// A server's error text (GitHub's JSON `message`, S3's XML `<Message>`) reaches the error
    /// messages, the summary's stage line and doctor escaped.
    @Test func hostileServerErrorBodiesAreEscapedInErrorsAndDoctor() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/5-build.log", "build\n")
        let message = Self.hostileInJSON
        let state =
            #"{"repo": "org/repo", "issues": {"5": {"state": "closed", "title": "t"}}, "faults": [{"status": 403, "count": 99, "message": "\#(message)"}]}"#
        let github = try FakeGitHub(state: state, in: sandbox, token: Self.token)
        var environment = Self.githubEnvironment
        environment["GITHUB_API_URL"] = github.url
        for arguments in [
            ["5", "--reason", "issue_closed"], ["5", "--reason", "issue_closed", "--json"],
            ["doctor", "--reason", "issue_closed"],
        ] {
            let result = try ReleaseBinary.run(
                arguments + ["--no-commit"].filter { _ in arguments[0] != "doctor" }, in: sandbox,
                environment: environment)
            #expect(result.status != 0, "\(arguments): \(result.output)")
            Self.assertPrintable(result.output, "stdout of \(arguments)")
            Self.assertPrintable(result.errorOutput, "stderr of \(arguments)")
            if !arguments.contains("--json") {
                #expect(
                    (result.output + result.errorOutput).contains("A\\u{1B}[2JB"),
                    "\(arguments): \(result.output) \(result.errorOutput)")
            }
        }
        let xml = "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>\(Self.hostile)</Message></Error>"
        let s3 = try RecordingServer(
            in: sandbox, name: "s3", options: ["--status", "403", "--type", "application/xml", "--body", xml])
        let s3Environment = [
            "AWS_ENDPOINT_URL_S3": s3.url, "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s",
            "AWS_REGION": "us-east-1",
            "LOGARCHIVE_BACKOFF_SCALE": "0.001",
        ]
        for arguments in [["5", "--no-commit", "--no-comment"], ["doctor"], ["status", "5"], ["read", "5"]] {
            let result = try ReleaseBinary.run(
                arguments + ["--store", "s3://bucket"], in: sandbox, environment: s3Environment)
            Self.assertPrintable(result.output, "stdout of \(arguments) against S3")
            Self.assertPrintable(result.errorOutput, "stderr of \(arguments) against S3")
        }
        #expect(s3.received.contains("PUT") || s3.received.contains("GET"), "the fake S3 was asked: \(s3.received)")
    }
}
