import Foundation
import LogArchive
import Testing

/// `logarchive db-archive` on real SQLite files made with the sqlite3 CLI, checked with gzip and
/// JSONSerialization.
@Suite struct TableArchiveTests {
    static let schema = """
        CREATE TABLE agent_logs(id INTEGER PRIMARY KEY, created_at TEXT, session_id TEXT, level TEXT,
          message TEXT, prompt_text TEXT, tool_input TEXT, tokens INTEGER, duration_ms REAL, payload BLOB);
        CREATE INDEX agent_logs_created ON agent_logs(created_at);
        """

    /// `rows` rows: ids up to 400 created in 2025, later ones in 2026; every 50th row carries an AWS
    /// key in its message, every 7th a NULL prompt, every 3rd a blob; `message` repeats `padding`
    /// characters so a test can make the table large.
    static func makeDatabase(in sandbox: Sandbox, rows: Int = 500, padding: Int = 0, wal: Bool = false) throws -> String
    {
        let path = sandbox.path("agent.db")
        let sql = """
            \(wal ? "PRAGMA journal_mode=WAL;" : "")
            \(schema)
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows))
            INSERT INTO agent_logs(id, created_at, session_id, level, message, prompt_text, tool_input, tokens, duration_ms, payload)
            SELECT i,
              CASE WHEN i <= 400 THEN strftime('%Y-%m-%dT%H:%M:%SZ', '2025-01-01', '+' || i || ' minutes')
                   ELSE strftime('%Y-%m-%dT%H:%M:%SZ', '2026-01-01', '+' || i || ' minutes') END,
              'session-' || (i % 13), 'info',
              CASE WHEN i % 50 = 0 THEN 'uploading with AKIAIOSFODNN7EXAMPLE now'
                   ELSE 'step ' || i || ' said "ok"' || char(10) || 'é ✓' || substr(hex(randomblob(\(max(padding, 1)))), 1, \(padding)) END,
              CASE WHEN i % 7 = 0 THEN NULL ELSE 'please fix issue ' || i END,
              'rm -rf /tmp/' || i,
              i * 10, i / 4.0,
              CASE WHEN i % 3 = 0 THEN x'00ff10' ELSE NULL END
            FROM n;
            """
        try sandbox.shell("sqlite3 agent.db > /dev/null <<'SQL'\n\(sql)\nSQL").requireSuccess()
        return path
    }

    static func ids(in database: String, sandbox: Sandbox) throws -> [Int] {
        let output = try sandbox.shell("sqlite3 '\(database)' 'SELECT id FROM agent_logs ORDER BY id'").requireSuccess()
            .output
        return output.split(separator: "\n").compactMap { Int($0) }
    }

    static func archiveRows(_ path: String, sandbox: Sandbox) throws -> [[String: Any]] {
        let text = try sandbox.shell("gzip -dc '\(path)'").requireSuccess().output
        let array = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
        return try #require(array)
    }

