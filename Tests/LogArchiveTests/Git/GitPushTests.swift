import Foundation
import Synchronization
import LogArchive
import Testing

/// `--push` against a real bare remote shared by several clones, as CI jobs for different issues
/// would share the repository.
@Suite struct GitPushTests {
    /// A bare remote whose `main` already holds an index with issue 100, and a way to clone it.
    struct Remote {
        let sandbox: Sandbox
        var bare: String { sandbox.path("remote.git") }

        init() throws {
            sandbox = try Sandbox()
            try sandbox.shell("git init -q --bare -b main remote.git && git clone -q remote.git seed").requireSuccess()
            let seed = try clone("seed", existing: true)
            try sandbox.write("seed/README.md", "project\n")
            try sandbox.write("seed/logs/builds/100-build.log", "built 100\n")
            try sandbox.shell("cd seed && git add README.md && git commit -q -m initial").requireSuccess()
            try archive(100, in: seed, push: true).requireSuccess()
        }

        @discardableResult
        func clone(_ name: String, existing: Bool = false, shallow: Bool = false) throws -> String {
            if shallow {
                // CI checkouts are shallow; a local clone ignores --depth unless given a file URL.
                try sandbox.shell("git clone -q --depth 1 file://\(bare) \(name)").requireSuccess()
            } else if !existing {
                try sandbox.shell("git clone -q remote.git \(name)").requireSuccess()
            }
            try sandbox.shell("cd \(name) && git config user.name 'CI job \(name)' && git config user.email \(name)@example.com")
                .requireSuccess()
            for folder in LogType.allCases.map(\.folder) {
                try FileManager.default.createDirectory(atPath: sandbox.path("\(name)/logs/\(folder)"), withIntermediateDirectories: true)
            }
            return sandbox.path(name)
        }

        func archive(_ issue: Int, in clone: String, push: Bool, trace: String? = nil) throws -> CommandResult {
            var arguments = ["\(issue)", "--store", sandbox.path("store"), "--no-comment"]
            if push { arguments.append("--push") }
            if let trace { arguments += ["--trace", trace] }
            return try CommandRunner.run(
                LogArchiveBinary.path, arguments, in: clone,
                environment: LogArchiveBinary.environment(["LOGARCHIVE_BACKOFF_SCALE": "0.01"]))
        }

        /// The issues in the index on the remote's `main`.
        func remoteIssues() throws -> [String] {
            // The root and every file of the index folder, as the remote's main holds them.
            let files = try sandbox.shell("git --git-dir=remote.git ls-tree --name-only main logs/.archive-index/").requireSuccess().output
            var issues: [String] = []
            for file in ["logs/.archive-index.json"] + files.split(separator: "\n").map(String.init) {
                let text = try sandbox.shell("git --git-dir=remote.git show 'main:\(file)'").requireSuccess().output
                let index = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
                issues += (index["archives"] as? [[String: Any]] ?? []).compactMap { $0["issue_number"] as? String }
            }
            return issues.sorted { Int($0) ?? 0 > Int($1) ?? 0 }
        }

        /// The issues in one file of the index on the remote's `main`.
        func remoteIssues(in file: String) throws -> [String] {
            let text = try sandbox.shell("git --git-dir=remote.git show 'main:\(file)'").requireSuccess().output
            let index = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
            return (index["archives"] as? [[String: Any]] ?? []).compactMap { $0["issue_number"] as? String }.sorted()
        }

        /// The files the last commit on the remote's `main` changed.
        func remoteLastCommitFiles() throws -> [String] {
            try sandbox.shell("git --git-dir=remote.git show --name-only --format= main").requireSuccess().output
                .split(separator: "\n").map(String.init).sorted()
        }

        /// The subjects of the `commit.merged` events of a run's trace: the index files its push merged.
        func mergedFiles(inTrace path: String) throws -> [String] {
            let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            let events = try #require(document?["events"] as? [[String: Any]])
            return events.filter { $0["event_type"] as? String == "commit.merged" }.compactMap { $0["subject"] as? String }
        }
    }

    /// The summary's "Git commit:" line.
    static func commitLine(_ result: CommandResult) -> String {
        String(result.output.split(separator: "\n").first { $0.contains("Git commit:") } ?? "")
    }

