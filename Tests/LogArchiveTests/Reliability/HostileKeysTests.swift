import Crypto
import Foundation
import Testing

@testable import LogArchive

/// Keys, claims and entries from files anyone who can push a commit (or write to the bucket)
/// controls: the index, the upload journal, a multipart record and a stored manifest. Each case
/// runs the release binary and asserts the exit code, the message (file and field), and that
/// the sandbox and every stored object are byte for byte as they were.
@Suite struct HostileKeysTests {
    enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
        case local, s3
        var testDescription: String { rawValue }
    }

    /// A project with issues 123 and 124 archived (one small build log each) in `kind` of store.
    final class Project {
        let sandbox: Sandbox
        let kind: StoreKind
        let bucket: String?
        let environment: [String: String]
        var storeArguments: [String]

        init(_ kind: StoreKind) throws {
            sandbox = try Sandbox()
            self.kind = kind
            switch kind {
            case .local:
                bucket = nil
                environment = [:]
                storeArguments = ["--store", sandbox.storeRoot]
            case .s3:
                let server = try S3TestServer.require()
                let bucket = try server.makeBucket()
                self.bucket = bucket
                environment = server.environment()
                storeArguments = ["--store", "s3://\(bucket)"]
            }
            for (issue, text) in [("123", "one\n"), ("124", "two\n")] {
                try sandbox.write("logs/builds/\(issue)-build.log", text)
                let result = try run([issue, "--no-comment", "--no-commit"])
                try #require(result.status == 0, "\(result.output) \(result.errorOutput)")
            }
        }

        func run(_ arguments: [String]) throws -> CommandResult {
            try ReleaseBinary.run(arguments + storeArguments, in: sandbox, environment: environment)
        }

        /// Every stored object's SHA-256, by key (traces included: nothing may touch them either).
        func storedObjects() throws -> [String: String] {
            var objects: [String: String] = [:]
            switch kind {
            case .local:
                let root = sandbox.storeRoot + "/"
                let enumerator = FileManager.default.enumerator(atPath: root)
                while let relative = enumerator?.nextObject() as? String {
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: root + relative, isDirectory: &isDirectory),
                        !isDirectory.boolValue
                    else { continue }
                    objects[relative] = try Self.hash(Data(contentsOf: URL(fileURLWithPath: root + relative)))
                }
            case .s3:
                let server = try S3TestServer.require()
                for key in try server.keys(in: bucket!) {
                    objects[key] = Self.hash(try server.download(bucket!, key, into: sandbox))
                }
            }
            return objects
        }

        /// The one key of `issue`'s log in the store.
        func logKey(_ issue: String) throws -> String {
            try #require(try storedObjects().keys.first { $0.hasSuffix("/\(issue)/\(issue)-build.log") })
        }

        func manifestKey(_ issue: String) throws -> String {
            try #require(try storedObjects().keys.first { $0.hasSuffix("/\(issue)/manifest.json") })
        }

        /// Replaces a stored object's bytes (the bucket is the attacker's to write).
        func store(_ text: String, at key: String) throws {
            switch kind {
            case .local:
                try Data(text.utf8).write(to: URL(fileURLWithPath: sandbox.storeRoot + "/" + key))
            case .s3:
                let file = try sandbox.write("upload-\(UUID().uuidString)", text)
                try S3TestServer.require().aws(["s3", "cp", file, "s3://\(bucket!)/\(key)", "--only-show-errors"])
                    .requireSuccess()
                try FileManager.default.removeItem(atPath: file)
            }
        }

        var shardPath: String { "logs/.archive-index/issues-000100-000124.json" }

        /// The shard's text with `change` applied to issue 123's entry (the last one: 124 sorts first).
        func editEntry123(_ change: (String) -> String) throws {
            let text = String(decoding: try sandbox.read(shardPath), as: UTF8.self)
            let start = try #require(text.range(of: "\"issue_number\": \"123\""))
            _ = try sandbox.write(
                shardPath, String(text[..<start.lowerBound]) + change(String(text[start.lowerBound...])))
        }

        static func hash(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
    }

    /// Runs `arguments` and requires the refusal: `status`, each of `expected` in stderr, and the
    /// sandbox and the store byte for byte as they were.
    @discardableResult
    static func expectRefused(_ arguments: [String], in project: Project, status: Int32, mentioning expected: [String])
        throws -> CommandResult
    {
        let before = try project.sandbox.snapshot()
        let objects = try project.storedObjects()
        let result = try project.run(arguments)
        #expect(result.status == status, "\(arguments): \(result.output) \(result.errorOutput)")
        for text in expected { #expect(result.errorOutput.contains(text), "\(arguments): \(result.errorOutput)") }
        #expect(try project.sandbox.snapshot() == before, "\(arguments) changed the sandbox")
        #expect(try project.storedObjects() == objects, "\(arguments) changed the store")
        return result
    }

    // MARK: Rule 1: keys stay in their issue's folder

    /// Issue 123's entry names 124's object as its failed log's key (the attack `--retry` fell to:
    /// it overwrote 124's stored log). Every command that would use the key refuses it first.
    @Test(
        arguments: StoreKind.allCases,
        [
            ["123", "--retry", "--no-comment", "--no-commit"],
            ["123", "--reindex-only", "--no-comment", "--no-commit"],
            ["read", "123"], ["cleanup", "--older-than", "0"], ["status", "123"],
        ])
    func indexKeyIntoAnotherIssueIsRefused(_ kind: StoreKind, _ arguments: [String]) throws {
        let project = try Project(kind)
        let victim = try project.logKey("124")
        try project.editEntry123 { entry in
            entry.replacingOccurrences(of: try! project.logKey("123"), with: victim)
                .replacingOccurrences(of: "\"upload_status\": \"uploaded\"", with: "\"upload_status\": \"failed\"")
                .replacingOccurrences(of: "\"partial_archive\": false", with: "\"partial_archive\": true")
                .replacingOccurrences(of: "\"upload_complete\": true", with: "\"upload_complete\": false")
        }
        try project.sandbox.write("logs/builds/123-build.log", "evil\n")
        try Self.expectRefused(
            arguments, in: project, status: 64,
            mentioning: [
                project.shardPath, "archives[1].logs[0].remote_path", "\"\(victim)\" is outside issue #123's folder",
            ])
    }

    /// `search` serves the good issues and never reads another issue's object for 123.
    @Test(arguments: StoreKind.allCases)
    func searchNeverReadsAnotherIssuesObjectThroughABadKey(_ kind: StoreKind) throws {
        let project = try Project(kind)
        let victim = try project.logKey("124")
        try project.editEntry123 { $0.replacingOccurrences(of: try! project.logKey("123"), with: victim) }
        let before = try project.sandbox.snapshot()
        let result = try project.run(["search", "two", "--issue", "123", "--archived-only"])
        #expect(!result.output.contains("two"), "\(result.output)")
        let other = try project.run(["search", "two", "--issue", "124", "--archived-only"])
        #expect(other.status == 0 && other.output.contains("two"), "\(other.output) \(other.errorOutput)")
        #expect(try project.sandbox.snapshot() == before)
    }

    /// Within the issue's folder: a key naming the manifest, a trace, or another log of the same
    /// issue is refused too, so a retry of one log never overwrites another object of the issue.
    @Test(arguments: ["manifest.json", "trace-run-1-2.json", "123-other.log", "123-build.log.gz/x", "%2e%2e", "", "."])
    func keyNamingAnotherObjectOfTheSameIssueIsRefused(_ name: String) throws {
        let project = try Project(.local)
        let key = try project.logKey("123")
        let folder = String(key.dropLast("123-build.log".count))
        try project.editEntry123 {
            $0.replacingOccurrences(of: "\"remote_path\": \"\(key)\"", with: "\"remote_path\": \"\(folder)\(name)\"")
                .replacingOccurrences(of: "\"upload_status\": \"uploaded\"", with: "\"upload_status\": \"failed\"")
        }
        try project.sandbox.write("logs/builds/123-build.log", "evil\n")
        try Self.expectRefused(
            ["123", "--retry", "--no-comment", "--no-commit"], in: project, status: 64,
            mentioning: [project.shardPath, "archives[1].logs[0].remote_path", "refused"])
    }

    /// A manifest in the store naming 124's object: `--reindex-only` refuses it (64), and
    /// `reindex --all` reports it and records nothing from it.
    @Test(arguments: StoreKind.allCases)
    func manifestKeyIntoAnotherIssueIsRefused(_ kind: StoreKind) throws {
        let project = try Project(kind)
        let victim = try project.logKey("124")
        let manifestKey = try project.manifestKey("123")
        let stored = try Self.manifestText(of: project, key: manifestKey)
        try project.store(stored.replacingOccurrences(of: try project.logKey("123"), with: victim), at: manifestKey)
        try project.sandbox.write(project.shardPath, "")  // the index lost: only the store can rebuild it
        try Self.expectRefused(
            ["123", "--reindex-only", "--no-comment", "--no-commit"], in: project, status: 64,
            mentioning: [manifestKey, "manifest.logs[0].remote_path", "\"\(victim)\" is outside issue #123's folder"])
        let objects = try project.storedObjects()
        let result = try project.run(["reindex", "--all"])
        #expect(result.status == 1, "\(result.output) \(result.errorOutput)")
        #expect(result.output.contains("outside issue #123's folder"), "\(result.output)")
        #expect(try project.storedObjects() == objects)
        let shard = String(decoding: try project.sandbox.read(project.shardPath), as: UTF8.self)
        #expect(!shard.contains("\"issue_number\": \"123\""), "\(shard)")
        #expect(shard.contains("\"issue_number\": \"124\""))
    }

    static func manifestText(of project: Project, key: String) throws -> String {
        switch project.kind {
        case .local: return String(decoding: try project.sandbox.read(".logarchive-store/" + key), as: UTF8.self)
        case .s3:
            return String(
                decoding: try S3TestServer.require().download(project.bucket!, key, into: project.sandbox),
                as: UTF8.self)
        }
    }

    /// A journal a stopped run left, naming 124's object: refused with the journal's name and field.
    @Test(arguments: StoreKind.allCases)
    func journalKeyIntoAnotherIssueIsRefused(_ kind: StoreKind) throws {
        let project = try Project(kind)
        let victim = try project.logKey("124")
        let own = try project.logKey("123")
        let shard = String(decoding: try project.sandbox.read(project.shardPath), as: UTF8.self)
        let start = try #require(shard.range(of: "{\n      \"issue_number\": \"123\""))
        let end = try #require(shard.range(of: "\n    }", range: start.upperBound..<shard.endIndex))
        let entry = try JSONParser.parse(Array(shard[start.lowerBound..<end.upperBound].utf8))
        let header = JSONWriter.compact(.object(JSONObject([("entry", entry)]))).replacingOccurrences(
            of: own, with: victim
        )
        .replacingOccurrences(of: "\"upload_status\":\"uploaded\"", with: "\"upload_status\":\"pending\"")
        try project.sandbox.write("logs/.archive-journal-123.jsonl", header + "\n")
        try project.sandbox.write("logs/builds/123-build.log", "evil\n")
        for arguments in [["123", "--retry", "--no-comment", "--no-commit"], ["cleanup"], ["status", "123"]] {
            try Self.expectRefused(
                arguments, in: project, status: 64,
                mentioning: [
                    ".archive-journal-123.jsonl", "entry.logs[0].remote_path", "is outside issue #123's folder",
                ])
        }
    }

    /// A multipart record kept for 123's key but naming 124's: refused before any request.
    @Test(arguments: StoreKind.allCases)
    func multipartRecordNamingAnotherIssuesKeyIsRefused(_ kind: StoreKind) throws {
        let project = try Project(kind)
        let own = try project.logKey("123")
        let victim = try project.logKey("124")
        try project.editEntry123 {
            $0.replacingOccurrences(of: "\"upload_status\": \"uploaded\"", with: "\"upload_status\": \"failed\"")
                .replacingOccurrences(of: "\"upload_complete\": true", with: "\"upload_complete\": false")
        }
        try project.sandbox.write("logs/builds/123-build.log", "evil\n")
        let name = ".archive-multipart-\(Project.hash(Data(own.utf8)).prefix(16)).json"
        try project.sandbox.write(
            "logs/\(name)",
            #"{"key":"\#(victim)","size":5,"part_size":5242880,"sha256":"sha256:\#(String(repeating: "0", count: 64))","upload_id":"x","parts":[]}"#
        )
        try Self.expectRefused(
            ["123", "--retry", "--no-comment", "--no-commit"], in: project, status: 64,
            mentioning: [name, "key:", "is outside issue #123's folder"])
    }

    /// The rule itself, over keys built to slip past a looser check.
    @Test func issueKeyRuleRefusesEveryKeyOutsideTheLogsOwnPlace() throws {
        let issue = try IssueNumber(validating: "123")
        let good = [
            "archive/logs/2025/01/123/123-build.log", "archive/logs/2025/01/123/123-build.log.gz",
            "archive/logs/2025/12/123/123-build-2.log.gz", "archive/logs/2025/01/123/builds/123-build.log", "",
        ]
        for key in good {
            #expect(
                IssueKeyRule.violation(key: key, issue: issue, filename: "123-build.log", type: .build) == nil, "\(key)"
            )
        }
        let bad = [
            "archive/logs/2025/01/124/123-build.log", "archive/logs/2025/01/0123/123-build.log",
            "archive/logs/2025/13/123/123-build.log", "archive/logs/2025/00/123/123-build.log",
            "archive/logs/20x5/01/123/123-build.log", "archive/logs/2025/1/123/123-build.log",
            "archive/logs/2025//123/123-build.log", "archive/logs/2025/01/123//123-build.log",
            "archive/logs/2025/01/123/../124/123-build.log", "archive/logs/2025/01/123/./123-build.log",
            "archive/logs/2025/01/123/%2e%2e/123-build.log", "archive\\logs/2025/01/123/123-build.log",
            "archive/logs/2025/01/123/123-build.log\u{0}", "archive/logs/2025/01/123/123-build.log\n",
            "archive/logs/2025/01/123/manifest.json", "archive/logs/2025/01/123/trace-run-1-2.json",
            "archive/logs/2025/01/123/123-build-1.log", "archive/logs/2025/01/123/123-build-02.log",
            "archive/logs/2025/01/123/sessions/123-build.log", "/archive/logs/2025/01/123/123-build.log",
            "x/archive/logs/2025/01/123/123-build.log", "archive/logs/2025/01/123", "archive/logs/2025/01/123/",
            "archive/logs/２０２５/01/123/123-build.log",
        ]
        for key in bad {
            #expect(
                IssueKeyRule.violation(key: key, issue: issue, filename: "123-build.log", type: .build) != nil, "\(key)"
            )
        }
    }

    // MARK: Rule 2: a file any record names is claimed

    /// A `.gz` log older than 7 days that a partial entry lists, whatever its status, is never an
    /// orphan: `--retry` needs it, and it may be the only copy.
    @Test(
        arguments: ["pending", "retrying", "failed", "uploaded"],
        [["cleanup"], ["cleanup", "--orphans"], ["cleanup", "--older-than", "0"], ["cleanup", "--dry-run"]])
    func listedGzIsNeverRemovedWhateverItsStatus(_ status: String, _ arguments: [String]) throws {
        let sandbox = try Sandbox()
        let gz = try sandbox.write("logs/builds/123-build.log.gz", "not really gzip, the only copy")
        try sandbox.write(
            "logs/.archive-index.json",
            """
            {"schema_version": "1.0", "archives": [{"issue_number": "123", "partial_archive": true, "upload_complete": false,
              "logs": [{"type": "build", "filename": "123-build.log.gz", "local_path": "logs/builds/123-build.log.gz",
              "remote_path": "archive/logs/2025/01/123/123-build.log.gz", "compressed": false, "size_bytes": 30,
              "upload_status": "\(status)"}]}]}
            """)
        try Self.expectClaimed(gz, arguments, in: sandbox)
    }

    /// The same `.gz` named only by a stopped run's journal, or by an unfinished multipart upload.
    @Test(arguments: ["journal", "multipart"])
    func gzNamedByAJournalOrAMultipartRecordIsNeverRemoved(_ claimant: String) throws {
        let sandbox = try Sandbox()
        let gz = try sandbox.write("logs/builds/123-build.log.gz", "the only copy")
        let key = "archive/logs/2025/01/123/123-build.log.gz"
        if claimant == "journal" {
            try sandbox.write(
                "logs/.archive-journal-123.jsonl",
                #"{"entry":{"issue_number":"123","logs":[{"type":"build","filename":"123-build.log.gz","local_path":"logs/builds/123-build.log.gz","remote_path":"\#(key)","upload_status":"pending"}]}}"#
                    + "\n")
        } else {
            try sandbox.write(
                "logs/.archive-multipart-\(Project.hash(Data(key.utf8)).prefix(16)).json",
                #"{"key":"\#(key)","size":13,"part_size":5242880,"sha256":"sha256:\#(String(repeating: "0", count: 64))","upload_id":"x","parts":[]}"#
            )
        }
        for arguments in [["cleanup", "--dry-run"], ["cleanup"]] { try Self.expectClaimed(gz, arguments, in: sandbox) }
    }

    /// Runs a cleanup on a `.gz` touched 10 days ago and requires it kept, byte for byte, and
    /// the plan to say so.
    static func expectClaimed(_ path: String, _ arguments: [String], in sandbox: Sandbox) throws {
        try sandbox.shell("touch -d '10 days ago' '\(path)'").requireSuccess()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let result = try ReleaseBinary.run(arguments + ["--store", sandbox.storeRoot], in: sandbox)
        #expect(!result.output.contains("orphan_gz"), "\(arguments): \(result.output)")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: path)) == bytes,
            "\(arguments): \(result.output) \(result.errorOutput)")
        if arguments.contains("--dry-run") || arguments == ["cleanup"] {
            #expect(
                result.output.contains("123-build.log.gz"),
                "\(arguments): the plan names the kept file: \(result.output)")
        }
    }

    // MARK: Rule 7: one bad entry spoils only itself

    /// A shard whose entry for 124 has one bad value still serves 123 and takes a new issue of
    /// its range, keeping the bad entry's bytes; 124 alone fails; `reindex --all` rewrites it.
    @Test(arguments: StoreKind.allCases)
    func oneBadEntryOfAShardSpoilsOnlyItself(_ kind: StoreKind) throws {
        let project = try Project(kind)
        let sandbox = project.sandbox
        let text = String(decoding: try sandbox.read(project.shardPath), as: UTF8.self)
        // 124's entry comes first: only its value is spoilt.
        let value = try #require(text.range(of: "\"size_bytes\": 4,"))
        var bad = text
        bad.replaceSubrange(value, with: "\"size_bytes\": \"x\",")
        _ = try sandbox.write(project.shardPath, bad)
        let field = "archives[0].logs[0].size_bytes"

        let status = try project.run(["status"])
        #expect(status.status == 1)
        #expect(status.output.contains("#123"), "\(status.output)")
        #expect(
            status.errorOutput.contains(project.shardPath) && status.errorOutput.contains(field),
            "\(status.errorOutput)")
        #expect(try project.run(["status", "123"]).status == 0)
        let read = try project.run(["read", "123"])
        #expect(read.status == 0 && read.output.contains("one"), "\(read.output) \(read.errorOutput)")
        for arguments in [["status", "124"], ["read", "124"], ["124", "--no-comment", "--no-commit"]] {
            try Self.expectRefused(arguments, in: project, status: 1, mentioning: [project.shardPath, field])
        }
        let search = try project.run(["search", "one", "--archived-only"])
        #expect(search.status == 0 && search.output.contains("one"), "\(search.output) \(search.errorOutput)")

        // Another issue of the same shard: archived, and the bad entry's bytes left as they were.
        let badEntry = String(bad[bad.range(of: "{\n      \"issue_number\": \"124\"")!.lowerBound...].prefix(900))
        try sandbox.write("logs/builds/120-build.log", "six\n")
        let archived = try project.run(["120", "--no-comment", "--no-commit"])
        #expect(archived.status == 0, "\(archived.output) \(archived.errorOutput)")
        let after = String(decoding: try sandbox.read(project.shardPath), as: UTF8.self)
        #expect(after.contains(badEntry), "\(after)")
        #expect(after.contains("\"issue_number\": \"120\""))

        let rebuilt = try project.run(["reindex", "--all"])
        #expect(rebuilt.status == 0, "\(rebuilt.output) \(rebuilt.errorOutput)")
        let repaired = String(decoding: try sandbox.read(project.shardPath), as: UTF8.self)
        #expect(!repaired.contains("\"size_bytes\": \"x\""), "\(repaired)")
        let entry = try project.run(["status", "124"])
        #expect(entry.status == 0 && entry.output.contains("complete"), "\(entry.output) \(entry.errorOutput)")
        #expect(try project.run(["read", "124"]).output.contains("two"))
    }

    /// `reindex --all` with no manifest for the bad entry's issue keeps it as it is and names it.
    @Test func badEntryWithoutAManifestIsKeptAndNamedByReindex() throws {
        let project = try Project(.local)
        let sandbox = project.sandbox
        let text = String(decoding: try sandbox.read(project.shardPath), as: UTF8.self)
        var bad = text
        bad.replaceSubrange(try #require(text.range(of: "\"size_bytes\": 4,")), with: "\"size_bytes\": \"x\",")
        _ = try sandbox.write(project.shardPath, bad)
        try FileManager.default.removeItem(atPath: sandbox.storeRoot + "/" + (try project.manifestKey("124")))
        let result = try project.run(["reindex", "--all"])
        #expect(result.status == 1, "\(result.output) \(result.errorOutput)")
        #expect(result.output.contains("archives[0].logs[0].size_bytes"), "\(result.output)")
        #expect(String(decoding: try sandbox.read(project.shardPath), as: UTF8.self) == bad)
    }

    /// A single-file index with one bad entry is migrated with the bad entry moved as it is.
    @Test func badEntryOfASingleFileIndexSurvivesTheMigration() throws {
        let sandbox = try Sandbox()
        try sandbox.write(
            "logs/.archive-index.json",
            #"{"archives": [{"issue_number": "7", "retry_count": "bad", "logs": []}]}"#)
        try sandbox.write("logs/builds/123-build.log", "x\n")
        let result = try ReleaseBinary.run(
            ["123", "--no-comment", "--no-commit", "--store", sandbox.storeRoot], in: sandbox)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let status = try ReleaseBinary.run(["status", "7", "--store", sandbox.storeRoot], in: sandbox)
        #expect(status.status == 1 && status.errorOutput.contains("retry_count"), "\(status.errorOutput)")
        let files = try sandbox.indexFiles().map { String(decoding: try sandbox.read($0), as: UTF8.self) }.joined()
        #expect(files.contains("\"retry_count\": \"bad\""), "\(files)")
    }
}
