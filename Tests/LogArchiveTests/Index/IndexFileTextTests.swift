import Foundation
import Testing

@testable import LogArchive

/// One entry read and replaced in an index file's bytes without decoding the others: the result
/// must be what a full rewrite gives, and a broken file must still be refused.
@Suite struct IndexFileTextTests {
    static func entry(_ issue: Int64, logs: Int = 2, title: String? = nil) -> ArchiveEntry {
        var entry = IndexScaleTests.entry(issue, logs: logs)
        entry.issueTitle = title
        return entry
    }

    static func fileBytes(_ entries: [ArchiveEntry], updated: String = "2025-01-15T14:00:00Z") -> [UInt8] {
        var index = ArchiveIndex(archives: entries, lastUpdated: updated)
        index.unknownFields["x_team"] = .string("kept")
        return index.fileBytes
    }

    @Test(arguments: [
        // Replace the middle, the first, the last; add before all, between, after all, to an
        // empty file; remove the middle, the first, the last, the only one.
        ([150, 120, 101], Int64(120), true), ([150, 120, 101], 150, true), ([150, 120, 101], 101, true),
        ([150, 120, 101], 199, true), ([150, 120, 101], 130, true), ([150, 120, 101], 100, true), ([], 142, true),
        ([150, 120, 101], 120, false), ([150, 120, 101], 150, false), ([150, 120, 101], 101, false), ([120], 120, false),
    ])
    func aSpliceWritesWhatAFullRewriteWrites(_ issues: [Int64], _ changed: Int64, _ keeps: Bool) throws {
        let before = Self.fileBytes(issues.map { Self.entry($0) })
        let issue = IssueNumber(exactly: changed)!
        let replacement = Self.entry(changed, logs: 5, title: "Line \"quoted\"\nsecond, é")
        let text = try IndexFileText(before)
        let spliced = text.replacing(issue, with: keeps ? IndexFileText.bytes(of: replacement) : nil, updated: "2026-12-01T00:00:00Z")

        var expected = try ArchiveIndex(fileBytes: before)
        if keeps { expected.upsert(replacement) } else { expected.remove(issue) }
        expected.lastUpdated = "2026-12-01T00:00:00Z"
        #expect(spliced == expected.fileBytes, "\(String(decoding: spliced, as: UTF8.self))")
        #expect(try IndexFileText(spliced).entry(for: issue) == (keeps ? replacement : nil))
    }

    /// The layout a write works out from its splice (and from stamping the summary) must be
    /// exactly what a skim of the written bytes finds: the write trusts it instead of skimming.
    @Test(arguments: [
        // The writer's own file, with a summary, and hand-written ones: compact, the summary after
        // `archives`, no `last_updated`, an empty array written as `[ ]`.
        "writer", "stamped",
        #"{"archives":[{"issue_number":"150","logs":[]},{"issue_number":"120","x":[1,{"y":"}"}]},{"issue_number":"101"}],"schema_version":"1.0","last_updated":null}"#,
        #"{"schema_version":"1.0","archives":[{"issue_number":"150"},{"issue_number":"101"}],"status_summary":{"file_bytes":1},"x_tool":{"a":"]"}}"#,
        #"{"schema_version":"1.0","archives":[ ]}"#,
    ])
    func aSplicedLayoutIsTheLayoutASkimFinds(_ start: String) throws {
        let entries = [Self.entry(150), Self.entry(120), Self.entry(101)]
        var text: IndexFileText
        switch start {
        case "writer": text = try IndexFileText(Self.fileBytes(entries))
        case "stamped": text = try IndexFileText(ShardSummary.stamped(Self.fileBytes(entries)))
        default: text = try IndexFileText(Array(start.utf8))
        }
        // Replace, add before all, between and after all, remove first, last and middle, until empty.
        let changes: [(Int64, Bool)] = [
            (120, true), (199, true), (130, true), (100, true), (199, false), (100, false), (130, false), (150, false),
            (101, false), (120, false), (142, true), (142, false),
        ]
        for (step, (number, keeps)) in changes.enumerated() {
            let issue = IssueNumber(exactly: number)!
            let entryBytes = keeps ? IndexFileText.bytes(of: Self.entry(number, logs: step % 4, title: "t\(step) \"é\"")) : nil
            let spliced = try text.splicing(issue, with: entryBytes, updated: "2026-12-01T00:00:0\(step % 10)Z")
            #expect(spliced.bytes == text.replacing(issue, with: entryBytes, updated: "2026-12-01T00:00:0\(step % 10)Z"))
            #expect(spliced.sameLayout(as: try IndexFileText(spliced.bytes)), "step \(step) of \(start)")
            let stamped = ShardSummary.stamped(spliced, previous: text)
            #expect(stamped.sameLayout(as: try IndexFileText(stamped.bytes)), "stamped, step \(step) of \(start)")
            #expect(stamped.bytes == (try ShardSummary.stamped(spliced.bytes)), "headlines lent by the file as it stood")
            text = step.isMultiple(of: 2) ? stamped : spliced
        }
    }

