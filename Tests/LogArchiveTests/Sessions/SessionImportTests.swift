import Foundation
import Testing

@testable import LogArchive

/// `logarchive sessions import`: transcripts found by their recorded cwd, attached by branch or
/// `--issue`, copied to their whole last line, redacted, re-imported without duplicates.
@Suite struct SessionImportTests {
    static let login = "5f0c6d1e-2b1a-4c8e-9f3a-7d2e1b0c9a8f"
    static let other = "a1b2c3d4-0000-4000-8000-000000000001"
    static let main = "c0ffee00-0000-4000-8000-000000000002"
    static let codex = "0199a1b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b"
    static let token = "ghp_abcdefghijklmnopqrstuvwxyzABCDEF0123"

    static func run(_ arguments: [String], _ home: AgentHome, environment: [String: String] = [:]) -> InProcessResult {
        InProcessContext(directory: home.sandbox.root, environment: home.environment.merging(environment) { $1 })
            .run(arguments)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func branchNamesTheIssueAsAWholeToken() {
        let cases: [(String, Int64?)] = [
            ("123-login", 123), ("feat/123", 123), ("issue-123", 123), ("gh-123", 123), ("fix_123_retry", 123),
            ("1234-login", 1234), ("main", nil), ("v2-release", nil), ("feat/x123", nil), ("0-zero", nil),
        ]
        for (branch, issue) in cases {
            #expect(BranchIssue.issue(in: branch)?.value == issue, "\(branch)")
        }
    }

    @Test func importsByBranchWithSubagentsRedactedAndLeavesTheUnattached() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        let login = try home.claudeSession(id: Self.login, branch: "123-login", secret: Self.token)
        try home.claudeSubagent(of: login, agent: "f00dbabe", secret: "AKIAIOSFODNN7EXAMPLE")
        try home.claudeSession(id: Self.other, cwd: sandbox.root + "/Sources", branch: "1234-retry")
        try home.claudeSession(id: Self.main, branch: "main")
        try home.claudeSession(
            id: "ffffffff-0000-4000-8000-000000000003", cwd: "/elsewhere", branch: "123-x", project: "-else")
        try home.claudeSession(
            id: "eeeeeeee-0000-4000-8000-000000000004", cwd: sandbox.root + "-sibling", branch: "123-y")
        try home.codexRollout(id: Self.codex, branch: "feat/123")

        let result = Self.run(["sessions", "import", "--json"], home)
        #expect(result.status == 0, "\(result.errorOutput)")
        let base = "session-123-2026-12-07-claude-5f0c6d1e"
        #expect(
            try home.sessionFiles() == [
                "\(base)-agent-f00dbabe.jsonl", "\(base)-agent-f00dbabe.meta.json", "\(base).jsonl",
                "session-123-2026-12-07-codex-0199a1b2.jsonl", "session-1234-2026-12-07-claude-a1b2c3d4.jsonl",
            ], "\((try? home.sessionFiles()) ?? [])")
        let copied = try home.lines("\(base).jsonl")
        let source = try String(contentsOfFile: login, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(copied.count == source.count)
        #expect(!copied.joined().contains(Self.token) && copied.joined().contains("[REDACTED:github-token]"))
        #expect(copied.enumerated().allSatisfy { $0.element == source[$0.offset] || $0.offset == 2 })
        #expect(try home.lines("\(base)-agent-f00dbabe.jsonl").joined().contains("[REDACTED:aws-access-key]"))
        // The collect stage takes each with its issue, and 123's never with 1234's.
        let issue123 = try IssueNumber(validating: "123")
        #expect(LogCollector.matches("\(base).jsonl", issue: issue123, type: .session))
        #expect(LogCollector.matches("\(base)-agent-f00dbabe.jsonl", issue: issue123, type: .session))
        #expect(!LogCollector.matches("session-1234-2026-12-07-claude-a1b2c3d4.jsonl", issue: issue123, type: .session))

        let report = try Self.json(result.output)
        let unattached = try #require(report["unattached"] as? [[String: Any]])
        #expect(unattached.map { $0["id"] as? String } == [Self.main])
        #expect((report["redactions"] as? [String: Int]) == ["aws-access-key": 1, "github-token": 1])
        #expect(!result.output.contains(Self.token))
    }

