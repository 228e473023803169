import Foundation
import Testing

@testable import LogArchive

/// `IndexStore.update(issues:)` and `upsert(contentsOf:)`: many entries written with each file
/// written once, giving exactly the files one `update(issue:)` per entry gives.
@Suite struct IndexBatchTests {
    static func entry(_ issue: Int64, logs: Int = 2, title: String? = nil) -> ArchiveEntry {
        IndexFileTextTests.entry(issue, logs: logs, title: title)
    }

    /// An entry over `IndexLayout.ownFileThreshold`: it gets a file of its own.
    static func large(_ issue: Int64) -> ArchiveEntry { entry(issue, logs: 500) }

    /// A shard written by hand: compact, entries out of order, fields no logarchive knows.
    static func handWritten() -> String {
        func compact(_ entry: ArchiveEntry) -> String {
            let pretty = String(decoding: IndexFileText.bytes(of: entry), as: UTF8.self)
            return "{\"x_reviewer\":\"ann\"," + pretty.dropFirst()
        }
        return #"{"schema_version":"1.0","x_tool":{"a":"]"},"archives":[ "#
            + compact(entry(205)) + " ,\n" + compact(entry(230)) + #"],"last_updated":null}"#
    }

    /// Two logs directories with the same index: shard 100-199 (101, 120, 150), an own file (130),
    /// and the hand-written shard 200-299.
    static func twoIndexes() throws -> (Sandbox, IndexStore, Sandbox, IndexStore) {
        var result: [(Sandbox, IndexStore)] = []
        for _ in 0..<2 {
            let sandbox = try Sandbox()
            let store = IndexStore(logsDirectory: sandbox.path("logs"))
            for entry in [entry(150), entry(120), entry(101), large(130)] { try store.upsert(entry) }
            try sandbox.write("logs/.archive-index/issues-000200-000299.json", handWritten())
            result.append((sandbox, store))
        }
        return (result[0].0, result[0].1, result[1].0, result[1].1)
    }

    /// Each index file's name and bytes, `last_updated` left out (each write stamps its own).
    static func files(_ store: IndexStore) throws -> [String: String] {
        let stamp = try NSRegularExpression(pattern: #""last_updated": ?("[^"]*"|null)"#)
        var files: [String: String] = [:]
        for path in store.filePaths() {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            files[(path as NSString).lastPathComponent] = stamp.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "\"last_updated\": -")
        }
        return files
    }

    @Test func aBatchWritesTheFilesOneUpsertPerEntryWrites() throws {
        let (first, one, second, batch) = try Self.twoIndexes()
        defer { withExtendedLifetime((first, second)) {} }
        let entries = [
            Self.entry(120, logs: 3, title: "changed"),  // replaced in its shard
            Self.entry(199),  // added to the shard
            Self.entry(130, logs: 1),  // small now, but stays in its own file
            Self.large(140),  // new and large: its own file
            Self.large(101),  // grows: moves to its own file, out of the shard
            Self.entry(205, logs: 4),  // hand-written shard: its unknown fields are kept
            Self.entry(250),  // added to the hand-written shard
            Self.entry(5),  // a shard that does not exist yet
        ]
        for entry in entries { try one.upsert(entry) }
        try batch.upsert(contentsOf: entries)

        let expected = try Self.files(one)
        #expect(
            expected.keys.sorted() == [
                ".archive-index.json", "issue-101.json", "issue-130.json", "issue-140.json",
                "issues-000000-000024.json", "issues-000100-000124.json", "issues-000150-000174.json",
                "issues-000175-000199.json", "issues-000200-000299.json",
            ])
        let written = try Self.files(batch)
        #expect(written.keys.sorted() == expected.keys.sorted())
        for (name, text) in expected { #expect(written[name] == text, "\(name)") }
        let kept = try #require(try batch.entry(for: IssueNumber(exactly: 205)!))
        #expect(kept.unknownFields["x_reviewer"] == .string("ann"))
        #expect(try batch.entry(for: IssueNumber(exactly: 101)!) == Self.large(101))
    }

    @Test func aBatchRemovesAndChangesAsOneUpdatePerIssueDoes() throws {
        let (first, one, second, batch) = try Self.twoIndexes()
        defer { withExtendedLifetime((first, second)) {} }
        let issues: [Int64] = [130, 150, 230, 205, 199, 150]
        func change(_ issue: IssueNumber, _ entry: inout ArchiveEntry?) {
            switch issue.value {
            case 130, 230: entry = nil  // an own file removed; an entry removed from a hand-written shard
            case 150: entry?.retryCount += 1  // given twice: the second change sees the first
            case 199: entry = entry ?? Self.entry(199)
            default: entry?.issueTitle = "seen"
            }
        }
        for issue in issues {
            try one.update(issue: IssueNumber(exactly: issue)!) { change(IssueNumber(exactly: issue)!, &$0) }
        }
        let written = try batch.update(issues: issues.map { IssueNumber(exactly: $0)! }, change)
        #expect(try Self.files(batch) == Self.files(one))
        #expect(written[IssueNumber(exactly: 150)!]??.retryCount == 2)
        #expect(written[IssueNumber(exactly: 130)!] == .some(nil))
    }

    @Test func changesSplicedAtOnceGiveTheBytesOfOneSpliceEach() throws {
        let files = [
            IndexFileTextTests.fileBytes([150, 120, 101].map { Self.entry($0) }), IndexFileTextTests.fileBytes([]),
            Array(Self.handWritten().utf8),
        ]
        var generator = SystemRandomNumberGenerator()
        for file in files {
            for _ in 0..<200 {
                let changes: [(issue: IssueNumber, bytes: [UInt8]?)] = (0..<Int.random(in: 1...6, using: &generator)).map { _ in
                    let issue = [101, 120, 150, 205, 230, 110, 199, 100, 260][Int.random(in: 0..<9, using: &generator)]
                    let bytes = Bool.random(using: &generator) ? nil : IndexFileText.bytes(of: Self.entry(Int64(issue), logs: 1))
                    return (IssueNumber(exactly: Int64(issue))!, bytes)
                }
                var sequential = file
                for change in changes {
                    sequential = try IndexFileText(sequential).replacing(change.issue, with: change.bytes, updated: "2026-12-01T00:00:00Z")
                }
                let atOnce = try IndexFileText(file).replacing(changes, updated: "2026-12-01T00:00:00Z")
                #expect(atOnce == sequential, "\(changes.map { ($0.issue.description, $0.bytes != nil) })")
            }
        }
    }
}