    @Test func anEntryThatDoesNotReadBackIsRefusedBeforeAnythingIsWritten() throws {
        let text = try IndexFileText(Self.fileBytes([Self.entry(150)]))
        let issue = IssueNumber(exactly: 120)!
        let good = IndexFileText.bytes(of: Self.entry(120))
        for bad in [Array(good.dropLast()), good + Array(" x".utf8), IndexFileText.bytes(of: Self.entry(121)), Array("[1]".utf8)] {
            #expect(throws: ArchiveIndexFormatError.self) { try text.splicing(issue, with: bad, updated: "u") }
        }
    }

    @Test(arguments: [[], [5], [7, 150, 5, 99]])
    func aFileAssembledFromEntryBytesIsWhatTheWriterWrites(_ issues: [Int64]) {
        let entries = issues.map { Self.entry($0, logs: Int($0 % 4)) }
        let assembled = IndexFileText.fileBytes(
            holding: entries.map { ($0.issueNumber, IndexFileText.bytes(of: $0)) }, updated: "2026-12-01T00:00:00Z")
        #expect(assembled == ArchiveIndex(archives: entries, lastUpdated: "2026-12-01T00:00:00Z").fileBytes)
    }

    @Test func anEntryIsDecodedAloneAndTheOthersAreOnlySkimmed() throws {
        // Issue 7's entry has a field of the wrong type: reading issue 5 does not decode it.
        var bytes = String(decoding: Self.fileBytes([Self.entry(7), Self.entry(5)]), as: UTF8.self)
        bytes = bytes.replacingFirst("\"retry_count\": 0", with: "\"retry_count\": \"many\"")
        let text = try IndexFileText(Array(bytes.utf8))
        #expect(text.entries.map(\.issue) == [IssueNumber(exactly: 7)!, IssueNumber(exactly: 5)!])
        #expect(try text.entry(for: IssueNumber(exactly: 5)!) == Self.entry(5))
        #expect(throws: ArchiveIndexFormatError.self) { try text.entry(for: IssueNumber(exactly: 7)!) }
    }

