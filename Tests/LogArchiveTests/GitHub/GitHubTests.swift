import Foundation
import Testing

/// scripts/fake_github.py: a loopback GitHub API that checks the token and records what it got.
final class FakeGitHub: @unchecked Sendable {
    let url: String
    let logPath: String
    private let process: Process

    init(state: String, in sandbox: Sandbox, token: String = "test-token") throws {
        let statePath = try sandbox.write("github-state.json", state)
        logPath = sandbox.path("github.log")
        (process, url) = try LoopbackService.start(
            [Repository.root + "/scripts/fake_github.py", "--state", statePath, "--log", logPath, "--token", token],
            announcement: sandbox.path("github.out"))
    }

    deinit { LoopbackService.stop(process) }

    var environment: [String: String] {
        ["GITHUB_API_URL": url, "GITHUB_TOKEN": "test-token", "GITHUB_REPOSITORY": "org/repo", "LOGARCHIVE_BACKOFF_SCALE": "0.001"]
    }

    func comments(_ issue: String) throws -> [[String: Any]] {
        let fetched = try CommandRunner.run("/usr/bin/env", ["curl", "-sf", url + "/_state"], in: "/", environment: ProcessInfo.processInfo.environment)
        let data = Data(fetched.output.utf8)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return ((object?["comments"] as? [String: Any])?[issue] as? [[String: Any]]) ?? []
    }
}

@Suite struct GitHubTests {
    static let state = """
        {"repo": "org/repo", "issues": {
          "123": {"state": "closed", "title": "Implement user authentication"},
          "124": {"state": "open", "title": "Still open"},
          "130": {"state": "closed", "title": "Add login", "pull_request": {"merged": true}},
          "131": {"state": "closed", "title": "Abandoned", "pull_request": {"merged": false}}
        }}
        """

    @Test func aClosedIssueIsArchivedWithItsTitleAndOneCommentUpdatedOnRerun() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let github = try FakeGitHub(state: Self.state, in: sandbox)
        let result = try LogArchiveBinary.run(["123", "--reason", "issue_closed"], in: sandbox, environment: github.environment)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let entry = try #require(try sandbox.entry("123"))
        #expect(entry["issue_title"] as? String == "Implement user authentication")
        #expect(entry["issue_url"] as? String == "https://github.com/org/repo/issues/123")
        #expect(entry["archive_reason"] as? String == "issue_closed")
        let first = try github.comments("123")
        #expect(first.count == 1)
        let body = try #require(first.first?["body"] as? String)
        #expect(body.contains("📦 **Logs Archived**"))
        // A local store is not "cloud storage".
        #expect(body.contains("archived to the local store at \(sandbox.storeRoot)."), "\(body)")
        #expect(body.contains("**Build Logs**"))
        #expect(body.contains("`123-build.log`"))
        #expect(!result.output.contains("test-token") && !result.errorOutput.contains("test-token"))
        #expect(try !String(contentsOfFile: sandbox.indexPath, encoding: .utf8).contains("test-token"))

