import Foundation
import LogArchive

/// A sandboxed HOME holding agent transcripts in the shapes Claude Code and Codex write, for a
/// repository at the sandbox's root (a `.git` folder marks it).
struct AgentHome {
    let sandbox: Sandbox
    var home: String { sandbox.path("home") }
    var environment: [String: String] { ["HOME": home] }

    init(_ sandbox: Sandbox) throws {
        self.sandbox = sandbox
        try FileManager.default.createDirectory(atPath: sandbox.path(".git"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    }

    static func json(_ object: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Claude Code lines: a summary line without cwd, then user/assistant turns with `sessionId`,
    /// `cwd`, `gitBranch`, `timestamp`, `uuid`, `message`; `secret` goes in the first tool result.
    static func claudeLines(id: String, cwd: String, branch: String, count: Int, secret: String? = nil, from: Int = 0)
        -> [String]
    {
        var lines: [String] = []
        if from == 0 {
            lines.append(json(["type": "summary", "summary": "Login work", "leafUuid": UUID().uuidString]))
        }
        for index in from..<from + count {
            let user = index % 2 == 0
            var content: Any =
                user
                ? "step \(index): run the tests"
                : [["type": "text", "text": "Running swift test for step \(index)"]]
            if index == 1, let secret {
                content = [["type": "tool_result", "tool_use_id": "toolu_1", "content": "env: \(secret)"]]
            }
            lines.append(
                json([
                    "parentUuid": NSNull(), "isSidechain": false, "userType": "external", "cwd": cwd, "sessionId": id,
                    "version": "1.0.72", "gitBranch": branch, "type": user ? "user" : "assistant",
                    "message": ["role": user ? "user" : "assistant", "content": content],
                    "uuid": UUID().uuidString.lowercased(),
                    "timestamp": String(format: "2026-12-07T10:%02d:%02d.000Z", (index / 60) % 60, index % 60),
                ]))
        }
        return lines
    }

    @discardableResult
    func claudeSession(
        id: String, cwd: String? = nil, branch: String, lines: Int = 6, secret: String? = nil,
        project: String = "-repo", configDirectory: String? = nil
    ) throws -> String {
        let folder = "\(configDirectory ?? home + "/.claude")/projects/\(project)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = "\(folder)/\(id).jsonl"
        let text = Self.claudeLines(id: id, cwd: cwd ?? sandbox.root, branch: branch, count: lines, secret: secret)
        try (text.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// `<session>/subagents/agent-<id>.jsonl` and its `.meta.json`.
    func claudeSubagent(of transcript: String, agent: String, lines: Int = 3, secret: String? = nil) throws {
        let folder = String(transcript.dropLast(6)) + "/subagents"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let id = (transcript as NSString).lastPathComponent.replacingOccurrences(of: ".jsonl", with: "")
        var text = Self.claudeLines(id: id, cwd: sandbox.root, branch: "123-login", count: lines, secret: secret)
        text.removeFirst()
        try (text.joined(separator: "\n") + "\n").write(
            toFile: "\(folder)/agent-\(agent).jsonl", atomically: false, encoding: .utf8)
        try Self.json(["agentType": "general-purpose", "description": "search the index code"])
            .write(toFile: "\(folder)/agent-\(agent).meta.json", atomically: false, encoding: .utf8)
    }

    /// A Codex rollout: the `session_meta` line, then `response_item` and `event_msg` lines.
    @discardableResult
    func codexRollout(id: String, cwd: String? = nil, branch: String, codexHome: String? = nil) throws -> String {
        let folder = "\(codexHome ?? home + "/.codex")/sessions/2026/12/07"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = "\(folder)/rollout-2026-12-07T09-30-00-\(id).jsonl"
        let lines = [
            Self.json([
                "timestamp": "2026-12-07T09:30:00.000Z", "type": "session_meta",
                "payload": [
                    "id": id, "timestamp": "2026-12-07T09:30:00.000Z", "cwd": cwd ?? sandbox.root,
                    "originator": "codex_cli_rs", "cli_version": "0.40.0",
                    "git": [
                        "commit_hash": "0123abcd", "branch": branch, "repository_url": "git@github.com:org/repo.git",
                    ],
                ],
            ]),
            Self.json([
                "timestamp": "2026-12-07T09:30:05.000Z", "type": "response_item",
                "payload": [
                    "type": "message", "role": "user", "content": [["type": "input_text", "text": "fix the login"]],
                ],
            ]),
            Self.json([
                "timestamp": "2026-12-07T09:30:09.000Z", "type": "event_msg",
                "payload": ["type": "agent_message", "message": "Done: tests pass"],
            ]),
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func sessionFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: sandbox.path("logs/sessions")).sorted()
    }

    func lines(_ name: String) throws -> [String] {
        try String(contentsOfFile: sandbox.path("logs/sessions/\(name)"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }
}
