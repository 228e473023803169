import Foundation
import Testing

@testable import LogArchive

/// `logarchive hook claude` fed the JSON Claude Code gives a hook, `init --claude-hooks`, and
/// doctor's look at `cleanupPeriodDays`.
@Suite struct ClaudeHookTests {
    static func hookJSON(_ path: String, cwd: String, event: String = "SessionEnd") -> Data {
        Data(
            AgentHome.json([
                "session_id": SessionImportTests.login, "transcript_path": path, "cwd": cwd,
                "hook_event_name": event, "reason": "exit",
            ]).utf8)
    }

    static func hook(_ input: Data, _ home: AgentHome) -> InProcessResult {
        InProcessContext(directory: home.sandbox.root, environment: home.environment, input: input)
            .run(["hook", "claude"])
    }

    @Test(arguments: ["SessionEnd", "PreCompact"]) func importsTheSessionItNames(event: String) throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        let path = try home.claudeSession(
            id: SessionImportTests.login, branch: "123-login", secret: SessionImportTests.token)
        try home.claudeSubagent(of: path, agent: "f00dbabe")
        // Run from elsewhere: the hook's cwd names the repository.
        let result = InProcessContext(
            directory: "/", environment: home.environment,
            input: Self.hookJSON(path, cwd: sandbox.root + "/Sources", event: event)
        ).run(["hook", "claude"])
        #expect(result.status == 0 && result.errorOutput.isEmpty, "\(result.errorOutput)")
        let base = "session-123-2026-12-07-claude-5f0c6d1e"
        #expect(
            try home.sessionFiles() == [
                "\(base)-agent-f00dbabe.jsonl", "\(base)-agent-f00dbabe.meta.json", "\(base).jsonl",
            ])
        #expect(!(try home.lines("\(base).jsonl").joined().contains(SessionImportTests.token)))
    }

    @Test func cannotImportYetExitsZeroWithOneLine() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        let onMain = try home.claudeSession(id: SessionImportTests.main, branch: "main")
        let cases: [(Data, String)] = [
            (Data("{\"session_id\": \"x\", ".utf8), "not JSON"),
            (Data("[1]".utf8), "not a JSON object"),
            (Data(AgentHome.json(["session_id": "x", "cwd": sandbox.root]).utf8), "no 'transcript_path'"),
            (Self.hookJSON(sandbox.path("home/.claude/projects/-repo/missing.jsonl"), cwd: sandbox.root), "is missing"),
            (Self.hookJSON(onMain, cwd: sandbox.root), "no issue number in the branch 'main'"),
        ]
        let before = try sandbox.snapshot()
        for (input, message) in cases {
            let result = Self.hook(input, home)
            #expect(result.status == 0)
            #expect(result.errorOutput.hasPrefix("logarchive hook claude: ") && result.errorOutput.contains(message))
            #expect(result.errorOutput.split(separator: "\n").count == 1, "\(result.errorOutput)")
            #expect(result.output.isEmpty)
        }
        #expect(try sandbox.snapshot() == before)
    }

    @Test func initMergesTheHookIntoSettingsOnce() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        let settings = sandbox.path(".claude/settings.json")
        try FileManager.default.createDirectory(atPath: sandbox.path(".claude"), withIntermediateDirectories: true)
        let existing = """
            {"model": "opus", "hooks": {"PreCompact": [{"matcher": "auto", "hooks": [{"type": "command", "command": "echo hi"}]}]},
             "permissions": {"allow": ["Bash(swift build:*)"]}}
            """
        try existing.write(toFile: settings, atomically: false, encoding: .utf8)
        let first = InProcessContext(directory: sandbox.root, environment: home.environment).run([
            "init", "--claude-hooks",
        ])
        #expect(first.status == 0, "\(first.errorOutput)")
        #expect(first.output.contains("SessionEnd, PreCompact"))
        let merged = try #require(
            JSONSerialization.jsonObject(with: sandbox.read(".claude/settings.json")) as? [String: Any])
        #expect(merged["model"] as? String == "opus")
        #expect((merged["permissions"] as? [String: Any])?["allow"] as? [String] == ["Bash(swift build:*)"])
        let hooks = try #require(merged["hooks"] as? [String: [[String: Any]]])
        #expect(hooks["PreCompact"]?.count == 2)
        #expect(hooks["PreCompact"]?.first?["matcher"] as? String == "auto")
        let command = (hooks["SessionEnd"]?.first?["hooks"] as? [[String: String]])?.first
        #expect(command == ["type": "command", "command": "logarchive hook claude"])
        #expect(!sandbox.exists(".logarchive.json"), "--claude-hooks writes only the hook")

        let bytes = try sandbox.read(".claude/settings.json")
        let second = InProcessContext(directory: sandbox.root, environment: home.environment).run([
            "init", "--claude-hooks",
        ])
        #expect(second.status == 0 && second.output.contains("already runs"))
        #expect(try sandbox.read(".claude/settings.json") == bytes)
    }

    @Test func initRefusesSettingsItCannotRead() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        try FileManager.default.createDirectory(atPath: sandbox.path(".claude"), withIntermediateDirectories: true)
        for text in ["{\"hooks\": ", "{\"hooks\": [1]}", "{\"hooks\": {\"SessionEnd\": {}}}"] {
            try text.write(toFile: sandbox.path(".claude/settings.json"), atomically: false, encoding: .utf8)
            let before = try sandbox.snapshot()
            let result = InProcessContext(directory: sandbox.root, environment: home.environment).run([
                "init", "--claude-hooks",
            ])
            #expect(result.status == 64, "\(text)")
            #expect(result.errorOutput.contains(".claude/settings.json"), "\(result.errorOutput)")
            #expect(try sandbox.snapshot() == before)
        }
    }

    @Test(arguments: [(nil as Int?, "warning"), (14, "warning"), (365, "ok")])
    func doctorWarnsWhenClaudeDeletesTranscriptsSoon(days: Int?, status: String) throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        try FileManager.default.createDirectory(atPath: home.home + "/.claude", withIntermediateDirectories: true)
        if let days {
            try "{\"cleanupPeriodDays\": \(days)}".write(
                toFile: home.home + "/.claude/settings.json", atomically: false, encoding: .utf8)
        }
        let result = InProcessContext(directory: sandbox.root, environment: home.environment).run(["doctor", "--json"])
        let report = try #require(JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let checks = try #require(report["checks"] as? [[String: Any]])
        let check = try #require(checks.first { $0["name"] as? String == "claude_transcripts" })
        #expect(check["status"] as? String == status)
        #expect((check["detail"] as? String)?.contains("\(days ?? 30) days") == true)
    }

    @Test func doctorSaysNothingOfClaudeWhereItIsNotUsed() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        let result = InProcessContext(directory: sandbox.root, environment: home.environment).run(["doctor", "--json"])
        #expect(!result.output.contains("claude_transcripts"))
    }
}
