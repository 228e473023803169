import Foundation
import LogArchive
import Testing

/// The README's table of examples, run as a new user would: on a copy of the repository's sample
/// logs in a git repository, each with what it needs before it (an archive to read, a partial one
/// to retry, a closed issue and a remote to push to, an S3 bucket, a database), checking what it
/// did. An example that no longer matches the sample tree or the tool fails here.
@Suite(.serialized) struct ReadmeExamplesTests {
    static func examples(_ commands: String = "search|read|status") throws -> [String] {
        let readme = try String(contentsOfFile: Repository.root + "/README.md", encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"^\|[^|]*\| `(logarchive (?:"# + commands + #")[^`]*)` \|$"#, options: .anchorsMatchLines)
        return pattern.matches(in: readme, range: NSRange(readme.startIndex..., in: readme)).compactMap {
            Range($0.range(at: 1), in: readme).map { String(readme[$0]) }
        }
    }

    @Test func everyReadSearchAndStatusExampleWorksOnTheSampleLogs() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 6, "\(examples)")
        let sandbox = try Sandbox()
        try sandbox.shell("mkdir -p logs && cp -R '\(Repository.root)/logs/.' logs/").requireSuccess()
        try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()
        for example in examples {
            let command = "'\(LogArchiveBinary.path)'" + example.dropFirst("logarchive".count)
            let result = try sandbox.shell(command)
            #expect(result.status == 0, "\(example): \(result.errorOutput)")
            let wroteFile = example.contains("--output")
            #expect(wroteFile || !result.output.isEmpty, "\(example) printed nothing")
        }
    }

    @Test func everyExampleInTheTableDoesWhatItsRowSays() throws {
        let examples = try Self.examples("[^`]*")
        #expect(examples.count >= 29, "\(examples)")
        for example in examples {
            var run = try ExampleRun(example)
            try run.check()
        }
    }
}

/// One example of the README's table, run in a fresh copy of the sample tree.
private struct ExampleRun {
    let example: String
    let sandbox: Sandbox
    var environment: [String: String] = ["LOGARCHIVE_BACKOFF_SCALE": "0.001"]
    /// What the example becomes for the test: paths outside the sandbox and the bucket's name replaced.
    var command: String
    private var keepAlive: [AnyObject] = []

    init(_ example: String) throws {
        self.example = example
        sandbox = try Sandbox()
        try sandbox.shell("mkdir -p logs && cp -R '\(Repository.root)/logs/.' logs/").requireSuccess()
        try sandbox.initializeGit()
        command = "'\(LogArchiveBinary.path)'" + example.dropFirst("logarchive".count)
        command = command.replacingOccurrences(of: "/srv/log-archive", with: sandbox.path("srv-store"))
    }

    private func run(_ arguments: [String], _ extra: [String: String] = [:]) throws -> CommandResult {
        try LogArchiveBinary.run(arguments, in: sandbox, environment: environment.merging(extra) { $1 })
    }

    private func archiveFirst() throws {
        try run(["123", "--no-commit", "--no-comment"]).requireSuccess()
    }

    mutating func check() throws {
        // What each example needs first.
        let needsArchive = ["--force", "--reindex-only", "reindex --all", "read ", "search ", "status", "cleanup"]
        if needsArchive.contains(where: example.contains) { try archiveFirst() }
        if example.contains("--retry") {
            // A run killed after two of its uploads: a partial archive.
            let killed = try run(
                ["123", "--no-commit", "--no-comment"],
                ["LOGARCHIVE_FAULT_POINT": "before-upload", "LOGARCHIVE_FAULT_SKIP": "2"])
            #expect(killed.status != 0, "\(example): the run meant to be killed finished")
        }
        if example.contains("--push") {
            let github = try FakeGitHub(state: GitHubTests.state, in: sandbox)
            keepAlive.append(github)
            environment.merge(github.environment) { $1 }
            try sandbox.shell("git init -q --bare -b main ../\(URL(fileURLWithPath: sandbox.root).lastPathComponent)-remote.git && git remote add origin ../\(URL(fileURLWithPath: sandbox.root).lastPathComponent)-remote.git && git push -q -u origin main").requireSuccess()
        }
        if example.contains("s3://") {
            let server = try S3TestServer.require()
            let bucket = try server.makeBucket()
            environment.merge(server.environment()) { $1 }
            command = command.replacingOccurrences(of: "s3://team-logs", with: "s3://\(bucket)")
        }
        if example.contains("rotate ") { try sandbox.write("logs/debug/agent.log", "one line\n") }
        if example.contains("db-archive") {
            try sandbox.shell(
                "sqlite3 agent.db \"CREATE TABLE agent_logs (id INTEGER PRIMARY KEY, created_at TEXT, message TEXT); INSERT INTO agent_logs (created_at, message) VALUES ('2025-01-01T00:00:00Z', 'hello');\""
            ).requireSuccess()
        }
        if example.contains("watch ") { return try checkWatch() }

        let result = try CommandRunner.run("/bin/sh", ["-c", command], in: sandbox.root, environment: LogArchiveBinary.environment(environment))
        let said = "\(example) exited \(result.status): \(result.output) \(result.errorOutput)"
        if example.contains("capture") {
            // capture exits with its command's code, whatever the command does here.
            let direct = try sandbox.shell("swift build >/dev/null 2>&1; echo $?").output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect("\(result.status)" == direct, "\(said)")
            #expect(try sandbox.shell("cat logs/builds/123-*.log").output.contains("swift build"), "\(said)")
            return
        }
        #expect(result.status == 0, "\(said)")
        guard result.status == 0 else { return }
        try checkOutcome(result, said)
    }