    @Test func issueFlagAttachesEverySessionFound() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        try home.claudeSession(id: Self.main, branch: "main")
        try home.claudeSession(id: Self.other, branch: "1234-retry")
        let result = Self.run(["sessions", "import", "--issue", "77", "--agent", "claude"], home)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(
            try home.sessionFiles() == [
                "session-77-2026-12-07-claude-a1b2c3d4.jsonl", "session-77-2026-12-07-claude-c0ffee00.jsonl",
            ])
        #expect(result.output.contains("Imported 2 sessions"))
    }

    @Test func reimportReplacesAGrownCopyReadsWholeLinesAndNeverDuplicates() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        let path = try home.claudeSession(id: Self.login, branch: "123-login", lines: 4)
        #expect(Self.run(["sessions", "import"], home).status == 0)
        let name = "session-123-2026-12-07-claude-5f0c6d1e.jsonl"
        #expect(try home.lines(name).count == 5)

        // The agent goes on writing: two whole lines and one half written.
        let more = AgentHome.claudeLines(id: Self.login, cwd: sandbox.root, branch: "123-login", count: 2, from: 4)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data((more.joined(separator: "\n") + "\n{\"type\":\"assistant\",\"mess").utf8))
        let second = Self.run(["sessions", "import", "--json"], home)
        #expect(second.status == 0)
        #expect(try home.sessionFiles() == [name])
        let lines = try home.lines(name)
        #expect(lines.count == 7 && lines.last == more.last)
        #expect(try Self.json(second.output).description.contains("replaced"))

        // Unchanged: the file is not rewritten.
        let before = try FileStatus.of(sandbox.path("logs/sessions/\(name)"))
        let third = Self.run(["sessions", "import"], home)
        #expect(third.output.contains("(unchanged)"))
        #expect(try FileStatus.of(sandbox.path("logs/sessions/\(name)")) == before)

        // The line finished: taken on the next import.
        handle.write(Data("age\":{}}\n".utf8))
        try handle.close()
        #expect(Self.run(["sessions", "import"], home).status == 0)
        #expect(try home.lines(name).count == 8)
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.path("logs/sessions")).count == 1)
    }

    @Test func aCopyWithMoreLinesThanTheTranscriptIsKept() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        let path = try home.claudeSession(id: Self.login, branch: "123-login", lines: 6)
        #expect(Self.run(["sessions", "import"], home).status == 0)
        let name = "logs/sessions/session-123-2026-12-07-claude-5f0c6d1e.jsonl"
        let copy = try sandbox.read(name)
        let shorter = AgentHome.claudeLines(id: Self.login, cwd: sandbox.root, branch: "123-login", count: 2)
        try (shorter.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let result = Self.run(["sessions", "import"], home)
        #expect(result.status == 0 && result.output.contains("(kept)"))
        #expect(try sandbox.read(name) == copy)
    }

    @Test func noRedactCopiesTheExactBytesAndSaysSo() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        let path = try home.claudeSession(id: Self.login, branch: "123-login", secret: Self.token)
        let result = Self.run(["sessions", "import", "--no-redact"], home)
        #expect(result.status == 0)
        #expect(result.output.contains("Not redacted (--no-redact)"))
        #expect(
            try sandbox.read("logs/sessions/session-123-2026-12-07-claude-5f0c6d1e.jsonl")
                == Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func dryRunWritesNothing() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        try home.claudeSession(id: Self.login, branch: "123-login", secret: Self.token)
        let before = try sandbox.snapshot()
        let result = Self.run(["sessions", "import", "--dry-run"], home)
        #expect(result.status == 0)
        #expect(result.output.contains("Would import 1 session") && result.output.contains("(new"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test func configuredFoldersAreHonoured() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        try home.claudeSession(id: Self.login, branch: "123-login", configDirectory: sandbox.path("claude-config"))
        try home.codexRollout(id: Self.codex, branch: "gh-123", codexHome: sandbox.path("codex-home"))
        let result = Self.run(
            ["sessions", "import"], home,
            environment: ["CLAUDE_CONFIG_DIR": sandbox.path("claude-config"), "CODEX_HOME": sandbox.path("codex-home")])
        #expect(result.status == 0)
        #expect(
            try home.sessionFiles() == [
                "session-123-2026-12-07-claude-5f0c6d1e.jsonl", "session-123-2026-12-07-codex-0199a1b2.jsonl",
            ])
    }

    @Test func sinceLeavesOlderSessions() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        let path = try home.claudeSession(id: Self.login, branch: "123-login")
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_700_000_000)], ofItemAtPath: path)
        let result = Self.run(["sessions", "import", "--since", "2024-01-01"], home)
        #expect(result.status == 0 && result.output.contains("Imported 0 sessions"))
        #expect(try home.sessionFiles().isEmpty)
    }

    @Test(arguments: [
        (["sessions", "import", "--agent", "gemini"], "'--agent gemini' is not one of claude, codex, all"),
        (["sessions", "import", "--since", "yesterday"], "'--since yesterday' is not a date"),
        (["sessions", "import", "--issue", "0123"], "leading zeros"),
    ])
    func badFlagsAreRefusedWithExit64(arguments: [String], message: String) throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        try home.claudeSession(id: Self.login, branch: "123-login")
        let before = try sandbox.snapshot()
        let result = Self.run(arguments, home)
        #expect(result.status == 64)
        #expect(result.errorOutput.contains(message), "\(result.errorOutput)")
        #expect(try sandbox.snapshot() == before)
    }

    @Test func aSymlinkedSessionsFolderIsRefusedAndNothingWritten() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        try home.claudeSession(id: Self.login, branch: "123-login")
        try FileManager.default.removeItem(atPath: sandbox.path("logs/sessions"))
        try FileManager.default.createDirectory(atPath: sandbox.path("outside"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: sandbox.path("logs/sessions"), withDestinationPath: sandbox.path("outside"))
        let result = Self.run(["sessions", "import", "--json"], home)
        #expect(result.status == 64)
        #expect(result.errorOutput.contains("logs/sessions is a symlink"), "\(result.errorOutput)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.path("outside")).isEmpty)
        #expect(try Self.json(result.output)["exit_code"] as? Int == 64)
    }
}

extension SessionImportTests {
    /// Two sessions whose ids share their first 8 characters: the second gets its whole id in its
    /// name, so neither copy overwrites the other, on this import or the next.
    @Test func sessionsSharingAShortIDNeverOverwriteEachOther() throws {
        let sandbox = try Sandbox()
        let home = try AgentHome(sandbox)
        try home.claudeSession(id: "5f0c6d1e-0000-4000-8000-00000000000a", branch: "123-login", lines: 2)
        try home.claudeSession(id: "5f0c6d1e-0000-4000-8000-00000000000b", branch: "123-login", lines: 4)
        #expect(Self.run(["sessions", "import"], home).status == 0)
        let names = [
            "session-123-2026-12-07-claude-5f0c6d1e-0000-4000-8000-00000000000b.jsonl",
            "session-123-2026-12-07-claude-5f0c6d1e.jsonl",
        ]
        #expect(try home.sessionFiles() == names)
        let again = Self.run(["sessions", "import"], home)
        #expect(again.output.components(separatedBy: "(unchanged)").count == 3, "\(again.output)")
        #expect(try home.sessionFiles() == names)
        #expect(try home.lines(names[0]).count == 5 && home.lines(names[1]).count == 3)
    }
}