        try sandbox.write("logs/debug/123-late.log", "late\n")
        let rerun = try LogArchiveBinary.run(["123", "--reason", "issue_closed", "--force"], in: sandbox, environment: github.environment)
        #expect(rerun.status == 0, "\(rerun.errorOutput)")
        let second = try github.comments("123")
        #expect(second.count == 1, "the comment is updated in place, not repeated")
        #expect((second.first?["body"] as? String)?.contains("123-late.log") == true)
    }

    @Test func anOpenIssueAndAnUnmergedPullRequestAreRefusedWithNoChange() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/124-x.log", "x\n")
        try sandbox.write("logs/debug/131-x.log", "x\n")
        let github = try FakeGitHub(state: Self.state, in: sandbox)
        let before = try sandbox.snapshot().filter { !$0.key.hasPrefix("github") }
        let open = try LogArchiveBinary.run(["124", "--reason", "issue_closed"], in: sandbox, environment: github.environment)
        #expect(open.status == 4)
        #expect(open.errorOutput.contains("issue #124 is open"))
        let unmerged = try LogArchiveBinary.run(["131", "--reason", "pr_merged"], in: sandbox, environment: github.environment)
        #expect(unmerged.status == 4)
        #expect(unmerged.errorOutput.contains("not merged"))
        #expect(unmerged.output.contains("refused: nothing was archived"))
        #expect(!unmerged.output.contains("failed"))
        let json = try LogArchiveBinary.run(["124", "--reason", "issue_closed", "--json"], in: sandbox, environment: github.environment)
        #expect(json.output.contains(#""outcome":"refused""#))
        #expect(json.output.contains(#""kind":"refused""#))
        #expect(try sandbox.snapshot().filter { !$0.key.hasPrefix("github") } == before)
    }

    /// A GitHub that cannot be asked is not a GitHub that said no: exit 1 after the retries, with
    /// the cause, and nothing changed.
    @Test func anUnreachableOrFailingGitHubIsAFailureNotARefusal() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/123-x.log", "x\n")
        let before = try sandbox.snapshot()
        var environment = ["GITHUB_API_URL": "http://127.0.0.1:9", "GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "org/repo", "LOGARCHIVE_BACKOFF_SCALE": "0.001"]
        let unreachable = try LogArchiveBinary.run(["123", "--reason", "issue_closed"], in: sandbox, environment: environment)
        #expect(unreachable.status == 1, "\(unreachable.errorOutput)")
        #expect(unreachable.errorOutput.contains("could not be reached"))
        #expect(try sandbox.snapshot() == before)

        let state = """
            {"repo": "org/repo", "issues": {"123": {"state": "closed", "title": "t"}},
             "faults": [{"method": "GET", "status": 502, "count": 100}]}
            """
        let github = try FakeGitHub(state: state, in: sandbox)
        environment = github.environment
        let failing = try LogArchiveBinary.run(["123", "--reason", "issue_closed"], in: sandbox, environment: environment)
        #expect(failing.status == 1, "\(failing.errorOutput)")
        #expect(failing.errorOutput.contains("502"))
        #expect(try sandbox.snapshot().filter { !$0.key.hasPrefix("github") } == before)
    }

    @Test func aMergedPullRequestIsArchived() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/130-build.log", "built\n")
        let github = try FakeGitHub(state: Self.state, in: sandbox)
        let result = try LogArchiveBinary.run(["130", "--reason", "pr_merged"], in: sandbox, environment: github.environment)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(try sandbox.entry("130")?["issue_url"] as? String == "https://github.com/org/repo/pull/130")
    }

    /// The lifecycle check and the comment make three requests on one connection, for a merged
    /// pull request with 100 comments already (one page) as for a closed issue.
    @Test(arguments: [("130", "pr_merged"), ("123", "issue_closed")])
    func anArchiveMakesAtMostThreeGitHubRequestsOnOneConnection(_ issue: String, _ reason: String) throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/\(issue)-build.log", "built\n")
        let earlier = (1...100).map { #"{"body": "comment \#($0)", "user": "someone"}"# }.joined(separator: ",")
        let state = Self.state.replacingOccurrences(
            of: "\n}}", with: "\n}, \"comments\": {\"\(issue)\": [\(earlier)]}}")
        let github = try FakeGitHub(state: state, in: sandbox)
        let result = try LogArchiveBinary.run([issue, "--reason", reason], in: sandbox, environment: github.environment)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(try github.comments(issue).count == 101)
        let requests = try String(contentsOfFile: github.logPath, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(requests.map { "\($0["method"]!) \($0["path"]!)" } == [
            "GET /repos/org/repo/issues/\(issue)", "GET /repos/org/repo/issues/\(issue)/comments",
            "POST /repos/org/repo/issues/\(issue)/comments",
        ])
        #expect(Set(requests.compactMap { $0["connection"] as? Int }).count == 1, "one kept-alive connection")
    }

    @Test func aFailedCommentIsAWarningAndTheArchiveStands() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let state = """
            {"repo": "org/repo", "issues": {"123": {"state": "closed", "title": "t"}},
             "faults": [{"method": "POST", "status": 500, "count": 10}]}
            """
        let github = try FakeGitHub(state: state, in: sandbox)
        let result = try LogArchiveBinary.run(["123"], in: sandbox, environment: github.environment)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("GitHub comment: warning"))
        #expect(try sandbox.entry("123")?["upload_complete"] as? Bool == true)
        #expect(try github.comments("123").isEmpty)
    }

    @Test func rateLimitsBackOffAndBadCredentialsAreNotRetried() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let state = """
            {"repo": "org/repo", "issues": {"123": {"state": "closed", "title": "t"}},
             "faults": [{"path_contains": "/issues/123", "method": "GET", "status": 403, "rate_limited": true, "count": 1},
                        {"method": "POST", "status": 429, "count": 1, "retry_after": 1},
                        {"method": "POST", "status": 403, "secondary": true, "count": 1, "retry_after": 1}]}
            """
        let github = try FakeGitHub(state: state, in: sandbox)
        let result = try LogArchiveBinary.run(["123", "--reason", "issue_closed"], in: sandbox, environment: github.environment)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(try github.comments("123").count == 1, "the comment went through after both limits")

        let other = try ArchiveCommandTests.projectWithIssue123()
        let second = try FakeGitHub(state: state, in: other)
        var environment = second.environment
        environment["GITHUB_TOKEN"] = "wrong-token"
        let refused = try LogArchiveBinary.run(["123", "--reason", "issue_closed"], in: other, environment: environment)
        #expect(refused.status == 4)
        #expect(refused.errorOutput.contains("401"))
        #expect(!refused.errorOutput.contains("wrong-token"))
        let requests = try String(contentsOfFile: second.logPath, encoding: .utf8).split(separator: "\n")
        #expect(requests.count == 1, "a 401 is not retried")
    }

    @Test(arguments: [
        ("https://github.com/org/repo.git", "org/repo"), ("git@github.com:org/repo.git", "org/repo"),
        ("https://ghe.example.com/team/tool", "team/tool"), ("ssh://git@github.com/org/repo", "org/repo"),
    ])
    func repositoryFromTheOriginRemote(_ remote: String, _ expected: String) {
        #expect(GitHubClientNames.repository(remote) == expected)
    }
}

import LogArchive

enum GitHubClientNames {
    static func repository(_ remote: String) -> String? { GitHubClient.repository(fromRemote: remote) }
}
