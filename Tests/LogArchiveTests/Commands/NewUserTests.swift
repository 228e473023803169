import Foundation
import Testing

@testable import LogArchive

/// What a new user runs into first: a typo in a command, an index started by hand, filters that
/// cannot match, a message piped in. Each answer names what was wrong and changes nothing.
@Suite struct NewUserTests {
    @Test func aMistypedCommandIsNamedWithTheNearestOneAndChangesNothing() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/5-x.log", "x\n")
        let before = try sandbox.snapshot()
        let typo = try LogArchiveBinary.run(["stauts"], in: sandbox)
        #expect(typo.status == 64)
        #expect(typo.errorOutput.hasPrefix("logarchive: error: unknown command 'stauts'; did you mean 'status'?"))
        let dashed = try LogArchiveBinary.run(["dbarchive", "x.db"], in: sandbox)
        #expect(dashed.errorOutput.contains("did you mean 'db-archive'?"))
        let unknown = try LogArchiveBinary.run(["frobnicate"], in: sandbox)
        #expect(unknown.status == 64)
        #expect(unknown.errorOutput.contains("the commands are archive, status"))
        // The parser's own errors carry the same prefix as every other error.
        let option = try LogArchiveBinary.run(["status", "--bogus"], in: sandbox)
        #expect(option.status == 64)
        #expect(option.errorOutput.hasPrefix("logarchive: error: "))
        #expect(!option.errorOutput.contains("\nError:") && !option.errorOutput.hasPrefix("Error:"))
        #expect(try sandbox.snapshot() == before)
        #expect(Suggestion.closest(to: "rotat", among: ["rotate", "read"]) == "rotate")
        #expect(Suggestion.closest(to: "xyz", among: ["rotate", "read"]) == nil)
    }

    /// A local store where nothing can be created, though `access(2)` says the folder is writable
    /// (`/proc` and `/sys` as root): refused at validation, before the index or the logs change.
    @Test(arguments: ["/proc/logarchive-store", "/sys/kernel/logarchive-store"])
    func aStoreWhereNothingCanBeCreatedIsRefusedBeforeAnythingChanges(_ store: String) throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/5-x.log", "x\n")
        let before = try sandbox.snapshot()
        let result = try LogArchiveBinary.run(["5", "--no-commit", "--store", store], in: sandbox)
        #expect(result.status == 1)
        #expect(result.errorOutput.contains("logarchive: error: the local store \(store) is not writable"), "\(result.errorOutput)")
        #expect(try sandbox.snapshot() == before)
    }

    @Test(arguments: ["", "\n", "{}", " { } \n"])
    func anIndexThatHoldsNothingIsAnEmptyIndex(_ content: String) throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/.archive-index.json", content)
        let status = try LogArchiveBinary.run(["status"], in: sandbox)
        #expect(status.status == 0, "\(status.errorOutput)")
        #expect(status.output.contains("holds no archives yet"))
        try sandbox.write("logs/debug/5-x.log", "x\n")
        let archived = try LogArchiveBinary.run(["5", "--no-commit", "--no-comment"], in: sandbox)
        #expect(archived.status == 0, "\(archived.errorOutput)")
        #expect(try sandbox.entry("5")?["upload_complete"] as? Bool == true)
    }

    @Test func aCorruptIndexSaysHowToRebuildIt() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/.archive-index.json", "{ broken")
        let status = try LogArchiveBinary.run(["status"], in: sandbox)
        #expect(status.status == 1)
        #expect(status.errorOutput.contains("reindex --all"))
        #expect(status.errorOutput.contains("--reindex-only"))
    }

    @Test func aSearchWindowThatEndsBeforeItStartsIsRefused() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/5-x.log", "x\n")
        let result = try LogArchiveBinary.run(["search", "x", "--since", "2025-02-01", "--until", "2025-01-31"], in: sandbox)
        #expect(result.status == 64)
        #expect(result.errorOutput.contains("'--since 2025-02-01' is later than '--until 2025-01-31'"))
        // The same day on both ends is a window of one day.
        let oneDay = try LogArchiveBinary.run(["search", "x", "--since", "2025-02-01", "--until", "2025-02-01"], in: sandbox)
        #expect(oneDay.status != 64)
    }

    @Test func logReadsTheMessageFromStandardInputWithADash() throws {
        let sandbox = try Sandbox()
        let binary = LogArchiveBinary.path
        try sandbox.shell("printf 'deployed build 42\\nrolled back\\n' | '\(binary)' log 9 --type deployment -").requireSuccess()
        let lines = try String(contentsOfFile: sandbox.path("logs/deployments/9-deployment.log"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasSuffix("[log] deployed build 42"))
        #expect(lines[1].hasSuffix("[log] rolled back"))
        let empty = try sandbox.shell("printf '' | '\(binary)' log 9 -")
        #expect(empty.status == 64)
    }

    /// `--json` promises one object on stdout whatever the outcome: errors carry `error`, `kind`
    /// and `exit_code`, and the code is the process's.
    @Test(arguments: [
        ["status", "--json"], ["status", "5", "--json"], ["cleanup", "--json"], ["search", "x", "--json"],
        ["5", "--json"], ["rotate", "missing.log", "--json"], ["db-archive", "missing.db", "--json"],
        ["reindex", "--all", "--json", "--store", "s3://bucket"], ["stauts", "--json"], ["status", "--json", "--bogus"],
        ["0", "--json"],
    ])
    func everyCommandWithJSONPrintsOneObjectForAnError(_ arguments: [String]) throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/5-x.log", "x\n")
        try sandbox.write("logs/.archive-index.json", "{ broken")
        let result = try LogArchiveBinary.run(arguments, in: sandbox, environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""])
        #expect(result.status != 0)
        let lines = result.output.split(separator: "\n")
        try #require(lines.count == 1, "\(arguments): \(result.output)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect((object["error"] as? String)?.isEmpty == false)
        #expect(["bad_input", "failure", "refused", "partial"].contains(object["kind"] as? String ?? ""))
        #expect(object["exit_code"] as? Int == Int(result.status))
        #expect(result.errorOutput.hasPrefix("logarchive: error: "), "\(arguments): \(result.errorOutput)")
    }

    @Test func aSizeThatGrewReadsAsLarger() {
        #expect(Wording.sizeChange(from: 300, to: 1_300) == "333% larger")
        #expect(Wording.sizeChange(from: 1_000, to: 280) == "72% smaller")
        #expect(Wording.sizeChange(from: 1_000, to: 1_000) == "the same size")
        #expect(Wording.sizeChange(from: 100_000, to: 99_999) == "under 1% smaller")
        #expect(Wording.sizeChange(from: 0, to: 20) == "the same size")
    }

    /// A log written to after its archive, and a log never archived, are named by the run that
    /// changes nothing, by `status N`, and searched locally; the archived copy stays as it was.
    @Test func localLogsThatDifferFromTheArchiveAreShownNotIgnored() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/123-a.log", "first line\n")
        try sandbox.write("logs/debug/123-same.log", "unchanged\n")
        try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()
        try sandbox.write("logs/debug/123-a.log", "first line\nwritten after the archive\n")
        try sandbox.write("logs/debug/123-b.log", "a new log\n")
        let again = try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox)
        #expect(again.status == 0)
        #expect(again.output.contains("2 local logs differ from the archive"))
        #expect(again.output.contains("logs/debug/123-a.log (changed since it was archived)"))
        #expect(again.output.contains("logs/debug/123-b.log (not archived)"))
        let status = try LogArchiveBinary.run(["status", "123", "--json"], in: sandbox)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any])
        let drift = try #require(object["local_drift"] as? [[String: String]])
        #expect(drift.map { $0["kind"] ?? "" }.sorted() == ["changed", "not_archived"])
        let found = try LogArchiveBinary.run(["search", "written after", "--local-only"], in: sandbox)
        #expect(found.status == 0, "\(found.errorOutput)")
        #expect(found.output.contains("written after the archive"))
        // The archived copy of 123-a.log is read as it was stored.
        let archived = try LogArchiveBinary.run(["search", "first line", "--archived-only"], in: sandbox)
        #expect(archived.output.contains("first line"))
    }

    /// After `--force`, two stored versions of one log: each can be read alone, by its stored name
    /// or its key, and the headers tell them apart.
    @Test func oneStoredVersionIsReadAloneAfterForce() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/deployments/123-staging.log", "first deploy\n")
        try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()
        try sandbox.write("logs/deployments/123-staging.log", "second deploy, longer\n")
        try LogArchiveBinary.run(["123", "--force", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()

        let both = try LogArchiveBinary.run(["read", "123", "--file", "123-staging.log"], in: sandbox)
        let headers = both.output.split(separator: "\n").filter { $0.hasPrefix("==> ") }
        #expect(headers.count == 2)
        #expect(headers.contains { $0.hasSuffix("stored as 123-staging-2.log) <==") })
        #expect(headers.contains { $0.hasSuffix(" stored) <==") })

        let second = try LogArchiveBinary.run(["read", "123", "--file", "123-staging-2.log", "--raw"], in: sandbox)
        #expect(second.status == 0, "\(second.errorOutput)")
        #expect(second.output == "second deploy, longer\n")
        let logs = try #require(try sandbox.entry("123")?["logs"] as? [[String: Any]])
        let firstKey = try #require(logs.compactMap { $0["remote_path"] as? String }.first { !$0.contains("-2.log") })
        let first = try LogArchiveBinary.run(["read", "123", "--file", firstKey, "--raw"], in: sandbox)
        #expect(first.output == "first deploy\n")
    }

    /// `rotate` and the archive compose: the pieces cut from an issue's log are archived with the
    /// issue, stored as the gzip they are, and read back in the order they were cut, before the
    /// rest of the log.
    @Test func piecesCutByRotateAreArchivedWithTheIssueAndReadInOrder() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/123-debug.log", "first part\n")
        try LogArchiveBinary.run(["rotate", "logs/debug/123-debug.log", "--threshold", "1"], in: sandbox).requireSuccess()
        try "second part\n".appendLine(to: sandbox.path("logs/debug/123-debug.log"))
        try LogArchiveBinary.run(["rotate", "logs/debug/123-debug.log", "--threshold", "1"], in: sandbox).requireSuccess()
        try "third part\n".appendLine(to: sandbox.path("logs/debug/123-debug.log"))
        let pieces = try FileManager.default.contentsOfDirectory(atPath: sandbox.path("logs/debug")).filter { $0.hasSuffix(".gz") }
        try #require(pieces.count == 2, "\(pieces)")

        // Before the archive, read and search see the local pieces, gunzipped, in the order they were cut.
        let localRead = try LogArchiveBinary.run(["read", "123", "--raw"], in: sandbox)
        #expect(localRead.status == 0, "\(localRead.errorOutput)")
        #expect(localRead.output == "first part\nsecond part\nthird part\n", "\(localRead.output)")
        let localHeaders = try LogArchiveBinary.run(["read", "123"], in: sandbox).output
        #expect(localHeaders.contains("(debug, local, not archived, a rotated piece, gunzipped) <=="), "\(localHeaders)")
        let localFound = try LogArchiveBinary.run(["search", "second", "--local-only"], in: sandbox)
        let firstPiece = try #require(pieces.sorted().last)
        #expect(localFound.output == "logs/debug/\(firstPiece):1:second part\n", "\(localFound.output)")

        let archived = try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox)
        #expect(archived.status == 0, "\(archived.output) \(archived.errorOutput)")
        let logs = try #require(try sandbox.entry("123")?["logs"] as? [[String: Any]])
        #expect(logs.count == 3)
        let stored = logs.filter { ($0["filename"] as? String)?.hasSuffix(".gz") == true }
        #expect(stored.count == 2)
        #expect(stored.allSatisfy { $0["compressed"] as? Bool == true })
        for log in stored {
            let key = try #require(log["remote_path"] as? String)
            #expect(!key.hasSuffix(".gz.gz"))
            #expect(try sandbox.shell("gzip -t '\(sandbox.storeRoot)/\(key)'").status == 0)
        }
        // Archived and cleaned like any log of the issue.
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.path("logs/debug")).isEmpty)

        let read = try LogArchiveBinary.run(["read", "123", "--raw"], in: sandbox)
        #expect(read.output == "first part\nsecond part\nthird part\n", "\(read.output)")
        let found = try LogArchiveBinary.run(["search", "second", "--issue", "123"], in: sandbox)
        #expect(found.output.contains("second part"))
    }

    /// A piece cut short (a disk filled while `rotate` wrote it, a copy interrupted) is named as
    /// incomplete, not read as if whole.
    @Test func aTruncatedLocalPieceIsNamedNotReadAsWhole() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/123-debug.log", Sandbox.logText(bytes: 200_000, seed: 3))
        try LogArchiveBinary.run(["rotate", "logs/debug/123-debug.log", "--threshold", "1"], in: sandbox).requireSuccess()
        let piece = try #require(try FileManager.default.contentsOfDirectory(atPath: sandbox.path("logs/debug")).first { $0.hasSuffix(".gz") })
        try sandbox.shell("truncate -s 2000 'logs/debug/\(piece)'").requireSuccess()
        let read = try LogArchiveBinary.run(["read", "123", "--raw"], in: sandbox)
        #expect(read.status == 1)
        #expect(read.errorOutput.contains("logs/debug/\(piece) ends inside a gzip stream"), "\(read.errorOutput)")
    }

    @Test func watchAndRotateSayWhatTheyDoAndRefuseWhatTheyCannot() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/5-x.log", "x\n")
        let bare = try LogArchiveBinary.run(["watch", "logs/debug", "--interval", "5"], in: sandbox)
        #expect(bare.status == 64)
        #expect(bare.errorOutput.contains("'--interval 5' needs a unit: 5s, 5m or 5ms"))
        let zero = try LogArchiveBinary.run(["watch", "logs/debug", "--interval", "0s"], in: sandbox)
        #expect(zero.status == 64)
        #expect(zero.errorOutput.contains("must be longer than zero"))
        // The start line names the folder, the interval with its unit and the threshold.
        let watching = try sandbox.shell("timeout -s INT 2 '\(LogArchiveBinary.path)' watch logs/debug --interval 30s --threshold 50MB")
        #expect(watching.errorOutput.contains("watching \(sandbox.path("logs/debug")) every 30s: logs over 50 MiB are rotated"), "\(watching.errorOutput)")

        let before = try sandbox.snapshot()
        let deep = try LogArchiveBinary.run(
            ["rotate", "logs/debug/5-x.log", "--threshold", "1", "--archive-dir", "archives/2026/typo"], in: sandbox)
        #expect(deep.status == 64)
        #expect(deep.errorOutput.contains("does not exist, nor does its parent"))
        #expect(try sandbox.snapshot() == before)
        // One missing folder under an existing one is made.
        try LogArchiveBinary.run(["rotate", "logs/debug/5-x.log", "--threshold", "1", "--archive-dir", "logs/rotated"], in: sandbox)
            .requireSuccess()
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.path("logs/rotated")).count == 1)
    }

    /// `read --output FILE` writes a file only once every byte is verified; a damaged object
    /// leaves the old file (or none) and no temporary, and on stdout the damage is said at the end.
    @Test func readOutputAppearsOnlyWhenVerifiedAndDamageIsSaid() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/123-build.log", "compiled 42 modules\n")
        try LogArchiveBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox).requireSuccess()
        let good = try LogArchiveBinary.run(["read", "123", "--raw", "--output", "build.log"], in: sandbox)
        #expect(good.status == 0, "\(good.errorOutput)")
        #expect(good.output.isEmpty)
        #expect(try sandbox.read("build.log") == Data("compiled 42 modules\n".utf8))

        let logs = try #require(try sandbox.entry("123")?["logs"] as? [[String: Any]])
        let key = try #require(logs.first?["remote_path"] as? String)
        try Data("compiled 43 modules\n".utf8).write(to: URL(fileURLWithPath: sandbox.storeRoot + "/" + key))
        let damaged = try LogArchiveBinary.run(["read", "123", "--raw", "--output", "build.log"], in: sandbox)
        #expect(damaged.status == 1)
        #expect(damaged.errorOutput.contains("build.log was not written"))
        #expect(try sandbox.read("build.log") == Data("compiled 42 modules\n".utf8), "the old file stays as it was")
        #expect(try sandbox.shell("ls -a | grep -c tmp- || true").output.trimmingCharacters(in: .whitespacesAndNewlines) == "0")

        let piped = try LogArchiveBinary.run(["read", "123", "--raw"], in: sandbox)
        #expect(piped.status == 1)
        #expect(piped.errorOutput.contains("the output above is damaged or incomplete"))
    }

    @Test func quietArchiveAndCapturePrintOnlyWhatMatters() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/5-x.log", "x\n")
        let archived = try LogArchiveBinary.run(["5", "--quiet", "--no-commit", "--no-comment"], in: sandbox)
        #expect(archived.status == 0)
        #expect(archived.output.isEmpty && archived.errorOutput.isEmpty, "\(archived.output)\(archived.errorOutput)")
        #expect(try sandbox.entry("5")?["upload_complete"] as? Bool == true)
        let captured = try LogArchiveBinary.run(["capture", "6", "-q", "--", "/bin/echo", "hello"], in: sandbox)
        #expect(captured.status == 0)
        #expect(captured.output == "hello\n")
        #expect(captured.errorOutput.isEmpty, "\(captured.errorOutput)")
        // A failure is still said.
        try sandbox.write("logs/debug/7-x.log", "x\n")
        let failed = try LogArchiveBinary.run(["7", "--quiet", "--store", "/proc/no-such-store"], in: sandbox)
        #expect(failed.status != 0)
        #expect(!(failed.output + failed.errorOutput).isEmpty)
    }
}

extension String {
    fileprivate func appendLine(to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(utf8))
    }
}
