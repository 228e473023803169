import Testing
@testable import LogArchive

@Suite struct JSONTests {
    @Test func parsesAndWritesBackKeepingKeyOrder() throws {
        let text = #"{"z": 1, "a": [true, false, null], "m": {"k": "v\n\u00e9\ud83d\ude00"}, "d": -1.5e3}"#
        let value = try JSONParser.parse(text)
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.keys == ["z", "a", "m", "d"])
        #expect(object["d"] == .double(-1500))
        #expect(object["m"] == .object(JSONObject([("k", .string("v\né😀"))])))
        let reparsed = try JSONParser.parse(JSONWriter.pretty(value))
        #expect(reparsed == value)
        #expect(try JSONParser.parse(JSONWriter.compact(value)) == value)
    }

    @Test(arguments: [
        ("", "empty"), ("{", "string key"), ("{\"a\" 1}", "':'"), ("[1,]", "unexpected character"), ("{\"a\":1,\"a\":2}", "duplicate key"),
        ("\"\u{01}\"", "control character"), ("01", "unexpected text"), ("[1] x", "unexpected text"), ("\"\\x\"", "invalid escape"),
        ("1e999", "out of range"), ("\"\\ud800\"", "surrogate"),
    ])
    func rejectsInvalidDocumentsWithTheReason(_ text: String, _ reason: String) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test func reportsLineAndColumn() {
        do {
            _ = try JSONParser.parse("{\n  \"a\": 1,\n  \"b\": ?\n}")
            Issue.record("accepted")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 8)
        }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(deep) }
    }

    @Test func commentsOnlyWhenAllowed() throws {
        let text = "// a comment\n{\"a\": 1 // trailing\n}"
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(text) }
        #expect(try JSONParser.parse(text, allowsComments: true) == .object(JSONObject([("a", .integer(1))])))
    }

    @Test func writerEscapesControlCharactersAndQuotes() throws {
        let value = JSONValue.string("a\"b\\c\u{0}\u{1f}\u{7f}")
        let written = JSONWriter.compact(value)
        #expect(written == #""a\"b\\c\u0000\u001f\u007f""#)
        #expect(try JSONParser.parse(written) == value)
    }
}

@Suite struct ArchiveIndexCodingTests {
    static let sample = """
        {
          "schema_version": "1.0",
          "last_updated": "2025-01-15T14:00:00Z",
          "maintainer_note": "kept",
          "archives": [
            {"issue_number": "9", "archived_at": "2025-01-15T14:00:00Z", "archive_reason": "issue_closed",
             "custom": {"x": 1},
             "logs": [{"type": "build", "filename": "9-build.log", "size_bytes": 10, "checksum": "sha256:00",
                       "team": "infra"}]},
            {"issue_number": "100", "archived_at": "2025-01-16T14:00:00Z", "logs": []}
          ]
        }
        """

    @Test func unknownFieldsSurviveARewriteAndEntriesAreSorted() throws {
        let index = try ArchiveIndex(json: JSONParser.parse(Self.sample))
        #expect(index.archives.map(\.issueNumber.value) == [100, 9])
        let written = JSONWriter.pretty(index.json)
        let again = try JSONParser.parse(written)
        guard case .object(let root) = again, case .array(let archives)? = root["archives"],
            case .object(let nine) = archives[1], case .array(let logs)? = nine["logs"], case .object(let log) = logs[0]
        else {
            Issue.record("unexpected shape: \(written)")
            return
        }
        #expect(root["maintainer_note"] == .string("kept"))
        #expect(nine["custom"] == .object(JSONObject([("x", .integer(1))])))
        #expect(log["team"] == .string("infra"))
        #expect(log["upload_status"] == .string("uploaded"), "entries of the original workflow were written after upload")
        #expect(nine["total_logs"] == .integer(1))
    }

    @Test func duplicateEntriesForOneIssueAreRefused() throws {
        let text = #"{"archives": [{"issue_number": "5", "logs": []}, {"issue_number": "5", "logs": []}]}"#
        #expect(throws: JSONObjectReader.ShapeError.self) { try ArchiveIndex(json: JSONParser.parse(text)) }
    }

    @Test func wrongTypesNameTheField() throws {
        let text = #"{"archives": [{"issue_number": "5", "logs": [{"type": "build", "filename": "a", "size_bytes": "big"}]}]}"#
        do {
            _ = try ArchiveIndex(json: JSONParser.parse(text))
            Issue.record("accepted")
        } catch let error as JSONObjectReader.ShapeError {
            #expect(error.path == "archives[0].logs[0].size_bytes")
        }
    }

    @Test func compressionRatioIsUploadedOverOriginal() {
        let issue = IssueNumber(exactly: 1)!
        let logs = [
            ArchivedLog(type: .build, filename: "a", localPath: "a", remotePath: "a", sizeBytes: 35, originalSizeBytes: 100,
                        compressed: true, checksum: "", uploadStatus: .uploaded),
            ArchivedLog(type: .debug, filename: "b", localPath: "b", remotePath: "b", sizeBytes: 100, originalSizeBytes: 100,
                        compressed: false, checksum: "", uploadStatus: .failed),
        ]
        let entry = ArchiveEntry(issueNumber: issue, archivedAt: "", archiveReason: .manual, logs: logs)
        #expect(entry.compressionRatio == 0.68)
        #expect(entry.partialArchive)
        #expect(!entry.uploadComplete)
        #expect(entry.totalSizeBytes == 135)
    }
}
