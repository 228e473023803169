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

@Suite struct JSONObjectTests {
    static func numbered(_ count: Int) -> [(key: String, value: JSONValue)] {
        (0..<count).map { ("key\($0)", .integer(Int64($0))) }
    }

    /// Past `scanLimit` keys the object switches to its positions dictionary; both must agree.
    @Test(arguments: [3, JSONObject.scanLimit, JSONObject.scanLimit + 1, 40])
    func findsEveryKeyAndKeepsOrderWhateverItsSize(_ count: Int) throws {
        let text = "{" + (0..<count).map { "\"key\($0)\": \($0)" }.joined(separator: ", ") + "}"
        guard case .object(let object) = try JSONParser.parse(text) else { Issue.record("not an object"); return }
        #expect(object.members.map(\.key) == Self.numbered(count).map(\.key))
        #expect(object.members.map(\.value) == Self.numbered(count).map(\.value))
        #expect(object["key0"] == .integer(0))
        #expect(object["key\(count - 1)"] == .integer(Int64(count - 1)))
        #expect(object["key\(count)"] == nil)
    }

    @Test(arguments: [5, 40])
    func aDuplicateKeyIsRefusedBeforeAndAfterThePositionsDictionary(_ count: Int) {
        let members = Self.numbered(count).map { "\"\($0.key)\": 0" } + ["\"key\(count - 2)\": 1"]
        do {
            _ = try JSONParser.parse("{" + members.joined(separator: ", ") + "}")
            Issue.record("accepted a duplicate key")
        } catch {
            #expect(error.reason == "duplicate key \"key\(count - 2)\"")
        }
    }

    @Test(arguments: [5, 40])
    func removingAMemberKeepsTheLaterOnesFindable(_ count: Int) {
        var object = JSONObject(Self.numbered(count))
        object["key1"] = nil
        object["key\(count)"] = .string("new")
        #expect(object["key1"] == nil)
        #expect(object.keys.count == count)
        for index in 2..<count { #expect(object["key\(index)"] == .integer(Int64(index))) }
        #expect(object["key\(count)"] == .string("new"))
        #expect(object.keys.last == "key\(count)")
    }

    @Test(arguments: [5, 40])
    func aRepeatedKeyInTheInitializerKeepsItsFirstPlaceAndLastValue(_ count: Int) {
        let object = JSONObject(Self.numbered(count) + [("key0", .string("last"))])
        #expect(object.keys == Self.numbered(count).map(\.key))
        #expect(object["key0"] == .string("last"))
    }

    @Test func escapesAndUTF8AroundThemDecode() throws {
        let text = #""é\u00e9\"\\\/\b\f\n\r\t\ud83d\ude00 ü end""#
        #expect(try JSONParser.parse(text) == .string("éé\"\\/\u{08}\u{0C}\n\r\t😀 ü end"))
        #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test(arguments: [Array("[\"ab".utf8) + [0xFF] + Array("c\"]".utf8), Array("[\"a\\nb".utf8) + [0xC3] + Array("\"]".utf8)])
    func invalidUTF8InAStringIsRefusedWhereTheStringEnds(_ bytes: [UInt8]) {
        do {
            _ = try JSONParser.parse(bytes)
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.reason == "a string is not valid UTF-8")
            #expect(error.line == 1)
            #expect(error.column == bytes.count - 1)
        }
    }

    @Test(arguments: [
        ("9223372036854775807", JSONValue.integer(.max)), ("-9223372036854775808", .integer(.min)),
        ("9223372036854775808", .double(0x1p63)), ("-9223372036854775809", .double(-0x1p63)),
        ("-0", .integer(0)), ("0", .integer(0)), ("120", .integer(120)), ("1.0", .double(1)), ("1e2", .double(100)),
        ("-2.5E-1", .double(-0.25)), ("18446744073709551616", .double(0x1p64)),
    ])
    func numbersAreIntegersWhenTheyFitAnInt64(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test(arguments: ["-01", "-", "1.", "1e", "+1", ".5"])
    func malformedNumbersAreRefused(_ text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test func prettyBytesAreThePrettyText() throws {
        let value = try JSONParser.parse(#"{"a": [-12, 0, 9223372036854775807, -9223372036854775808, 0.5, "x\u007f\u0001é"], "b": {}, "c": []}"#)
        let expected = """
            {
              "a": [
                -12,
                0,
                9223372036854775807,
                -9223372036854775808,
                0.5,
                "x\\u007f\\u0001é"
              ],
              "b": {},
              "c": []
            }

            """
        #expect(JSONWriter.pretty(value) == expected)
        #expect(JSONWriter.prettyUTF8(value) == Array(expected.utf8))
        #expect(JSONWriter.compact(value) == #"{"a":[-12,0,9223372036854775807,-9223372036854775808,0.5,"x\u007f\u0001é"],"b":{},"c":[]}"#)
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

    @Test(arguments: [
        ("a/../b", false), ("..", false), ("a/..", false), ("a//..", false), ("../a", false),
        ("a/...", true), ("a/..b", true), ("..a/b", true), ("a/.b./c", true), ("a/./b", true),
    ])
    func aRemotePathWithAParentSegmentIsRefused(_ remotePath: String, _ accepted: Bool) {
        let log = JSONValue.object(
            JSONObject([("type", .string("build")), ("filename", .string("x")), ("remote_path", .string(remotePath))]))
        #expect(((try? ArchivedLog(json: log, path: "log")) != nil) == accepted, "\(remotePath)")
    }

    @Test func fieldsInAnUnusualOrderAreReadAndUnknownOnesKeepTheirOrder() throws {
        let text = #"{"z": 1, "archives": [], "last_updated": "t", "a": 2, "schema_version": "1.1"}"#
        let index = try ArchiveIndex(json: JSONParser.parse(text))
        #expect(index.lastUpdated == "t")
        #expect(index.schemaVersion == "1.1")
        #expect(index.unknownFields.keys == ["z", "a"])
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