    @Test(arguments: [
        ("truncated", "not valid JSON"), ("bad literal", "not valid JSON"), ("duplicate", "a second entry for issue 5"),
        ("number issue", "not a positive integer"), ("version", "not supported"), ("no archives", "archives"),
        ("trailing", "unexpected text"), ("unescaped control", "control character"),
    ])
    func aBrokenFileIsRefusedWithTheReason(_ breakage: String, _ reason: String) {
        let good = String(decoding: Self.fileBytes([Self.entry(7), Self.entry(5)]), as: UTF8.self)
        let broken: String
        switch breakage {
        case "truncated": broken = String(good.dropLast(40))
        case "bad literal": broken = good.replacingFirst("\"compressed\": false", with: "\"compressed\": fals")
        case "duplicate": broken = good.replacingFirst("\"issue_number\": \"7\"", with: "\"issue_number\": \"5\"")
        case "number issue": broken = good.replacingFirst("\"issue_number\": \"7\"", with: "\"issue_number\": 7")
        case "version": broken = good.replacingFirst("\"1.0\"", with: "\"2.0\"")
        case "no archives": broken = good.replacingFirst("\"archives\"", with: "\"entries\"")
        case "trailing": broken = good + "}"
        default: broken = good.replacingFirst("Z\",", with: "Z\t\",")
        }
        #expect(broken != good)
        do {
            _ = try IndexFileText(Array(broken.utf8))
            Issue.record("accepted a file that is \(breakage)")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test func headlinesSkimmedFromTheBytesAreWhatTheDecodedEntriesSay() throws {
        var titled = Self.entry(9, logs: 3, title: "Tab\there, quote \" and é")
        titled.issueURL = "https://github.com/org/repo/issues/9"
        titled.logs[1].originalSizeBytes = 4_000
        titled.logs[2].compressed = true
        var partial = Self.entry(8, logs: 2)
        partial.logs[1].uploadStatus = .failed
        partial.logs[1].lastError = "HTTP 500"
        let empty = Self.entry(7, logs: 0)
        // The original workflow's entries have no upload_status: they count as uploaded.
        var legacy = String(decoding: Self.fileBytes([Self.entry(6)]), as: UTF8.self)
        legacy = legacy.replacingOccurrences(of: "\"upload_status\": \"uploaded\",", with: "")
        let legacyText = try IndexFileText(Array(legacy.utf8), readingHeadlines: true)
        #expect(legacyText.headlines == [ArchiveHeadline(Self.entry(6))])

        let text = try IndexFileText(Self.fileBytes([titled, partial, empty]), readingHeadlines: true)
        #expect(text.entries.map(\.issue.description) == ["9", "8", "7"])
        #expect(text.headlines[0] == ArchiveHeadline(titled))
        #expect(text.headlines[0]?.totalOriginalBytes == 4_200)
        #expect(text.headlines[1] == nil, "a partial archive is decoded whole")
        #expect(text.headlines[2] == ArchiveHeadline(empty))
    }

    @Test func statusReadsEveryFileAsTheFullDecodeWould() throws {
        let sandbox = try Sandbox()
        let store = IndexStore(logsDirectory: sandbox.path("logs"))
        var failed = Self.entry(250, logs: 2)
        failed.logs[0].uploadStatus = .pending
        for entry in [Self.entry(5), Self.entry(150, logs: 4), failed, Self.entry(99, logs: 0)] { try store.upsert(entry) }
        let status = ArchiveStatus.read(store)
        let full = try store.read()
        #expect(status.complete == full.archives.filter(\.uploadComplete).map(ArchiveHeadline.init))
        #expect(status.partial == [failed])
        #expect(status.totals.issues == 4)
        #expect(status.totals.logs == 8)
        #expect(status.totals.uploadedLogs == 7)
        #expect(status.totals.storedBytes == 700)
    }

    @Test func aFileWrittenAnotherWayKeepsItsFormattingAroundTheChange() throws {
        let compact = #"{"archives":[{"issue_number":"9","x":[1,{"y":"}"}],"logs":[]},{"issue_number":"3","logs":[]}],"schema_version":"1.0","last_updated":null,"x_tool":{"a":"]"}}"#
        let text = try IndexFileText(Array(compact.utf8))
        let spliced = text.replacing(IssueNumber(exactly: 5)!, with: IndexFileText.bytes(of: Self.entry(5)), updated: "2026-12-01T00:00:00Z")
        let index = try ArchiveIndex(fileBytes: spliced)
        #expect(index.archives.map(\.issueNumber.description) == ["9", "5", "3"])
        #expect(index.lastUpdated == "2026-12-01T00:00:00Z")
        #expect(index.unknownFields["x_tool"] != nil)
        let written = String(decoding: spliced, as: UTF8.self)
        #expect(written.hasPrefix(#"{"archives":[{"issue_number":"9","x":[1,{"y":"}"}],"logs":[]},"#))
        #expect(written.hasSuffix(#"{"issue_number":"3","logs":[]}],"schema_version":"1.0","last_updated":"2026-12-01T00:00:00Z","x_tool":{"a":"]"}}"#))
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
