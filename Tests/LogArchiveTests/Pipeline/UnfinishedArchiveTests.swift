import Foundation
import LogArchive
import Testing

/// A run whose uploads succeeded but whose index write failed leaves the index as it was (for a
/// first archive: no entry) and the journal ahead of it, beginning with the run's entry. The next
/// command that touches the issue finishes the job.
@Suite(.serialized) struct UnfinishedArchiveTests {
    static let journal = "logs/.archive-journal-123.jsonl"
    static let archive = ["123", "--no-comment", "--no-commit"]
    /// A first archive writes two index files: the root, and the index stage's entry. The second fails.
    static let failFinalIndexWrite = [
        "LOGARCHIVE_FAULT_POINT": "index-after-tmp-write", "LOGARCHIVE_FAULT_ACTION": "fail",
        "LOGARCHIVE_FAULT_SKIP": "1",
    ]
    /// The first index write of the next command fails (the root needs no write then).
    static let failNextIndexWrite = [
        "LOGARCHIVE_FAULT_POINT": "index-after-tmp-write", "LOGARCHIVE_FAULT_ACTION": "fail",
    ]

    /// Issue 123 archived up to its failed final index write: every log stored and verified, the
    /// journal saying so after the entry it began with (every file `pending`), no entry in the
    /// index, every local file kept.
    static func projectWithFailedFinalIndexWrite() throws -> (sandbox: Sandbox, originals: [String: Data]) {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let originals = try CrashMatrixTests.originals(in: sandbox)
        let failed = try LogArchiveBinary.run(archive, in: sandbox, environment: failFinalIndexWrite)
        try #require(failed.status == 1, "\(failed.output) \(failed.errorOutput)")
        try #require(failed.errorOutput.contains("cannot write the archive index"), "\(failed.errorOutput)")
        try #require(sandbox.exists(journal))
        try #require(try Self.indexedEntry(in: sandbox) == nil)
        let firstLine = try #require(String(decoding: try sandbox.read(journal), as: UTF8.self).split(separator: "\n").first)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as? [String: Any])
        let logs = try #require((header["entry"] as? [String: Any])?["logs"] as? [[String: Any]])
        try #require(logs.count == 4 && logs.allSatisfy { $0["upload_status"] as? String == "pending" })
        for path in originals.keys { try #require(sandbox.exists(path)) }
        try CrashMatrixTests.requireTruthfulAfterKill(originals: originals, in: sandbox, store: .local(sandbox))
        return (sandbox, originals)
    }

    static func requireCompleteEntry(in sandbox: Sandbox) throws {
        let entry = try #require(try sandbox.entry("123"))
        #expect(entry["upload_complete"] as? Bool == true)
        let logs = try #require(entry["logs"] as? [[String: Any]])
        #expect(logs.count == 4)
        let store = try StoreContents(.local(sandbox))
        for log in logs {
            #expect(log["upload_status"] as? String == "uploaded")
            try CrashMatrixTests.requireStored(log, in: store)
        }
    }

    static func requireNotice(_ result: CommandResult, _ what: String) {
        let notices = result.errorOutput.split(separator: "\n").filter {
            $0.hasPrefix(
                "logarchive: finished the archive of issue #123 left by a run that stopped before its last index write")
        }
        #expect(notices.count == 1, "\(what): \(result.errorOutput)")
        #expect(
            notices.first?.contains("recorded 4 verified uploads from its journal in the index (archive complete)")
                == true, "\(result.errorOutput)")
    }

    @Test(arguments: [[], ["--retry"]])
    func theNextArchiveRunFinishesTheJob(_ extra: [String]) throws {
        let (sandbox, originals) = try Self.projectWithFailedFinalIndexWrite()
        let rerun = try LogArchiveBinary.run(Self.archive + extra, in: sandbox)
        #expect(rerun.status == 0, "\(rerun.output) \(rerun.errorOutput)")
        Self.requireNotice(rerun, "logarchive 123 \(extra)")
        #expect(rerun.errorOutput.contains("this run removes the local copies"))
        try Self.requireCompleteEntry(in: sandbox)
        #expect(!sandbox.exists(Self.journal))
        try CrashMatrixTests.requireConverged(originals: originals, in: sandbox, store: .local(sandbox))
    }

