import Foundation
import Testing

@testable import LogArchive

/// The summary at the top of each shard lets `status` read a few kilobytes per file; it must say
/// what the entries say, and be ignored the moment the file is not what the writer wrote.
@Suite struct ShardSummaryTests {
    private static func shardPath(_ sandbox: Sandbox, _ issue: Int64) -> String {
        sandbox.path("logs/\(IndexLayout.folderName)/\(IndexLayout.shardName(for: IssueNumber(exactly: issue)!))")
    }

    @Test func eachWrittenShardCarriesOneSummaryThatSaysWhatItsEntriesSay() throws {
        let sandbox = try Sandbox()
        let store = IndexStore(logsDirectory: sandbox.path("logs"))
        for issue: Int64 in [101, 110, 124, 110] {
            try store.upsert(IndexFileTextTests.entry(issue, logs: Int(issue % 7) + 1, title: "Issue \(issue) \"quoted\" é"))
        }
        let path = Self.shardPath(sandbox, 110)
        let bytes = try FileSystem.readAll(path)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.components(separatedBy: "\"status_summary\"").count == 2, "rewritten in place, never added twice")
        #expect(text.range(of: "\"status_summary\"")!.lowerBound < text.range(of: "\"archives\"")!.lowerBound)

        let summarised = try #require(ShardSummary.overview(readingPrefixOf: path))
        let skimmed = try IndexFileText(bytes, readingHeadlines: true)
        #expect(summarised.complete == skimmed.headlines.compactMap { $0 })
        #expect(summarised.complete.map(\.issueNumber.description) == ["124", "110", "101"])
        #expect(summarised.lastUpdated == (try ArchiveIndex(fileBytes: bytes)).lastUpdated)
        // Derived data: decoding the file does not carry it along as an unknown field.
        #expect((try ArchiveIndex(fileBytes: bytes)).unknownFields[String(describing: ShardSummary.key)] == nil)
        #expect((try? FileSystem.readAll(sandbox.path("logs/.archive-index.json"))).map { String(decoding: $0, as: UTF8.self).contains("status_summary") } == false)
    }

    @Test func aSummaryLongerThanTheFirstReadIsStillTrusted() throws {
        let sandbox = try Sandbox()
        let store = IndexStore(logsDirectory: sandbox.path("logs"))
        let issues = Array(Int64(100)...124)
        try store.upsert(contentsOf: issues.map { IndexFileTextTests.entry($0, title: String(repeating: "a long title ", count: 80) + "\($0)") })
        let path = Self.shardPath(sandbox, 100)
        let bytes = try FileSystem.readAll(path)
        let archivesKey = try #require(bytes.firstRange(of: Array("\"archives\"".utf8)))
        #expect(archivesKey.lowerBound > 16 << 10, "the summary outgrows status's first read")
        let summarised = try #require(ShardSummary.overview(readingPrefixOf: path))
        #expect(summarised.complete.map(\.issueNumber.description) == issues.reversed().map(String.init))
    }

    @Test func aShardEditedByAnotherToolIsReadFromItsEntries() throws {
        let sandbox = try Sandbox()
        let store = IndexStore(logsDirectory: sandbox.path("logs"))
        try store.upsert(IndexFileTextTests.entry(7, title: "before"))
        try store.upsert(IndexFileTextTests.entry(8, title: "other"))
        let path = Self.shardPath(sandbox, 7)
        let edited = String(decoding: try FileSystem.readAll(path), as: UTF8.self)
            .replacingOccurrences(of: "\"issue_title\": \"before\"", with: "\"issue_title\": \"edited by hand\"")
        try Data(edited.utf8).write(to: URL(fileURLWithPath: path))

        #expect(ShardSummary.overview(readingPrefixOf: path)?.complete == nil, "its size no longer matches the summary")
        let status = ArchiveStatus.read(store)
        #expect(status.complete.first { $0.issueNumber.description == "7" }?.issueTitle == "edited by hand")
        // The next write puts a true summary back.
        try store.upsert(IndexFileTextTests.entry(9))
        #expect(ShardSummary.overview(readingPrefixOf: path)?.complete.first { $0.issueNumber.description == "7" }?.issueTitle == "edited by hand")
    }

    @Test func aShardHoldingAPartialArchiveShowsItWhole() throws {
        let sandbox = try Sandbox()
        let store = IndexStore(logsDirectory: sandbox.path("logs"))
        var failed = IndexFileTextTests.entry(42, logs: 3)
        failed.logs[1].uploadStatus = .failed
        try store.upsert(failed)
        try store.upsert(IndexFileTextTests.entry(43))
        #expect(ShardSummary.overview(readingPrefixOf: Self.shardPath(sandbox, 42))?.complete == nil)
        let status = ArchiveStatus.read(store)
        #expect(status.partial == [failed])
        #expect(status.complete.map(\.issueNumber.description) == ["43"])
    }

    @Test func headlinesLentByTheFileAsItStandsAreWhatAFreshSummaryWouldSay() throws {
        var partial = IndexFileTextTests.entry(120, logs: 3)
        partial.logs[0].uploadStatus = .pending
        let before = try ShardSummary.stamped(
            ArchiveIndex(archives: [IndexFileTextTests.entry(150), partial, IndexFileTextTests.entry(101)], lastUpdated: "t").fileBytes)
        let previous = try IndexFileText(before)
        // 150 changes, 120 completes, 130 is new, 101 stays as it was.
        var completed = partial
        completed.logs[0].uploadStatus = .uploaded
        var after = previous.replacing(IssueNumber(exactly: 150)!, with: IndexFileText.bytes(of: IndexFileTextTests.entry(150, logs: 5)), updated: "u")
        after = try IndexFileText(after).replacing(IssueNumber(exactly: 120)!, with: IndexFileText.bytes(of: completed), updated: "u")
        after = try IndexFileText(after).replacing(IssueNumber(exactly: 130)!, with: IndexFileText.bytes(of: IndexFileTextTests.entry(130)), updated: "u")
        let lent = try ShardSummary.stamped(after, previous: previous)
        #expect(lent == (try ShardSummary.stamped(after)))
        let sandbox = try Sandbox()
        let path = try sandbox.write("issues.json", String(decoding: lent, as: UTF8.self))
        #expect(ShardSummary.overview(readingPrefixOf: path)?.complete.map(\.totalLogs) == [5, 2, 3, 2])
    }

    @Test(arguments: [0, 1, 9, 10, 99, 100, 999, 1_000, 9_999, 10_000])
    func theRecordedSizeIsTheFileSizeWhateverItsDigits(_ padding: Int) throws {
        // Titles of every length walk the file size across each power of ten.
        let entry = IndexFileTextTests.entry(5, title: String(repeating: "x", count: padding))
        let stamped = try ShardSummary.stamped(ArchiveIndex(archives: [entry], lastUpdated: "2026-01-01T00:00:00Z").fileBytes)
        let text = String(decoding: stamped, as: UTF8.self)
        #expect(text.contains("\"file_bytes\": \(stamped.count),"))
        #expect(try ShardSummary.stamped(stamped) == stamped, "stamping a stamped file changes nothing")
    }
}
