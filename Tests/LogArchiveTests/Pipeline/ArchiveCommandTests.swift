import Crypto
import Foundation
import LogArchive
import Testing

/// The real executable on real temporary trees: what a user sees.
@Suite struct ArchiveCommandTests {
    /// A project with logs for issue 123 (one large enough to compress) and for its neighbours.
    static func projectWithIssue123() throws -> Sandbox {
        let sandbox = try Sandbox()
        try sandbox.write("logs/sessions/session-123-2025-01-15.md", "---\nstarted: 2025-01-15T09:00:00Z\n---\nwork\n")
        try sandbox.write("logs/builds/123-build.log", Sandbox.logText(bytes: 1_500_000))
        try sandbox.write("logs/deployments/123-staging.log", "deployed\n")
        try sandbox.write("logs/debug/123-trace.log", "trace\n")
        try sandbox.write("logs/builds/1234-build.log", "not ours\n")
        try sandbox.write("logs/builds/5123-build.log", "not ours\n")
        try sandbox.write("logs/sessions/session-1234-2025-01-20.md", "not ours\n")
        return sandbox
    }

    @Test func fullRunArchivesVerifiesIndexesAndCleans() throws {
        let sandbox = try Self.projectWithIssue123()
        let original = try sandbox.read("logs/builds/123-build.log")
        let result = try LogArchiveBinary.run(["123"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("✓ Logs archived for issue #123"))
        #expect(result.output.contains("Collected: 4 logs"))

        let entry = try #require(try sandbox.entry("123"))
        let logs = try #require(entry["logs"] as? [[String: Any]])
        #expect(logs.count == 4)
        #expect(entry["partial_archive"] as? Bool == false)
        #expect(entry["upload_complete"] as? Bool == true)
        #expect(entry["total_logs"] as? Int == 4)
        for log in logs {
            #expect(log["upload_status"] as? String == "uploaded")
            let remote = try #require(log["remote_path"] as? String)
            let stored = sandbox.storeRoot + "/" + remote
            let data = try Data(contentsOf: URL(fileURLWithPath: stored))
            #expect(log["size_bytes"] as? Int == data.count)
            let digest = try sandbox.shell("sha256sum '\(stored)' | cut -d' ' -f1").output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(log["checksum"] as? String == "sha256:\(digest)")
        }

        // The large log went up gzipped, and the stored object is real gzip of the original bytes.
        let build = try #require(logs.first { $0["filename"] as? String == "123-build.log" })
        #expect(build["compressed"] as? Bool == true)
        #expect(build["original_size_bytes"] as? Int == original.count)
        let gz = sandbox.storeRoot + "/" + (build["remote_path"] as? String ?? "")
        #expect(gz.hasSuffix("/123/123-build.log.gz"))
        try sandbox.shell("gzip -t '\(gz)'").requireSuccess()
        let unzipped = try sandbox.shell("zcat '\(gz)' | sha256sum").output
        let originalDigest = SHA256Hex.of(original)
        #expect(unzipped.hasPrefix(originalDigest))

        // Issue 123's files are gone locally; their neighbours and the .gz are not left behind.
        #expect(!sandbox.exists("logs/builds/123-build.log"))
        #expect(!sandbox.exists("logs/builds/123-build.log.gz"))
        #expect(!sandbox.exists("logs/sessions/session-123-2025-01-15.md"))
        #expect(sandbox.exists("logs/builds/1234-build.log"))
        #expect(sandbox.exists("logs/builds/5123-build.log"))
        #expect(sandbox.exists("logs/sessions/session-1234-2025-01-20.md"))
        #expect(!sandbox.exists("logs/.archive-index.json.backup"))
        #expect(!sandbox.exists("logs/.archive-index.json.tmp"))

        // The original workflow's own query, run over the root and the shards as the README gives it,
        // finds the entry, in the shard of issues 100 to 124; the root holds no entry.
        let found = try sandbox.shell(
            "jq -e --arg issue 123 '.archives[] | select(.issue_number == $issue)' logs/.archive-index.json logs/.archive-index/*.json"
        ).requireSuccess()
        #expect(found.output.contains("\"123-build.log\""))
        #expect(try sandbox.indexFiles() == ["logs/.archive-index/issues-000100-000124.json"])
        try sandbox.shell("jq -e '.archives == []' logs/.archive-index.json").requireSuccess()
    }

    @Test func secondRunSkipsAndChangesNothing() throws {
        let sandbox = try Self.projectWithIssue123()
        try LogArchiveBinary.run(["123"], in: sandbox).requireSuccess()
        let before = try sandbox.snapshot()
        let rerun = try LogArchiveBinary.run(["123"], in: sandbox)
        #expect(rerun.status == 0)
        #expect(rerun.output.contains("already archived"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test func forceArchivesAgainAndKeepsEarlierLogsInTheEntry() throws {
        let sandbox = try Self.projectWithIssue123()
        try LogArchiveBinary.run(["123"], in: sandbox).requireSuccess()
        try sandbox.write("logs/debug/123-late.log", "written after the first archive\n")
        let forced = try LogArchiveBinary.run(["123", "--force"], in: sandbox)
        #expect(forced.status == 0, "\(forced.errorOutput)")
        let logs = try #require(try sandbox.entry("123")?["logs"] as? [[String: Any]])
        let names = Set(logs.compactMap { $0["filename"] as? String })
        #expect(names == ["session-123-2025-01-15.md", "123-build.log", "123-staging.log", "123-trace.log", "123-late.log"])
        #expect(!sandbox.exists("logs/debug/123-late.log"))
        let archives = try #require(try sandbox.index()["archives"] as? [[String: Any]])
        #expect(archives.count == 1)
    }

    /// A reopened issue writes a new log under an archived log's name, as big as the old one. It is
    /// not mistaken for the copy a stopped run left (its modification time differs), and `--force`
    /// stores it beside the old object, never over the only copy of the archived log.
    @Test func aNewLogUnderAnArchivedNameNeverReplacesTheStoredOne() throws {
        let sandbox = try Self.projectWithIssue123()
        try LogArchiveBinary.run(["123"], in: sandbox).requireSuccess()
        let folder = try #require(
            (try sandbox.entry("123")?["logs"] as? [[String: Any]])?.first { $0["filename"] as? String == "123-staging.log" }?["remote_path"]
                as? String
        ).dropLast("123-staging.log".count)

        try sandbox.write("logs/deployments/123-staging.log", "reverted\n")  // as long as "deployed\n"
        try sandbox.shell("touch -d '2030-01-01 00:00:00' logs/deployments/123-staging.log").requireSuccess()
        let before = try sandbox.snapshot()
        let rerun = try LogArchiveBinary.run(["123"], in: sandbox)
        #expect(rerun.status == 0, "\(rerun.errorOutput)")
        #expect(rerun.output.contains("already archived"))
        #expect(try sandbox.snapshot() == before)

        for (round, content) in [(2, "reverted\n"), (3, "redeployed, longer\n")] {
            if round == 3 { try sandbox.write("logs/deployments/123-staging.log", content) }
            let forced = try LogArchiveBinary.run(["123", "--force"], in: sandbox)
            #expect(forced.status == 0, "\(forced.errorOutput)")
            #expect(!sandbox.exists("logs/deployments/123-staging.log"))
            #expect(try sandbox.read(".logarchive-store/" + folder + "123-staging.log") == Data("deployed\n".utf8))
            #expect(try sandbox.read(".logarchive-store/" + folder + "123-staging-\(round).log") == Data(content.utf8))
            let staging = try #require(try sandbox.entry("123")?["logs"] as? [[String: Any]]).filter {
                $0["filename"] as? String == "123-staging.log"
            }
            #expect(staging.count == round)
            #expect(staging.allSatisfy { $0["upload_status"] as? String == "uploaded" })
        }
        let read = try LogArchiveBinary.run(["read", "123", "--file", "123-staging.log"], in: sandbox)
        #expect(read.status == 0, "\(read.errorOutput)")
        for content in ["deployed", "reverted", "redeployed, longer"] { #expect(read.output.contains(content)) }
    }