    private func checkOutcome(_ result: CommandResult, _ said: String) throws {
        let entry = (try? sandbox.entry("123")) ?? nil
        let logs = (entry?["logs"] as? [[String: Any]]) ?? []
        let complete = !logs.isEmpty && logs.allSatisfy { $0["upload_status"] as? String == "uploaded" }
        switch example {
        case let e where e.contains("--dry-run") && e.hasPrefix("logarchive 123"):
            #expect(entry == nil, "\(said)")
        case let e where e.contains("--json") && e.hasPrefix("logarchive 123"):
            #expect((try? JSONSerialization.jsonObject(with: Data(result.output.utf8))) is [String: Any], "\(said)")
            #expect(complete, "\(said)")
        case let e where e.contains("--push"):
            #expect(complete && result.output.contains("pushed to origin"), "\(said)")
        case let e where e.contains("--trace"):
            #expect(complete && sandbox.exists("run.json"), "\(said)")
        case let e where e.contains("--store /srv"):
            #expect(complete && ((logs.first?["cloud_url"] as? String) ?? "").contains("srv-store"), "\(said)")
        case let e where e.contains("--store s3://"):
            #expect(complete && ((logs.first?["cloud_url"] as? String) ?? "").hasPrefix("s3://"), "\(said)")
        case let e where e.hasPrefix("logarchive 123"):
            // Archived (again with --force, finished with --retry, rebuilt with --reindex-only).
            #expect(complete, "\(said)")
        case let e where e.hasPrefix("logarchive read") || e.hasPrefix("logarchive search") || e.hasPrefix("logarchive status"):
            #expect(e.contains("--output") ? sandbox.exists("123-build.log") : !result.output.isEmpty, "\(said)")
        case let e where e.hasPrefix("logarchive log "):
            #expect(try sandbox.shell("cat logs/debug/123-*.log").output.contains("retrying the flaky test"), "\(said)")
        case let e where e.hasPrefix("logarchive init"):
            #expect(sandbox.exists(".logarchive.json"), "\(said)")
        case let e where e.hasPrefix("logarchive db-archive"):
            #expect(result.output.contains("agent_logs"), "\(said)")
        case let e where e.hasPrefix("logarchive rotate"):
            #expect(sandbox.exists("logs/debug/agent.log"), "\(said)")
        case let e where e.hasPrefix("logarchive doctor"):
            // The default local store works; no token is a warning, not a failure.
            #expect(result.output.contains("✓ store: ") && result.output.contains("⚠ github token: "), "\(said)")
            #expect(!sandbox.exists(".logarchive-store"), "\(said)")
        default:
            break
        }
    }

    /// `watch` runs until stopped: it must say what it watches, then stop cleanly on SIGINT.
    private func checkWatch() throws {
        let arguments = example.split(separator: " ").dropFirst().map(String.init)
        let watcher = try BackgroundProcess(
            LogArchiveBinary.path, arguments, in: sandbox.root, environment: LogArchiveBinary.environment(environment),
            outputPath: sandbox.path("watch.out"))
        #expect(watcher.waitForOutput(seconds: 20) { $0.contains("logs/debug") }, "\(example): \(watcher.output)")
        watcher.signal(SIGINT)
        #expect(watcher.waitForExit(seconds: 20) == 0, "\(example): \(watcher.output)")
    }
}