    @Test func aJobThatPushesSecondRebasesAndKeepsBothEntries() throws {
        let remote = try Remote()
        let first = try remote.clone("first")
        let second = try remote.clone("second", shallow: true)
        try remote.sandbox.write("first/logs/builds/201-build.log", "built 201\n")
        try remote.sandbox.write("second/logs/builds/202-build.log", "built 202\n")
        // The user of the second clone has a change of their own staged; it must stay local.
        try remote.sandbox.write("second/README.md", "project, edited\n")
        try remote.sandbox.shell("cd second && git add README.md").requireSuccess()

        let one = try remote.archive(201, in: first, push: true)
        #expect(one.status == 0, "\(one.output)\(one.errorOutput)")
        #expect(one.output.contains("pushed to origin"))
        let two = try remote.archive(202, in: second, push: true)
        #expect(two.status == 0, "\(two.output)\(two.errorOutput)")
        #expect(two.output.contains("after 1 rebase"), "\(two.output)")

        #expect(try remote.remoteIssues() == ["202", "201", "100"])
        // The clone's branch, work tree and index file follow the pushed commit.
        let heads = try remote.sandbox.shell("git --git-dir=remote.git rev-parse main && cd second && git rev-parse HEAD").output
            .split(separator: "\n")
        #expect(heads.count == 2 && heads[0] == heads[1])
        let local = try remote.sandbox.shell("cd second && git status --porcelain").output
        #expect(local.trimmingCharacters(in: .whitespacesAndNewlines) == "M  README.md")
        let pushedReadme = try remote.sandbox.shell("git --git-dir=remote.git show main:README.md").output
        #expect(pushedReadme == "project\n")
        let message = try remote.sandbox.shell("git --git-dir=remote.git log -1 --format='%an %s' main").output
        #expect(message.trimmingCharacters(in: .whitespacesAndNewlines) == "CI job second Archive logs for issue #202")
    }

    @Test func jobsPushingAtTheSameMomentAllLand() throws {
        let remote = try Remote()
        let issues = [301, 302, 303, 304]
        let clones = try issues.map { issue in
            let clone = try remote.clone("job\(issue)")
            try remote.sandbox.write("job\(issue)/logs/debug/\(issue)-trace.log", "trace of \(issue)\n")
            return clone
        }
        let results = Mutex<[Int: CommandResult]>([:])
        DispatchQueue.concurrentPerform(iterations: issues.count) { slot in
            let result = try? remote.archive(issues[slot], in: clones[slot], push: true)
            results.withLock { $0[issues[slot]] = result }
        }
        for issue in issues {
            let result = try #require(results.withLock { $0[issue] })
            #expect(result.status == 0, "\(issue): \(result.output)\(result.errorOutput)")
            #expect(!result.output.contains("warning"), "\(issue): \(result.output)")
        }
        #expect(try remote.remoteIssues() == ["304", "303", "302", "301", "100"])
        let count = try remote.sandbox.shell("git --git-dir=remote.git rev-list --count main").output
        #expect(count.trimmingCharacters(in: .whitespacesAndNewlines) == "\(2 + issues.count)")
    }

    @Test func jobsArchivingIssuesOfDifferentShardsPushWithoutMergingTheIndex() throws {
        let remote = try Remote()
        let first = try remote.clone("first")
        let second = try remote.clone("second")
        try remote.sandbox.write("first/logs/builds/5-build.log", "built 5\n")
        try remote.sandbox.write("second/logs/builds/250-build.log", "built 250\n")

        let one = try remote.archive(5, in: first, push: true)
        #expect(one.status == 0, "\(one.output)\(one.errorOutput)")
        let two = try remote.archive(250, in: second, push: true, trace: remote.sandbox.path("second.trace.json"))
        #expect(two.status == 0, "\(two.output)\(two.errorOutput)")
        // The second job found the remote moved on and replayed its commit onto it, merging nothing.
        let line = Self.commitLine(two)
        #expect(line.contains("pushed to origin after 1 rebase"), "\(two.output)")
        #expect(!line.contains("merging"), "\(line)")
        #expect(try remote.mergedFiles(inTrace: remote.sandbox.path("second.trace.json")).isEmpty)

        #expect(try remote.remoteIssues() == ["250", "100", "5"])
        #expect(try remote.remoteIssues(in: "logs/.archive-index/issues-000000-000024.json") == ["5"])
        #expect(try remote.remoteIssues(in: "logs/.archive-index/issues-000250-000274.json") == ["250"])
        // The pushed commit is the second job's own: one new shard, nothing of the first job's.
        #expect(try remote.remoteLastCommitFiles() == ["logs/.archive-index/issues-000250-000274.json"])
    }