    /// True when the index has no entry for the issue, or there is no index at all.
    static func noEntry(_ issue: String, in sandbox: Sandbox) throws -> Bool {
        guard sandbox.exists("logs/.archive-index.json") else { return true }
        return try sandbox.entry(issue) == nil
    }

    /// A run that finds no logs (a CI job that fires before the logs are pushed, a mistyped
    /// number) writes nothing, so a later run that finds logs archives them.
    @Test func noLogsWritesNoEntryAndALaterRunArchives() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/77-build.log", "someone else's\n")
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["7"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("No logs found for issue #7: nothing was archived"))
        #expect(try Self.noEntry("7", in: sandbox))
        #expect(try sandbox.snapshot() == before)
        let json = try LogArchiveBinary.run(["7", "--json"], in: sandbox)
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(object["outcome"] as? String == "no_logs")
        #expect(try Self.noEntry("7", in: sandbox))

        try sandbox.write("logs/builds/7-build.log", "late log\n")
        let later = try LogArchiveBinary.run(["7"], in: sandbox)
        #expect(later.status == 0, "\(later.errorOutput)")
        #expect(later.output.contains("✓ Logs archived for issue #7"))
        #expect(try sandbox.entry("7")?["total_logs"] as? Int == 1)
        #expect(!sandbox.exists("logs/builds/7-build.log"))
    }

    /// An entry with no logs, as older versions wrote for a run that found none, is not "already
    /// archived": the logs found now are archived.
    @Test func anOldEmptyEntryDoesNotLockTheIssueOut() throws {
        let sandbox = try Sandbox()
        try sandbox.write(
            "logs/.archive-index.json",
            """
            {"schema_version": "1.0", "last_updated": "2025-01-15T09:00:00Z", "archives": [{"issue_number": "7", \
            "archived_at": "2025-01-15T09:00:00Z", "archive_reason": "manual", "total_logs": 0, "total_size_bytes": 0, \
            "partial_archive": false, "upload_complete": true, "logs": []}]}
            """)
        try sandbox.write("logs/builds/7-build.log", "late log\n")
        let result = try LogArchiveBinary.run(["7"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("✓ Logs archived for issue #7"))
        #expect(!result.output.contains("already archived"))
        let entry = try #require(try sandbox.entry("7"))
        #expect(entry["total_logs"] as? Int == 1)
        #expect((entry["logs"] as? [[String: Any]])?.first?["upload_status"] as? String == "uploaded")
        #expect(!sandbox.exists("logs/builds/7-build.log"))
        // Archived now, the issue is left alone by the next run.
        let again = try LogArchiveBinary.run(["7"], in: sandbox)
        #expect(again.status == 0)
        #expect(again.output.contains("already archived"))
    }

    @Test func dryRunPrintsThePlanAndChangesNothing() throws {
        let sandbox = try Self.projectWithIssue123()
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["123", "--dry-run"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("builds/123-build.log"))
        #expect(result.output.contains("123-build.log.gz: compress"))
        #expect(!result.output.contains("1234-build.log"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test func jsonPrintsOneObject() throws {
        let sandbox = try Self.projectWithIssue123()
        let result = try LogArchiveBinary.run(["123", "--json", "--no-commit"], in: sandbox)
        #expect(result.status == 0)
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(object["outcome"] as? String == "archived")
        #expect(object["collected"] as? Int == 4)
        let stages = try #require(object["stages"] as? [[String: Any]])
        #expect(stages.map { $0["name"] as? String } == [
            "validate", "collect", "compress", "checksum", "upload", "index", "comment", "clean", "commit",
        ])
        let comment = try #require(stages.first { $0["name"] as? String == "comment" })
        #expect(comment["status"] as? String == "skipped")
        #expect((comment["detail"] as? String)?.contains("GITHUB_TOKEN") == true)
        let commit = try #require(stages.first { $0["name"] as? String == "commit" })
        #expect(commit["detail"] as? String == "--no-commit")
    }

    @Test func summarySaysWhyTheCommentWasSkipped() throws {
        let sandbox = try Self.projectWithIssue123()
        let result = try LogArchiveBinary.run(["123", "--no-comment"], in: sandbox)
        #expect(result.output.contains("GitHub comment: skipped (--no-comment)"))
    }

    @Test(arguments: ["abc", "0", "-5", "12a", "../x", "123456789012345678901234567890", "0123", "", " 12", "１２３"])
    func badIssueNumbersAreRefusedWithNoChange(_ issue: String) throws {
        let sandbox = try Self.projectWithIssue123()
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run([issue], in: sandbox)
        #expect(result.status == 64, "\(issue): \(result.errorOutput)")
        #expect(result.errorOutput.contains("issue number"), "\(result.errorOutput)")
        #expect(try sandbox.snapshot() == before)
    }

    @Test func missingLogsDirectoryIsBadInput() throws {
        let sandbox = try Sandbox()
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["123", "--logs-dir", "nowhere"], in: sandbox)
        #expect(result.status == 64)
        #expect(result.errorOutput.contains("nowhere"))
        #expect(result.errorOutput.contains("does not exist"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test(arguments: [
        ("{\"archives\": [", "is not valid JSON"),
        ("[1, 2, 3]", "expected an object"),
        ("{\"archives\": [{\"issue_number\": 5, \"logs\": []}]}", "archives[0].issue_number"),
        // A bad value spoils only its own entry (HostileKeysTests): here the archived issue's.
        ("{\"archives\": [{\"issue_number\": \"123\", \"logs\": [{\"type\": \"video\", \"filename\": \"x\"}]}]}", "archives[0].logs[0].type"),
        // An empty file is an empty index (NewUserTests); a cut-off one is not JSON.
        ("{\"archives\": [", "is not valid JSON"),
    ])
    func corruptIndexIsReportedAndLeftAlone(_ content: String, _ expectedMessage: String) throws {
        let sandbox = try Self.projectWithIssue123()
        try sandbox.write("logs/.archive-index.json", content)
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["123"], in: sandbox)
        #expect(result.status == 1)
        #expect(result.errorOutput.contains(sandbox.indexPath))
        #expect(result.errorOutput.contains(".archive-index.json.backup"))
        #expect(result.errorOutput.contains(expectedMessage), "\(result.errorOutput)")
        #expect(try sandbox.snapshot() == before)
    }

    @Test func unwritableStoreIsRefusedBeforeAnythingChanges() throws {
        let sandbox = try Self.projectWithIssue123()
        try sandbox.write("not-a-folder", "a file where the store's parent should be\n")
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["123", "--store", "not-a-folder/store"], in: sandbox)
        #expect(result.status == 1)
        #expect(result.errorOutput.contains("not-a-folder"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test func symlinkOutOfTheLogsDirectoryIsRefused() throws {
        let sandbox = try Self.projectWithIssue123()
        try sandbox.write("secret.txt", "outside\n")
        try FileManager.default.createSymbolicLink(
            atPath: sandbox.path("logs/debug/123-escape.log"), withDestinationPath: sandbox.path("secret.txt"))
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["123"], in: sandbox)
        #expect(result.status == 64)
        #expect(result.errorOutput.contains("123-escape.log"))
        #expect(result.errorOutput.contains("is a symlink"))
        #expect(try sandbox.snapshot() == before)
    }

    /// Issue 27 rule 3: no symlink is followed inside the logs dir, not even to a file beside it
    /// (this used to archive the target and remove the link; see HostileLinksTests).
    @Test func symlinkInsideTheLogsDirectoryIsRefusedToo() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/shared-trace.log", "shared\n")
        try FileManager.default.createSymbolicLink(
            atPath: sandbox.path("logs/debug/9-trace.log"), withDestinationPath: "shared-trace.log")
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["9"], in: sandbox)
        #expect(result.status == 64, "\(result.errorOutput)")
        #expect(result.errorOutput.contains(sandbox.path("logs/debug/9-trace.log")))
        #expect(result.errorOutput.contains("is a symlink"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test func logThatGrowsBeforeUploadIsNotRecordedWithAStaleChecksum() throws {
        let sandbox = try Self.projectWithIssue123()
        let target = sandbox.path("logs/deployments/123-staging.log")
        let result = try LogArchiveBinary.run(
            ["123"], in: sandbox,
            environment: [
                "LOGARCHIVE_FAULT_POINT": "before-upload",
                "LOGARCHIVE_FAULT_ACTION": "exec:echo 'a line written during the archive' >> '\(target)'",
            ])
        #expect(result.status == 3, "\(result.output) \(result.errorOutput)")
        #expect(result.output.contains("Partial archive"))
        #expect(result.output.contains("Retry with: logarchive 123 --retry"))
        let logs = try #require(try sandbox.entry("123")?["logs"] as? [[String: Any]])
        let staging = try #require(logs.first { $0["filename"] as? String == "123-staging.log" })
        #expect(staging["upload_status"] as? String == "failed")
        #expect((staging["last_error"] as? String)?.contains("changed") == true)
        // Every local file is kept, including the appended line.
        let text = try String(contentsOfFile: target, encoding: .utf8)
        #expect(text.hasSuffix("a line written during the archive\n"))
        #expect(sandbox.exists("logs/builds/123-build.log"))
        #expect(try sandbox.entry("123")?["partial_archive"] as? Bool == true)
        // For every log marked uploaded, the stored bytes match the recorded checksum.
        for log in logs where log["upload_status"] as? String == "uploaded" {
            let stored = try Data(contentsOf: URL(fileURLWithPath: sandbox.storeRoot + "/" + (log["remote_path"] as? String ?? "")))
            #expect(log["checksum"] as? String == "sha256:" + SHA256Hex.of(stored))
        }

        // The printed retry command archives the current content and completes.
        let rerun = try LogArchiveBinary.run(["123", "--retry"], in: sandbox)
        #expect(rerun.status == 0, "\(rerun.output) \(rerun.errorOutput)")
        #expect(try sandbox.entry("123")?["upload_complete"] as? Bool == true)
        #expect(!sandbox.exists("logs/deployments/123-staging.log"))
    }

    @Test func logThatVanishesBeforeUploadLeavesAPartialArchive() throws {
        let sandbox = try Self.projectWithIssue123()
        let target = sandbox.path("logs/debug/123-trace.log")
        let result = try LogArchiveBinary.run(
            ["123"], in: sandbox,
            environment: ["LOGARCHIVE_FAULT_POINT": "before-upload", "LOGARCHIVE_FAULT_ACTION": "exec:rm -f '\(target)'"])
        #expect(result.status == 3)
        let logs = try #require(try sandbox.entry("123")?["logs"] as? [[String: Any]])
        let trace = try #require(logs.first { $0["filename"] as? String == "123-trace.log" })
        #expect(trace["upload_status"] as? String == "failed")
        #expect(sandbox.exists("logs/builds/123-build.log"))
    }

    @Test func eightConcurrentArchivesIntoOneIndexLoseNoEntry() async throws {
        let sandbox = try Sandbox()
        let issues = (1...8).map { $0 * 11 }
        for issue in issues {
            try sandbox.write("logs/builds/\(issue)-build.log", Sandbox.logText(bytes: 20_000, seed: issue))
            try sandbox.write("logs/sessions/session-\(issue)-2025-01-01.md", "session \(issue)\n")
        }
        let results = try await withThrowingTaskGroup(of: CommandResult.self) { group in
            for issue in issues {
                group.addTask { try LogArchiveBinary.run(["\(issue)", "--compression-threshold", "1k"], in: sandbox) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for result in results { #expect(result.status == 0, "\(result.errorOutput)") }
        let archives = try #require(try sandbox.index()["archives"] as? [[String: Any]])
        #expect(archives.compactMap { $0["issue_number"] as? String } == issues.sorted(by: >).map(String.init))
        for archive in archives { #expect((archive["logs"] as? [Any])?.count == 2) }
        #expect(!sandbox.exists("logs/.archive-index.json.lock"))
    }

    @Test func entriesAreSortedNumericallyDescending() throws {
        let sandbox = try Sandbox()
        for issue in ["9", "100", "23"] {
            try sandbox.write("logs/debug/\(issue)-x.log", "x\n")
            try LogArchiveBinary.run([issue], in: sandbox).requireSuccess()
        }
        // 9 and 23 share the shard of 0 to 24, sorted in it; 100 opens the next.
        func issues(in file: String) throws -> [String] {
            let index = try JSONSerialization.jsonObject(with: sandbox.read(file)) as? [String: Any] ?? [:]
            return (index["archives"] as? [[String: Any]] ?? []).compactMap { $0["issue_number"] as? String }
        }
        #expect(try issues(in: "logs/.archive-index/issues-000000-000024.json") == ["23", "9"])
        #expect(try issues(in: "logs/.archive-index/issues-000100-000124.json") == ["100"])
    }

    @Test func indexWriteKilledAfterTheTemporaryFileLeavesTheOldIndexIntact() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/5-a.log", "five\n")
        try LogArchiveBinary.run(["5"], in: sandbox).requireSuccess()
        let oldIndex = try sandbox.read("logs/.archive-index.json")
        try sandbox.write("logs/debug/6-a.log", "six\n")

        let killed = try LogArchiveBinary.run(
            ["6"], in: sandbox,
            environment: ["LOGARCHIVE_FAULT_POINT": "index-after-tmp-write", "LOGARCHIVE_FAULT_ACTION": "kill"])
        #expect(killed.status != 0)
        #expect(try sandbox.read("logs/.archive-index.json") == oldIndex)
        #expect(sandbox.exists("logs/debug/6-a.log"), "nothing is cleaned before the index is written")

        let rerun = try LogArchiveBinary.run(["6"], in: sandbox)
        #expect(rerun.status == 0, "\(rerun.errorOutput)")
        #expect(try sandbox.entry("5") != nil)
        #expect(try sandbox.entry("6")?["upload_complete"] as? Bool == true)
        #expect(!sandbox.exists("logs/.archive-index.json.tmp"))
        #expect(!sandbox.exists("logs/.archive-index.json.backup"))
    }

    @Test func indexWriteFailureRestoresTheBackupAndKeepsLocalFiles() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/5-a.log", "five\n")
        try LogArchiveBinary.run(["5"], in: sandbox).requireSuccess()
        let oldIndex = try sandbox.read("logs/.archive-index.json")
        try sandbox.write("logs/debug/6-a.log", "six\n")
        let failed = try LogArchiveBinary.run(
            ["6"], in: sandbox,
            environment: ["LOGARCHIVE_FAULT_POINT": "index-after-rename", "LOGARCHIVE_FAULT_ACTION": "fail"])
        #expect(failed.status == 1)
        #expect(failed.errorOutput.contains("the previous index was kept"))
        #expect(try sandbox.read("logs/.archive-index.json") == oldIndex)
        #expect(sandbox.exists("logs/debug/6-a.log"))
        #expect(!sandbox.exists("logs/.archive-index.json.backup"))
    }

    @Test func incompressibleLogIsUploadedAsItIs() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/8-core.bin.log", Sandbox.randomBytes(300_000))
        let result = try LogArchiveBinary.run(["8", "--compression-threshold", "100k"], in: sandbox)
        #expect(result.status == 0)
        let log = try #require((try sandbox.entry("8")?["logs"] as? [[String: Any]])?.first)
        #expect(log["compressed"] as? Bool == false)
        #expect((log["remote_path"] as? String)?.hasSuffix("8-core.bin.log") == true)
        #expect(log["size_bytes"] as? Int == 300_000)
    }

    @Test func commitsTheIndexAloneLeavingOtherStagedChangesStaged() throws {
        let sandbox = try Self.projectWithIssue123()
        try sandbox.write("README.md", "project\n")
        try sandbox.initializeGit()
        try sandbox.write("README.md", "project, edited and staged by the user\n")
        try sandbox.shell("git add README.md").requireSuccess()

        let result = try LogArchiveBinary.run(["123"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        // The index, and the removal of the archived logs that had been committed; not README.md.
        let files = try sandbox.shell("git show --name-status --format= HEAD").output
        #expect(
            files.split(separator: "\n").sorted() == [
                "A\tlogs/.archive-index.json", "A\tlogs/.archive-index/issues-000100-000124.json", "D\tlogs/builds/123-build.log", "D\tlogs/debug/123-trace.log",
                "D\tlogs/deployments/123-staging.log", "D\tlogs/sessions/session-123-2025-01-15.md",
            ])
        let message = try sandbox.shell("git log -1 --format=%B").output
        #expect(message.hasPrefix("Archive logs for issue #123"))
        #expect(message.contains("Archive reason: manual"))
        let staged = try sandbox.shell("git diff --cached --name-only").output
        #expect(staged.contains("README.md"))
    }

    @Test func missingGitIdentityIsAWarningNotAFailure() throws {
        let sandbox = try Self.projectWithIssue123()
        try sandbox.shell("git init -q -b main .").requireSuccess()
        let result = try LogArchiveBinary.run(
            ["123"], in: sandbox,
            environment: ["HOME": sandbox.root, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"])
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("Git commit: warning"))
        #expect(result.output.contains("user.email"))
    }

    @Test func fullDiskDuringCompressionChangesNothing() throws {
        let sandbox = try Self.projectWithIssue123()
        let before = try sandbox.snapshot()
        // A 64 KiB file-size limit: the small logs fit, the .gz of the 1.5 MB log does not.
        let result = try CommandRunner.run(
            "/bin/bash", ["-c", "ulimit -f 64; exec \"$0\" 123", LogArchiveBinary.path], in: sandbox.root,
            environment: LogArchiveBinary.environment())
        #expect(result.status == 1, "\(result.output) \(result.errorOutput)")
        #expect(result.errorOutput.contains("compression failed"))
        #expect(result.errorOutput.contains("File too large"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test func lifecycleReasonWithoutTokenIsRefusedWithNoChange() throws {
        let sandbox = try Self.projectWithIssue123()
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["123", "--reason", "issue_closed"], in: sandbox)
        #expect(result.status == 4)
        #expect(result.errorOutput.contains("GITHUB_TOKEN"))
        #expect(try sandbox.snapshot() == before)
    }
}

enum SHA256Hex {
    static func of(_ data: Data) -> String {
        let digest = Crypto.SHA256.hash(data: data)
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}