    /// `status`, `read` and `search` finish the index but delete nothing: a command that shows logs
    /// does not remove them. The journal stays as the mark of the cleaning left, which `cleanup` does.
    @Test(arguments: [
        ["status", "123"], ["status"], ["read", "123", "--raw"], ["search", "trace", "--issue", "123"],
        ["search", "trace"],
    ])
    func aCommandThatShowsTheArchiveFinishesTheIndexAndCleanupTheRest(_ command: [String]) throws {
        let (sandbox, originals) = try Self.projectWithFailedFinalIndexWrite()
        let shown = try LogArchiveBinary.run(command, in: sandbox)
        #expect(shown.status == 0, "\(shown.output) \(shown.errorOutput)")
        Self.requireNotice(shown, command.joined(separator: " "))
        #expect(
            shown.errorOutput.contains("its local copies stay until logarchive 123 or logarchive cleanup removes them"))
        try Self.requireCompleteEntry(in: sandbox)
        for (path, content) in originals { #expect(try sandbox.read(path) == content, "\(path) was touched") }
        if command == ["status", "123"] {
            #expect(shown.output.contains("✓ complete, 4 of 4 logs in the store"), "\(shown.output)")
        }
        if command == ["status"] {
            #expect(!shown.output.contains("partial archive"), "\(shown.output)")
        }

        // Shown again: nothing more to finish, nothing said.
        let again = try LogArchiveBinary.run(command, in: sandbox)
        #expect(again.status == 0)
        #expect(!again.errorOutput.contains("finished the archive"), "\(again.errorOutput)")

        let cleanup = try LogArchiveBinary.run(["cleanup"], in: sandbox)
        #expect(cleanup.status == 0, "\(cleanup.output) \(cleanup.errorOutput)")
        #expect(
            cleanup.errorOutput.contains("finished the archive of issue #123 that a stopped run left uncleaned"),
            "\(cleanup.errorOutput)")
        #expect(!sandbox.exists(Self.journal))
        try CrashMatrixTests.requireConverged(originals: originals, in: sandbox, store: .local(sandbox))
    }

    /// `cleanup` finishes the index and removes only what the store holds verified and is unchanged.
    @Test func cleanupFinishesTheJobAndKeepsALogChangedSinceItWasArchived() throws {
        let (sandbox, originals) = try Self.projectWithFailedFinalIndexWrite()
        let changed = "logs/deployments/123-staging.log"
        try sandbox.write(changed, "deployed, then redeployed\n")

        let cleanup = try LogArchiveBinary.run(["cleanup"], in: sandbox)
        #expect(cleanup.status == 0, "\(cleanup.output) \(cleanup.errorOutput)")
        Self.requireNotice(cleanup, "cleanup")
        #expect(cleanup.errorOutput.contains("4 local files removed"), "\(cleanup.errorOutput)")
        #expect(cleanup.output.contains("Removed 4 files"), "\(cleanup.output)")
        try Self.requireCompleteEntry(in: sandbox)
        #expect(!sandbox.exists(Self.journal))
        #expect(try sandbox.read(changed) == Data("deployed, then redeployed\n".utf8))
        for path in originals.keys where path != changed { #expect(!sandbox.exists(path), "\(path) not cleaned") }
        #expect(!sandbox.exists("logs/builds/123-build.log.gz"))
        for neighbour in [
            "logs/builds/1234-build.log", "logs/builds/5123-build.log", "logs/sessions/session-1234-2025-01-20.md",
        ] {
            #expect(sandbox.exists(neighbour))
        }
        let events = try sandbox.index()["cleanup_events"] as? [[String: Any]] ?? []
        #expect(events.last?["removed"] as? Int == 4)
    }

    /// The finishing write fails too: the error says so, the command fails, and nothing is lost;
    /// the command after it finishes the job.
    @Test(arguments: [archive, ["status", "123"], ["cleanup"]])
    func aFinishingWriteThatFailsAgainKeepsTheJournal(_ command: [String]) throws {
        let (sandbox, originals) = try Self.projectWithFailedFinalIndexWrite()
        let journal = try sandbox.read(Self.journal)
        let failed = try LogArchiveBinary.run(command, in: sandbox, environment: Self.failNextIndexWrite)
        #expect(failed.status == 1, "\(failed.output) \(failed.errorOutput)")
        #expect(
            failed.errorOutput.contains(
                "logarchive: error: cannot finish the archive of issue #123 left by a run that stopped before its last index write"
            ),
            "\(failed.errorOutput)")
        #expect(failed.errorOutput.contains("Nothing was lost: the journal \(sandbox.path(Self.journal)) was kept"))
        #expect(try sandbox.read(Self.journal) == journal)
        #expect(try Self.indexedEntry(in: sandbox) == nil)
        for (path, content) in originals { #expect(try sandbox.read(path) == content, "\(path) was touched") }

        let rerun = try LogArchiveBinary.run(Self.archive, in: sandbox)
        #expect(rerun.status == 0, "\(rerun.output) \(rerun.errorOutput)")
        Self.requireNotice(rerun, "logarchive 123 after \(command)")
        try CrashMatrixTests.requireConverged(originals: originals, in: sandbox, store: .local(sandbox))
    }

    /// `status` of the whole index lists a run stopped before its index write, as its journal
    /// tells it: complete when every upload was verified, partial with its retry command when not.
    @Test(arguments: [false, true])
    func statusOfTheWholeIndexListsARunStoppedBeforeItsIndexWrite(_ uploadsRecorded: Bool) throws {
        let (sandbox, _) = try Self.projectWithFailedFinalIndexWrite()
        if !uploadsRecorded {
            // As a kill before the first upload's line leaves it: the entry it began with alone.
            let lines = String(decoding: try sandbox.read(Self.journal), as: UTF8.self).split(separator: "\n")
            try sandbox.write(Self.journal, lines[0] + "\n")
        }
        let status = try LogArchiveBinary.run(["status"], in: sandbox)
        #expect(status.status == 0, "\(status.errorOutput)")
        #expect(status.output.contains("(1 issue"), "\(status.output)")
        if uploadsRecorded {
            #expect(status.output.contains("1 complete archive"), "\(status.output)")
        } else {
            #expect(status.output.contains("1 partial archive"), "\(status.output)")
            #expect(status.output.contains("0 of 4 logs in the store"), "\(status.output)")
            #expect(status.output.contains("logarchive 123 --retry"), "\(status.output)")
        }
        let json = try LogArchiveBinary.run(["status", "--json"], in: sandbox)
        #expect(json.status == 0 && json.output.contains("\"123\""), "\(json.output)")
        #expect(sandbox.exists(Self.journal))
    }

    /// While a run holds the issue's lock its journal is ahead by design: `status` leaves it alone.
    @Test func aRunInProgressKeepsItsJournal() throws {
        let (sandbox, _) = try Self.projectWithFailedFinalIndexWrite()
        let lock = try IndexLock.acquire(
            at: IssueRunLock.path(logsDirectory: sandbox.logsDirectory, issue: try IssueNumber(validating: "123")))
        defer { lock.release() }
        let status = try LogArchiveBinary.run(["status", "123"], in: sandbox)
        #expect(status.status == 0, "\(status.errorOutput)")
        #expect(!status.errorOutput.contains("finished the archive"), "\(status.errorOutput)")
        #expect(sandbox.exists(Self.journal))
        #expect(try Self.indexedEntry(in: sandbox) == nil)
    }

    /// Issue 123's entry in the index; nil when it has none (or there is no index yet).
    static func indexedEntry(in sandbox: Sandbox) throws -> [String: Any]? {
        guard FileManager.default.fileExists(atPath: sandbox.indexPath) else { return nil }
        return try sandbox.entry("123")
    }
}