    @Test func jobsArchivingIssuesOfTheSameShardMergeThatShardAndKeepBothEntries() throws {
        let remote = try Remote()
        let first = try remote.clone("first")
        let second = try remote.clone("second")
        try remote.sandbox.write("first/logs/builds/5-build.log", "built 5\n")
        try remote.sandbox.write("second/logs/debug/7-trace.log", "trace of 7\n")

        let one = try remote.archive(5, in: first, push: true)
        #expect(one.status == 0, "\(one.output)\(one.errorOutput)")
        let two = try remote.archive(7, in: second, push: true, trace: remote.sandbox.path("second.trace.json"))
        #expect(two.status == 0, "\(two.output)\(two.errorOutput)")
        let shard = "logs/.archive-index/issues-000000-000024.json"
        let line = Self.commitLine(two)
        #expect(line.contains("after 1 rebase"), "\(two.output)")
        #expect(line.hasSuffix("merging \(shard) with their entries"), "\(line)")
        #expect(try remote.mergedFiles(inTrace: remote.sandbox.path("second.trace.json")) == [shard])

        #expect(try remote.remoteIssues(in: shard) == ["5", "7"])
        #expect(try remote.remoteIssues() == ["100", "7", "5"])
        #expect(try remote.remoteLastCommitFiles() == [shard])
        // A fresh clone of the remote finds both through the command line.
        try remote.sandbox.shell("git clone -q remote.git fresh").requireSuccess()
        for issue in ["5", "7"] {
            let status = try CommandRunner.run(
                LogArchiveBinary.path, ["status", issue, "--json"], in: remote.sandbox.path("fresh"),
                environment: LogArchiveBinary.environment([:]))
            #expect(status.status == 0, "\(issue): \(status.output)\(status.errorOutput)")
            let report = try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any]
            #expect(report?["state"] as? String == "complete", "\(status.output)")
            #expect((report?["entry"] as? [String: Any])?["issue_number"] as? String == issue, "\(status.output)")
        }
    }

    @Test func aRejectionThatRebasingCannotCureIsAWarningAndTheCommitStays() throws {
        let remote = try Remote()
        let clone = try remote.clone("hooked")
        try remote.sandbox.write("remote.git/hooks/pre-receive", "#!/bin/sh\necho 'pushes are frozen' >&2\nexit 1\n")
        try remote.sandbox.shell("chmod +x remote.git/hooks/pre-receive").requireSuccess()
        try remote.sandbox.write("hooked/logs/builds/401-build.log", "built 401\n")
        let result = try remote.archive(401, in: clone, push: true)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("not pushed"))
        #expect(result.output.contains("pushes are frozen"))
        let subject = try remote.sandbox.shell("cd hooked && git log -1 --format=%s").output
        #expect(subject.hasPrefix("Archive logs for issue #401"))
        #expect(try remote.remoteIssues() == ["100"])
    }

    @Test func archivedLogsThatGitTracksLeaveTheRepositoryWithTheIndexCommit() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/55-build.log", "built 55\n")
        try sandbox.write("logs/debug/55-trace.log", "trace 55, never committed\n")
        try sandbox.write("notes.txt", "unrelated\n")
        try sandbox.shell(
            "git init -q -b main . && git config user.name T && git config user.email t@example.com && git add logs/builds notes.txt && git commit -q -m initial"
        ).requireSuccess()
        try sandbox.write("notes.txt", "unrelated, edited but not staged\n")
        let result = try LogArchiveBinary.run(["55", "--no-comment"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        let changed = try sandbox.shell("git show --name-status --format= HEAD").output
        #expect(
            changed.split(separator: "\n").sorted() == [
                "A\tlogs/.archive-index.json", "A\tlogs/.archive-index/issues-000050-000074.json", "D\tlogs/builds/55-build.log",
            ])
        let status = try sandbox.shell("git status --porcelain --untracked-files=no").output
        #expect(status.trimmingCharacters(in: .whitespacesAndNewlines) == "M notes.txt")
    }

    @Test func indexMergeKeepsEveryIssueAndPrefersTheLaterArchiveOfTheSameOne() throws {
        func entry(_ issue: String, at time: String) throws -> ArchiveEntry {
            ArchiveEntry(issueNumber: try IssueNumber(validating: issue), archivedAt: time, archiveReason: .manual, logs: [])
        }
        let base = ArchiveIndex(archives: [try entry("1", at: "2025-01-01T00:00:00Z"), try entry("2", at: "2025-01-01T00:00:00Z")])
        var upstream = base
        upstream.upsert(try entry("3", at: "2025-01-02T00:00:00Z"))
        upstream.upsert(try entry("2", at: "2025-01-05T00:00:00Z"))
        var local = base
        local.upsert(try entry("4", at: "2025-01-03T00:00:00Z"))
        local.upsert(try entry("2", at: "2025-01-04T00:00:00Z"))
        local.upsert(try entry("1", at: "2025-01-04T00:00:00Z"))

        let merged = IndexMerge.merge(base: base, upstream: upstream, local: local)
        #expect(merged.archives.map(\.issueNumber.description) == ["4", "3", "2", "1"])
        #expect(merged.entry(for: try IssueNumber(validating: "2"))?.archivedAt == "2025-01-05T00:00:00Z")
        #expect(merged.entry(for: try IssueNumber(validating: "1"))?.archivedAt == "2025-01-04T00:00:00Z")
        // With no common base (both created the index) every entry of both is kept.
        let fresh = IndexMerge.merge(base: nil, upstream: upstream, local: local)
        #expect(fresh.archives.count == 4)
    }
}
