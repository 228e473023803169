import Foundation
import LogArchive
import Testing

/// Two runs for the same issue at once: one archives, the other waits for it and then finds the
/// issue archived. Never two entries, never a half-merged one.
@Suite struct IssueLockTests {
    @Test func aSecondRunOnTheSameIssueWaitsAndFindsItArchived() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let first = try BackgroundProcess(
            LogArchiveBinary.path, ["123", "--no-commit"], in: sandbox.root,
            environment: LogArchiveBinary.environment([
                "LOGARCHIVE_FAULT_POINT": "before-upload",
                "LOGARCHIVE_FAULT_ACTION": "exec:touch '\(sandbox.path("uploading"))'; sleep 1",
                "LOGARCHIVE_FAULT_SKIP": "0",
            ]), outputPath: sandbox.path("first.out"))
        #expect(first.waitForOutput(seconds: 20) { _ in sandbox.exists("uploading") })
        let second = try LogArchiveBinary.run(["123", "--no-commit"], in: sandbox)
        #expect(first.waitForExit(seconds: 60) == 0, "\(first.output)")
        #expect(second.status == 0, "\(second.output)\(second.errorOutput)")
        #expect(second.errorOutput.contains("waiting for another run on issue #123"))
        #expect(second.output.contains("already archived"))
        let archives = try sandbox.index()["archives"] as? [[String: Any]] ?? []
        #expect(archives.count == 1)
        #expect((archives.first?["logs"] as? [[String: Any]])?.count == 4)
        #expect(!sandbox.exists("logs/.archive-issue-123.lock"))
    }

    @Test func runsOnDifferentIssuesDoNotWaitForEachOther() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.write("logs/debug/124-trace.log", "other issue\n")
        let first = try BackgroundProcess(
            LogArchiveBinary.path, ["123", "--no-commit"], in: sandbox.root,
            environment: LogArchiveBinary.environment([
                "LOGARCHIVE_FAULT_POINT": "before-upload",
                "LOGARCHIVE_FAULT_ACTION": "exec:touch '\(sandbox.path("uploading"))'; sleep 1",
            ]), outputPath: sandbox.path("first.out"))
        #expect(first.waitForOutput(seconds: 20) { _ in sandbox.exists("uploading") })
        let other = try LogArchiveBinary.run(["124", "--no-commit"], in: sandbox)
        #expect(other.status == 0)
        #expect(!other.errorOutput.contains("waiting"))
        #expect(first.waitForExit(seconds: 60) == 0)
        #expect((try sandbox.index()["archives"] as? [[String: Any]] ?? []).count == 2)
    }
}
