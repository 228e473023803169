import Testing
@testable import LogArchive

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
        // One bad value spoils only its entry: kept aside as invalid, naming the field.
        let index = try ArchiveIndex(json: JSONParser.parse(text))
        #expect(index.archives.isEmpty)
        #expect(index.invalidEntries.map(\.issue.description) == ["5"])
        #expect(index.invalidEntries.first?.message.hasPrefix("archives[0].logs[0].size_bytes:") == true)
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

    /// `parts_sha256` is written only for a log sent in parts as it was compressed, read back as
    /// the same composite, and a malformed one is refused with its path, not taken as absent.
    @Test func thePartsChecksumRoundTripsAndAMalformedOneIsRefused() throws {
        let parts = CompositeChecksum(parts: [Checksum.of([1]), Checksum.of([2]), Checksum.of([3])])
        var log = ArchivedLog(
            type: .build, filename: "1-build.log", localPath: "logs/builds/1-build.log", remotePath: "archive/logs/1-build.log.gz",
            sizeBytes: 10, originalSizeBytes: 30, compressed: true, checksum: Checksum.of([9]).description, uploadStatus: .uploaded)
        guard case .object(let plain) = log.json else { Issue.record("not an object"); return }
        #expect(plain["parts_sha256"] == nil)
        log.partsChecksum = parts
        guard case .object(var object) = log.json else { Issue.record("not an object"); return }
        #expect(object["parts_sha256"] == .string(parts.description))
        #expect(try ArchivedLog(json: .object(object), path: "log").partsChecksum == parts)
        object["parts_sha256"] = .string(parts.digest.base64)
        do {
            _ = try ArchivedLog(json: .object(object), path: "archives[0].logs[0]")
            Issue.record("a composite without its part count was accepted")
        } catch {
            #expect(error.path == "archives[0].logs[0].parts_sha256")
        }
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
