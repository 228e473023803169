import Foundation
import LogArchive
import Testing

/// `logarchive reindex --all`: the whole index rebuilt from the store's manifests, with nothing the
/// store does not confirm dropped and nothing written by a dry run.
@Suite struct ReindexAllTests {
    /// Archives each issue with a build log and a debug log (the first issue's build log large
    /// enough to be gzipped), into the sandbox's local store unless `store` names another.
    static func archive(_ issues: [Int], in sandbox: Sandbox, store: [String] = [], environment: [String: String] = [:])
        throws
    {
        for (position, issue) in issues.enumerated() {
            let build = position == 0 ? Sandbox.logText(bytes: 1_200_000, seed: issue) : "build of \(issue)\n"
            try sandbox.write("logs/builds/\(issue)-build.log", build)
            try sandbox.write("logs/debug/\(issue)-trace.log", "trace of \(issue)\n")
            let result = try LogArchiveBinary.run(
                ["\(issue)", "--no-commit"] + store, in: sandbox, environment: environment)
            #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        }
    }

    static func deleteIndex(in sandbox: Sandbox) throws {
        try FileManager.default.removeItem(atPath: sandbox.indexPath)
        try FileManager.default.removeItem(atPath: sandbox.path("logs/.archive-index"))
    }

    /// Every entry of the index, by issue number.
    static func entries(in sandbox: Sandbox) throws -> [String: NSDictionary] {
        let archives = try sandbox.index()["archives"] as? [[String: Any]] ?? []
        return Dictionary(
            uniqueKeysWithValues: archives.map { ($0["issue_number"] as? String ?? "", NSDictionary(dictionary: $0)) })
    }

    static func logs(_ issue: String, in sandbox: Sandbox) throws -> [[String: Any]] {
        try #require(try sandbox.entry(issue)?["logs"] as? [[String: Any]])
    }

    static func reindex(_ arguments: [String] = [], in sandbox: Sandbox, environment: [String: String] = [:]) throws
        -> CommandResult
    {
        try LogArchiveBinary.run(["reindex", "--all"] + arguments, in: sandbox, environment: environment)
    }

    static func json(_ result: CommandResult) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
    }

    /// Issue numbers in a section of the `--json` report.
    static func issues(_ section: String, in report: [String: Any]) -> [String] {
        (report[section] as? [[String: Any]] ?? []).compactMap { $0["issue_number"] as? String }
    }

    @Test func aDeletedIndexIsRebuiltWithEqualEntriesInTheirShards() throws {
        let sandbox = try Sandbox()
        try Self.archive([5, 150, 151], in: sandbox)
        let original = try Self.entries(in: sandbox)
        #expect(original.count == 3)
        try Self.deleteIndex(in: sandbox)

        let result = try Self.reindex(in: sandbox)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(
            result.output.contains("3 issues in the store, 3 added, 0 updated, 0 unchanged, 0 kept unconfirmed"),
            "\(result.output)")
        // Entries are rebuilt whole: statuses, checksums, sizes, paths, compression, dates.
        #expect(try Self.entries(in: sandbox) == original)
        #expect(
            try sandbox.indexFiles() == [
                "logs/.archive-index/issues-000000-000024.json", "logs/.archive-index/issues-000150-000174.json",
            ])
        #expect(Set(try IndexScaleTests.issuesFoundByJq(in: sandbox)) == ["5", "150", "151"])
        let compressed = try Self.logs("5", in: sandbox).first { $0["filename"] as? String == "5-build.log" }
        #expect(compressed?["compressed"] as? Bool == true)