    static func archives(in sandbox: Sandbox) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: sandbox.root).filter { $0.hasPrefix("agent_logs_") }
    }

    @Test func archivesOldRowsRedactedAndVerifiedThenPurgesOnlyThem() throws {
        let sandbox = try Sandbox()
        let database = try Self.makeDatabase(in: sandbox)
        let result = try LogArchiveBinary.run(
            [
                "db-archive", "agent.db", "--threshold", "0", "--older-than", "2026-01-01T00:00:00Z",
                "--redact-column", "tool_input", "--json",
            ], in: sandbox)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let report = try #require(JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(report["status"] as? String == "archived")
        #expect(report["rows"] as? Int == 400)
        let archive = try #require(report["archive"] as? String)
        #expect(
            (archive as NSString).lastPathComponent.range(
                of: #"^agent_logs_\d{8}T\d{6}Z\.json\.gz$"#, options: .regularExpression) != nil)
        #expect(
            try FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int == report["compressed_bytes"]
                as? Int)

        let text = try sandbox.shell("gzip -dc '\(archive)'").requireSuccess().output
        #expect(text.utf8.count == report["original_bytes"] as? Int)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "[" && lines.dropLast().last == "]" && lines.last == "")
        #expect(lines.filter { $0.hasPrefix("{") }.count == 400)
        // The README's way to read it: one row per line through jq.
        let jqRows = try sandbox.shell("zcat '\(archive)' | jq -c '.[]' | wc -l").requireSuccess().output
        #expect(jqRows.trimmingCharacters(in: .whitespacesAndNewlines) == "400")

        let rows = try Self.archiveRows(archive, sandbox: sandbox)
        #expect(rows.map { $0["id"] as? Int } == (1...400).map { $0 })
        let first = rows[0]
        #expect(
            Array((first as NSDictionary).allKeys.compactMap { $0 as? String }).sorted() == [
                "created_at", "duration_ms", "id", "level", "message", "payload", "prompt_text", "session_id", "tokens",
                "tool_input",
            ])
        #expect(first["created_at"] as? String == "2025-01-01T00:01:00Z")
        #expect(first["message"] as? String == "step 1 said \"ok\"\né ✓")
        #expect(first["prompt_text"] as? String == "[REDACTED]")
        #expect(first["tool_input"] as? String == "[REDACTED]")
        #expect(first["tokens"] as? Int == 10)
        #expect(first["duration_ms"] as? Double == 0.25)
        #expect(first["payload"] is NSNull)
        #expect(rows[2]["payload"] as? String == Data([0x00, 0xFF, 0x10]).base64EncodedString())
        #expect(rows[6]["prompt_text"] is NSNull)
        #expect(rows[49]["message"] as? String == "uploading with [REDACTED] now")
        #expect(!text.contains("AKIA") && !text.contains("please fix") && !text.contains("rm -rf"))

        #expect(try Self.ids(in: database, sandbox: sandbox) == Array(401...500))
        #expect(try Self.archives(in: sandbox).count == 1, "no temporary file left beside the archive")
    }

    @Test func belowThresholdChangesNothing() throws {
        let sandbox = try Sandbox()
        _ = try Self.makeDatabase(in: sandbox)
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["db-archive", "agent.db"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("not over the 100 MiB threshold"))
        #expect(try sandbox.snapshot() == before)
    }

    @Test func existingArchiveNameIsNeverReplaced() throws {
        let sandbox = try Sandbox()
        let database = try Self.makeDatabase(in: sandbox, rows: 10)
        let first = try LogArchiveBinary.run(
            ["db-archive", "agent.db", "--threshold", "0", "--older-than", "2025-01-01T00:05:00Z", "--json"],
            in: sandbox)
        let second = try LogArchiveBinary.run(["db-archive", "agent.db", "--threshold", "0", "--json"], in: sandbox)
        #expect(first.status == 0 && second.status == 0, "\(first.errorOutput) \(second.errorOutput)")
        let archives = try Self.archives(in: sandbox).map(sandbox.path)
        #expect(archives.count == 2)
        let archived = try archives.flatMap { try Self.archiveRows($0, sandbox: sandbox) }.compactMap {
            $0["id"] as? Int
        }
        #expect(archived.sorted() == Array(1...10))
        #expect(try Self.ids(in: database, sandbox: sandbox).isEmpty)
    }

    @Test func fullDiskLeavesNoArchiveAndPurgesNothing() throws {
        let sandbox = try Sandbox()
        let database = try Self.makeDatabase(in: sandbox, rows: 2000, padding: 400)
        let before = try sandbox.snapshot()
        // A 64 KiB file-size limit: the archive of ~1 MB of random hex cannot be written.
        let result = try CommandRunner.run(
            "/bin/bash", ["-c", "ulimit -f 64; exec \"$0\" db-archive agent.db --threshold 0", LogArchiveBinary.path],
            in: sandbox.root, environment: LogArchiveBinary.environment())
        #expect(result.status == 1, "\(result.output) \(result.errorOutput)")
        #expect(result.errorOutput.contains("File too large"))
        #expect(try sandbox.snapshot() == before)
        #expect(try Self.ids(in: database, sandbox: sandbox).count == 2000)
    }

    /// Killed after the archive is complete and before the purge, or inside the purge transaction
    /// (after the DELETE, before the COMMIT: SQLite rolls it back): every row is still in the
    /// table and the archive on disk is whole. The next run finds the purge record, purges exactly
    /// those rows and writes no second archive: every row is archived once, none is lost.
    @Test(arguments: ["before-table-purge", "table-purge-before-commit"])
    func killedAroundThePurgeLosesNoRowAndTheNextRunPurges(_ point: String) throws {
        let sandbox = try Sandbox()
        let database = try Self.makeDatabase(in: sandbox, rows: 60, wal: true)
        let killed = try LogArchiveBinary.run(
            ["db-archive", "agent.db", "--threshold", "0"], in: sandbox, environment: ["LOGARCHIVE_FAULT_POINT": point])
        #expect(killed.status == 137 || killed.status == 9, "\(killed.status) \(killed.errorOutput)")
        #expect(try Self.ids(in: database, sandbox: sandbox) == Array(1...60))
        let first = try Self.archives(in: sandbox)
        #expect(first.count == 1)
        #expect(try Self.archiveRows(sandbox.path(first[0]), sandbox: sandbox).count == 60)

        // A row added after the kill is newer than the archived ones: the finished purge keeps it.
        try sandbox.shell("sqlite3 agent.db \"INSERT INTO agent_logs(id, created_at, message) VALUES (61, '2099-01-01T00:00:00Z', 'late')\"")
            .requireSuccess()
        let again = try LogArchiveBinary.run(["db-archive", "agent.db", "--threshold", "0"], in: sandbox)
        #expect(again.status == 0, "\(again.errorOutput)")
        #expect(again.output.contains("Archived 60 rows"), "\(again.output)")
        #expect(try Self.ids(in: database, sandbox: sandbox) == [61])
        #expect(try Self.archives(in: sandbox) == first)
        let rows = try Self.archiveRows(sandbox.path(first[0]), sandbox: sandbox)
        #expect(rows.compactMap { $0["id"] as? Int } == Array(1...60))
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.root).filter { $0.hasSuffix(".purge.json") }.isEmpty)
    }

    @Test func rowsChangedByAnotherProcessBeforePurgeAreNotPurged() throws {
        let sandbox = try Sandbox()
        let database = try Self.makeDatabase(in: sandbox, rows: 50)
        let result = try LogArchiveBinary.run(
            ["db-archive", "agent.db", "--threshold", "0"], in: sandbox,
            environment: [
                "LOGARCHIVE_FAULT_POINT": "before-table-purge",
                "LOGARCHIVE_FAULT_ACTION": "exec:sqlite3 '\(database)' 'DELETE FROM agent_logs WHERE id = 3'",
            ])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.errorOutput.contains("changed while they were archived"))
        #expect(try Self.archives(in: sandbox).isEmpty)
        #expect(try Self.ids(in: database, sandbox: sandbox) == Array(1...50).filter { $0 != 3 })
    }

    @Test(arguments: [
        (["db-archive", "missing.db"], "no database at"),
        (["db-archive", "agent.db", "--table", "nope"], "no table 'nope'"),
        (["db-archive", "agent.db", "--older-than", "yesterday"], "invalid --older-than 'yesterday'"),
        (
            ["db-archive", "agent.db", "--table", "notes", "--older-than", "2025-01-01T00:00:00Z"],
            "no created_at column"
        ),
        (["db-archive", "agent.db", "--redact-column", "secret_sauce"], "no column 'secret_sauce'"),
        (["db-archive", "notes.txt"], "not an SQLite database"),
    ])
    func badInputIsExit64AndChangesNothing(arguments: [String], message: String) throws {
        let sandbox = try Sandbox()
        _ = try Self.makeDatabase(in: sandbox, rows: 20)
        try sandbox.shell("sqlite3 agent.db 'CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)'").requireSuccess()
        try sandbox.write("notes.txt", String(repeating: "not a database\n", count: 100))
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(arguments + ["--threshold", "0"], in: sandbox)
        #expect(result.status == 64, "\(result.output) \(result.errorOutput)")
        #expect(result.errorOutput.contains(message), "\(result.errorOutput)")
        #expect(try sandbox.snapshot() == before)
    }

    /// A writer inserting rows in WAL mode the whole time: every row ends up either archived or
    /// still in the table, never both, never neither.
    @Test func concurrentWriterLosesNoRow() throws {
        let sandbox = try Sandbox()
        let database = try Self.makeDatabase(in: sandbox, rows: 20_000, padding: 200, wal: true)
        let started = sandbox.path("writer-started")
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        writer.arguments = [
            "python3", "-c",
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], timeout=30)
            for i in range(3000):
                db.execute("INSERT INTO agent_logs(created_at, message) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ','now'), 'live ' || ?)", (i,))
                db.commit()
                if i == 10: open(sys.argv[2], 'w').close()
            """,
            database, started,
        ]
        try writer.run()
        while !FileManager.default.fileExists(atPath: started) && writer.isRunning { usleep(10_000) }
        let result = try LogArchiveBinary.run(["db-archive", "agent.db", "--threshold", "0", "--json"], in: sandbox)
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")

        let report = try #require(JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let archived = try Self.archiveRows(try #require(report["archive"] as? String), sandbox: sandbox).compactMap {
            $0["id"] as? Int
        }
        let remaining = try Self.ids(in: database, sandbox: sandbox)
        #expect(archived.count == report["rows"] as? Int)
        #expect(Set(archived).isDisjoint(with: remaining))
        #expect((archived + remaining).sorted() == Array(1...23_000))
        #expect(archived.count >= 20_000)
    }
}