        // A second run finds nothing to do and writes nothing.
        let before = try sandbox.snapshot()
        let again = try Self.reindex(in: sandbox)
        #expect(again.status == 0)
        #expect(again.output.contains("0 added, 0 updated, 3 unchanged"), "\(again.output)")
        #expect(try sandbox.snapshot() == before)
    }

    /// A second repository archives into the same store; the first one's index gains its issue.
    @Test func anIssueOnlyTheStoreHoldsIsAddedAndOtherEntriesStayAsTheyAre() throws {
        let sandbox = try Sandbox()
        let other = try Sandbox()
        try Self.archive([5], in: sandbox)
        try Self.archive([7], in: other, store: ["--store", sandbox.storeRoot])
        let five = try #require(try Self.entries(in: sandbox)["5"])
        let seven = try #require(try Self.entries(in: other)["7"])

        let result = try Self.reindex(["--json"], in: sandbox)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let report = try Self.json(result)
        #expect(Self.issues("added", in: report) == ["7"])
        #expect(report["unchanged"] as? Int == 1)
        #expect(report["issues_in_store"] as? Int == 2)
        let entries = try Self.entries(in: sandbox)
        #expect(entries["5"] == five)
        #expect(entries["7"] == seven)
    }

    @Test func anEntryWithoutAManifestIsKeptAndReportedWithTheReason() throws {
        let sandbox = try Sandbox()
        try Self.archive([5, 42], in: sandbox)
        let kept = try #require(try Self.entries(in: sandbox)["42"])
        let folder = try #require(
            (try Self.logs("42", in: sandbox).first?["remote_path"] as? String).map {
                ($0 as NSString).deletingLastPathComponent
            })
        try FileManager.default.removeItem(atPath: sandbox.storeRoot + "/" + folder + "/manifest.json")

        let result = try Self.reindex(in: sandbox)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(result.output.contains("1 kept unconfirmed"))
        #expect(
            result.output.contains("#42  kept: no manifest in the store (2 of 2 logs found in the store)"),
            "\(result.output)")
        #expect(try Self.entries(in: sandbox)["42"] == kept)

        // With no store folder at all, the entry still stays.
        try FileManager.default.removeItem(atPath: sandbox.storeRoot + "/" + folder)
        let json = try Self.json(try Self.reindex(["--json"], in: sandbox))
        let reasons = (json["kept_unconfirmed"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        #expect(reasons == ["kept: no manifest in the store (0 of 2 logs found in the store)"])
        #expect(try Self.entries(in: sandbox)["42"] == kept)
    }

    @Test func aLogTheStoreLacksIsMarkedFailedNotDroppedAndComesBackWhenStoredAgain() throws {
        let sandbox = try Sandbox()
        try Self.archive([5, 6], in: sandbox)
        // Fields another tool added to the entry and to a log survive the rebuild.
        let shard = "logs/.archive-index/issues-000000-000024.json"
        try sandbox.shell(
            "jq '(.archives[] | select(.issue_number == \"6\")) |= (.x_owner = \"ops\" | .logs[0].x_note = 1)' \(shard) > s.tmp && mv s.tmp \(shard)"
        ).requireSuccess()
        let logs = try Self.logs("6", in: sandbox)
        let lost = try #require(logs.first { $0["filename"] as? String == "6-trace.log" }?["remote_path"] as? String)
        let lostPath = sandbox.storeRoot + "/" + lost
        let lostBytes = try Data(contentsOf: URL(fileURLWithPath: lostPath))
        try FileManager.default.removeItem(atPath: lostPath)

        let result = try Self.reindex(in: sandbox)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(result.output.contains("1 updated"), "\(result.output)")
        #expect(
            result.output.contains("6-trace.log: uploaded → failed (not in the store at \(lost))"), "\(result.output)")
        let entry = try #require(try sandbox.entry("6"))
        #expect(entry["x_owner"] as? String == "ops")
        #expect(entry["partial_archive"] as? Bool == true)
        let after = try Self.logs("6", in: sandbox)
        #expect(after.count == 2, "no log is dropped")
        #expect(after.first?["x_note"] as? Int == 1)
        let failed = try #require(after.first { $0["remote_path"] as? String == lost })
        #expect(failed["upload_status"] as? String == "failed")
        #expect(failed["last_error"] as? String == "not in the store at \(lost)")
        #expect(after.first { $0["remote_path"] as? String != lost }?["upload_status"] as? String == "uploaded")

        // Other bytes of the same size do not count as the log.
        try Data(lostBytes.map { $0 ^ 0x20 }).write(to: URL(fileURLWithPath: lostPath))
        try Self.reindex(in: sandbox).requireSuccess()
        let differs = try #require(try Self.logs("6", in: sandbox).first { $0["remote_path"] as? String == lost })
        #expect(differs["upload_status"] as? String == "failed")
        #expect((differs["last_error"] as? String)?.hasPrefix("the stored object differs from the entry") == true)

        // The right bytes back in the store: the log counts as uploaded again, checked by its SHA-256.
        try lostBytes.write(to: URL(fileURLWithPath: lostPath))
        let restored = try Self.reindex(in: sandbox)
        #expect(restored.output.contains("6-trace.log: failed → uploaded"), "\(restored.output)")
        #expect(try sandbox.entry("6")?["upload_complete"] as? Bool == true)
        #expect(try Self.entries(in: sandbox)["5"] != nil)
    }

    @Test func aDryRunPrintsEveryKindOfChangeAndChangesNoByte() throws {
        let sandbox = try Sandbox()
        let other = try Sandbox()
        try Self.archive([5, 6, 42], in: sandbox)
        try Self.archive([7], in: other, store: ["--store", sandbox.storeRoot])
        let lost = try #require(try Self.logs("6", in: sandbox).first?["remote_path"] as? String)
        try FileManager.default.removeItem(atPath: sandbox.storeRoot + "/" + lost)
        let folder42 = try #require(
            (try Self.logs("42", in: sandbox).first?["remote_path"] as? String).map {
                ($0 as NSString).deletingLastPathComponent
            })
        try FileManager.default.removeItem(atPath: sandbox.storeRoot + "/" + folder42 + "/manifest.json")
        let before = try sandbox.snapshot()

        let result = try Self.reindex(["--dry-run"], in: sandbox)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(try sandbox.snapshot() == before)
        #expect(result.output.hasPrefix("Dry run: nothing was changed."))
        #expect(
            result.output.contains("3 issues in the store, 1 to add, 1 to update, 1 unchanged, 1 kept unconfirmed"),
            "\(result.output)")
        #expect(result.output.contains("Would add: 1 issue\n    #7  2 logs, 2 uploaded"), "\(result.output)")
        #expect(result.output.contains("Would update: 1 issue\n    #6  "), "\(result.output)")
        #expect(result.output.contains("uploaded → failed (not in the store at \(lost))"))
        #expect(result.output.contains("#42  kept: no manifest in the store"))

        let json = try Self.json(try Self.reindex(["--dry-run", "--json"], in: sandbox))
        #expect(try sandbox.snapshot() == before)
        #expect(json["dry_run"] as? Bool == true)
        #expect(Self.issues("added", in: json) == ["7"])
        #expect(Self.issues("updated", in: json) == ["6"])
        #expect(Self.issues("kept_unconfirmed", in: json) == ["42"])

        // What the dry run announced is what the real run does.
        let real = try Self.reindex(in: sandbox)
        #expect(real.output.contains("1 added, 1 updated, 1 unchanged, 1 kept unconfirmed"), "\(real.output)")
    }

    /// An issue archived again in a later month: the newest manifest wins, and a log only the
    /// older manifest lists stays when the store holds it.
    @Test func olderManifestsAddTheLogsTheStoreStillHolds() throws {
        let sandbox = try Sandbox()
        try Self.archive([5], in: sandbox)
        let newest = try Self.logs("5", in: sandbox)
        let olderFolder = "archive/logs/2020/03/5/"
        try sandbox.write(".logarchive-store/\(olderFolder)5-old.log", "an older run\n")
        let olderManifest: [String: Any] = [
            "issue_number": "5", "archived_at": "2020-03-02T10:00:00Z", "archive_reason": "manual",
            "issue_title": "older title",
            "logs": [
                Self.log("5-old.log", key: olderFolder + "5-old.log", size: 13, bytes: "an older run\n"),
                Self.log("5-gone.log", key: olderFolder + "5-gone.log", size: 4, bytes: "gone"),
            ],
        ]
        try sandbox.write(
            ".logarchive-store/\(olderFolder)manifest.json", try JSONSerialization.data(withJSONObject: olderManifest))
        try Self.deleteIndex(in: sandbox)

        let result = try Self.reindex(in: sandbox)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let entry = try #require(try sandbox.entry("5"))
        #expect(entry["issue_title"] as? String == nil, "the newest manifest's fields")
        let logs = try Self.logs("5", in: sandbox)
        #expect(
            logs.compactMap { $0["filename"] as? String } == ["5-old.log"]
                + newest.compactMap { $0["filename"] as? String })
        #expect(logs.allSatisfy { $0["upload_status"] as? String == "uploaded" })
    }

    /// The newer of the index's entry and the store's manifest gives the entry; a log the store
    /// holds stays uploaded whatever the other copy says of it.
    @Test func theNewerCopyGivesTheEntryAndAStoredLogIsNeverDowngraded() throws {
        let sandbox = try Sandbox()
        try Self.archive([5], in: sandbox)
        let before = try Self.entries(in: sandbox)
        let first = try #require(try Self.logs("5", in: sandbox).first)
        let folder = ((first["remote_path"] as? String ?? "") as NSString).deletingLastPathComponent
        let manifest = ".logarchive-store/\(folder)/manifest.json"
        let dropped = Self.log("5-dropped.log", key: folder + "/5-dropped.log", size: 4, bytes: "gone")
        let droppedJSON = String(decoding: try JSONSerialization.data(withJSONObject: dropped), as: UTF8.self)
        func editManifest(archivedAt: String) throws {
            try sandbox.shell(
                "jq '.archived_at = \"\(archivedAt)\" | .logs[0].upload_status = \"failed\" | .logs[0].last_error = \"timeout\" | .logs += [\(droppedJSON) | .upload_status = \"failed\"]' \(manifest) > m.tmp && mv m.tmp \(manifest)"
            ).requireSuccess()
        }

        // An older manifest: the index's entry stands as it is.
        try editManifest(archivedAt: "2020-01-01T00:00:00Z")
        let older = try Self.reindex(in: sandbox)
        #expect(older.output.contains("0 updated, 1 unchanged"), "\(older.output)")
        #expect(try Self.entries(in: sandbox) == before)

        // A newer manifest: its fields and its failed log come in; the stored log stays uploaded.
        try editManifest(archivedAt: "2999-01-01T00:00:00Z")
        let newer = try Self.reindex(in: sandbox)
        #expect(newer.output.contains("1 updated"), "\(newer.output)")
        #expect(newer.output.contains("archived_at: "), "\(newer.output)")
        #expect(try sandbox.entry("5")?["archived_at"] as? String == "2999-01-01T00:00:00Z")
        let logs = try Self.logs("5", in: sandbox)
        #expect(logs.first?["upload_status"] as? String == "uploaded")
        #expect(logs.first?["last_error"] is NSNull)
        #expect(logs.last?["filename"] as? String == "5-dropped.log")
        #expect(logs.last?["upload_status"] as? String == "failed")
    }

    static func log(_ name: String, key: String, size: Int, bytes: String) -> [String: Any] {
        [
            "type": "debug", "filename": name, "local_path": "logs/debug/\(name)", "remote_path": key,
            "size_bytes": size,
            "original_size_bytes": size, "compressed": false, "checksum": "sha256:" + SHA256Hex.of(Data(bytes.utf8)),
            "upload_status": "uploaded",
        ]
    }

    /// `--reindex-only` follows the same rules for one issue: a log the index has and the manifest
    /// lacks is kept, and settled by what the store holds.
    @Test func reindexOnlyKeepsALogTheIndexHasAndTheManifestLacks() throws {
        let sandbox = try Sandbox()
        try Self.archive([5], in: sandbox)
        let folder = try #require((try Self.logs("5", in: sandbox).first?["remote_path"] as? String).map { ($0 as NSString).deletingLastPathComponent })
        // Stored by a later run whose manifest was lost: in the index, in the store, in no manifest.
        let stored = Self.log("5-later.log", key: folder + "/5-later.log", size: 6, bytes: "later\n")
        let missing = Self.log("5-never.log", key: folder + "/5-never.log", size: 6, bytes: "never\n")
        try sandbox.write(".logarchive-store/\(folder)/5-later.log", "later\n")
        let added = String(decoding: try JSONSerialization.data(withJSONObject: [stored, missing]), as: UTF8.self)
        let shard = "logs/.archive-index/issues-000000-000024.json"
        try sandbox.shell(
            "jq '(.archives[] | select(.issue_number == \"5\") | .logs) += \(added) | del(.status_summary)' \(shard) > s.tmp && mv s.tmp \(shard)"
        ).requireSuccess()

        let result = try LogArchiveBinary.run(["5", "--reindex-only", "--no-commit"], in: sandbox)
        #expect(result.status == 3, "a log is not in the store: \(result.output) \(result.errorOutput)")
        let logs = try Self.logs("5", in: sandbox)
        #expect(logs.count == 4)
        #expect(logs.first { $0["filename"] as? String == "5-later.log" }?["upload_status"] as? String == "uploaded")
        let never = try #require(logs.first { $0["filename"] as? String == "5-never.log" })
        #expect(never["upload_status"] as? String == "failed")
        #expect((never["last_error"] as? String)?.contains("not in the store") == true)
    }

    @Test func aCorruptManifestIsNamedTheOthersAreRebuiltAndTheRunFails() throws {
        let sandbox = try Sandbox()
        try Self.archive([5, 150, 151], in: sandbox)
        let kept = try #require(try Self.entries(in: sandbox)["150"])
        let folder = try #require(
            (try Self.logs("150", in: sandbox).first?["remote_path"] as? String).map {
                ($0 as NSString).deletingLastPathComponent
            })
        let manifest = folder + "/manifest.json"
        try sandbox.write(".logarchive-store/" + manifest, "{\"issue_number\": \"150\", \"logs\": [")
        try FileManager.default.removeItem(atPath: sandbox.path("logs/.archive-index/issues-000000-000024.json"))

        let result = try Self.reindex(in: sandbox)
        #expect(result.status == 1, "\(result.output) \(result.errorOutput)")
        #expect(result.output.contains("\(manifest): the manifest is corrupt"), "\(result.output)")
        #expect(result.output.contains("#150  kept: its manifest in the store cannot be read"))
        let entries = try Self.entries(in: sandbox)
        #expect(entries["150"] == kept)
        #expect(entries["5"] != nil, "the other issues are rebuilt")
    }

    /// The rebuild takes the issue's run lock before it writes the entry, as `logarchive <n>` does:
    /// an issue whose lock is held waits, and the others are not held up by it.
    @Test func anIssueAnotherRunHoldsIsWrittenOnlyOnceTheRunEnds() async throws {
        let sandbox = try Sandbox()
        try Self.archive([5, 6], in: sandbox)
        try Self.deleteIndex(in: sandbox)
        let held = try IndexLock.acquire(at: sandbox.path("logs/.archive-issue-5.lock"))
        let run = Task { try Self.reindex(in: sandbox) }
        var waited = 0
        while (try? sandbox.entry("6")) == nil, waited < 400 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        #expect(try sandbox.entry("6") != nil, "the other issue was written meanwhile")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try sandbox.entry("5") == nil, "not written while another run holds the issue")
        held.release()
        let result = try await run.value
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(try sandbox.entry("5") != nil)
    }

    @Test func badUsageMissingCredentialsAndAnUnreachableStoreAreClearAndChangeNothing() throws {
        let sandbox = try Sandbox()
        try Self.archive([5], in: sandbox)
        try HostileInputTests.expectRefused(["reindex"], in: sandbox, status: 64, mentioning: "--all")
        try HostileInputTests.expectRefused(
            ["reindex", "--all", "--store", "s3://some-bucket"], in: sandbox, status: 64,
            mentioning: "AWS_ACCESS_KEY_ID",
            environment: ["AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9", "HOME": sandbox.root])
        try HostileInputTests.expectRefused(
            ["reindex", "--all", "--store", "s3://some-bucket"], in: sandbox, status: 1, mentioning: "cannot reach",
            environment: [
                "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b",
                "LOGARCHIVE_BACKOFF_SCALE": "0.001",
            ])
        try HostileInputTests.expectRefused(
            ["reindex", "--all", "--store", sandbox.path("no-such-store")], in: sandbox, status: 1,
            mentioning: "does not exist")
        let json = try LogArchiveBinary.run(
            ["reindex", "--all", "--json", "--store", "s3://some-bucket"], in: sandbox,
            environment: ["AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9", "HOME": sandbox.root])
        let object = try Self.json(json)
        #expect(object["kind"] as? String == "bad_input" && object["exit_code"] as? Int == 64)
    }

    @Test func aDeletedIndexIsRebuiltFromS3() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let sandbox = try Sandbox()
        let store = ["--store", "s3://\(bucket)/team"]
        try Self.archive([5, 150, 151], in: sandbox, store: store, environment: server.environment())
        let original = try Self.entries(in: sandbox)
        #expect(original.count == 3)
        try Self.deleteIndex(in: sandbox)

        let result = try Self.reindex(store, in: sandbox, environment: server.environment())
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(result.output.contains("3 issues in the store, 3 added"), "\(result.output)")
        #expect(try Self.entries(in: sandbox) == original)

        // A log deleted by another client is marked failed; the rest stay uploaded.
        let lost = try #require(try Self.logs("150", in: sandbox).first?["remote_path"] as? String)
        try server.aws(["s3", "rm", "s3://\(bucket)/team/\(lost)"]).requireSuccess()
        let partial = try Self.reindex(store + ["--verify-checksums"], in: sandbox, environment: server.environment())
        #expect(partial.status == 0, "\(partial.output) \(partial.errorOutput)")
        #expect(partial.output.contains("1 updated, 2 unchanged"), "\(partial.output)")
        let logs = try Self.logs("150", in: sandbox)
        #expect(logs.first?["upload_status"] as? String == "failed")
        #expect(logs.dropFirst().allSatisfy { $0["upload_status"] as? String == "uploaded" })
    }
}
