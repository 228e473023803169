import Foundation
import LogArchive
import Testing

/// `logarchive read` and `search` on a store holding real archives made by `logarchive <n>`, with
/// local logs beside them that are not archived yet.
@Suite struct ReadSearchTests {
    /// Issue 101: a build log over the compression threshold (stored gzipped), a session and a debug
    /// log (stored plain), dated 2025-01-10. Issue 202: a build and a deployment log, 2025-03-10.
    /// Both archived into the default local store. Issue 303's debug log (2025-06-01) stays local.
    /// `orig/logs/…` keeps a copy of every original for comparison.
    static func archivedProject(store: String? = nil, environment: [String: String] = [:]) throws -> Sandbox {
        let sandbox = try Sandbox()
        var build = Sandbox.logText(bytes: 1_500_000, seed: 7)
        for marker in ["NEEDLE alpha first", "NEEDLE alpha second", "NEEDLE alpha third"] {
            let insertAt = build.index(build.startIndex, offsetBy: build.count / 4 * (marker.hasSuffix("first") ? 1 : marker.hasSuffix("second") ? 2 : 3))
            let lineStart = build[..<insertAt].lastIndex(of: "\n").map { build.index(after: $0) } ?? build.startIndex
            build.insert(contentsOf: marker + "\n", at: lineStart)
        }
        let files = [
            ("logs/builds/101-build.log", build, "2025-01-10 12:00:00"),
            ("logs/sessions/session-101-2025-01-10.md", "---\nstarted: 2025-01-10T09:00:00Z\n---\nsession notes\nneedle in a session\n", "2025-01-10 12:00:00"),
            ("logs/debug/101-debug.log", "debug start\nNeedle debug\ndebug end", "2025-01-10 12:00:00"),
            ("logs/builds/202-build.log", "compile\nneedle beta 42\nlink\n", "2025-03-10 12:00:00"),
            ("logs/deployments/202-prod.log", "deploy\nerror 503 from upstream\nrollback\n", "2025-03-10 12:00:00"),
        ]
        for (path, text, date) in files {
            try sandbox.write(path, text)
            try sandbox.write("orig/" + path, text)
            try sandbox.shell("touch -d '\(date)Z' '\(path)'").requireSuccess()
        }
        let storeArguments = store.map { ["--store", $0] } ?? []
        for issue in ["101", "202"] {
            try LogArchiveBinary.run([issue, "--no-commit", "--no-comment"] + storeArguments, in: sandbox, environment: environment)
                .requireSuccess()
        }
        try sandbox.write("logs/debug/303-debug.log", "local only\nNeedle gamma\n")
        try sandbox.write("orig/logs/debug/303-debug.log", "local only\nNeedle gamma\n")
        try sandbox.shell("touch -d '2025-06-01 12:00:00Z' logs/debug/303-debug.log").requireSuccess()
        return sandbox
    }

    static func run(_ arguments: [String], in sandbox: Sandbox, environment: [String: String] = [:]) throws -> CommandResult {
        try LogArchiveBinary.run(arguments, in: sandbox, environment: environment)
    }

    @Test func readPrintsAnIssuesLogsInTypeOrderWithHeadersAndRawBytesEqualTheOriginals() throws {
        let sandbox = try Self.archivedProject()
        #expect(!sandbox.exists("logs/builds/101-build.log"), "archived and cleaned")
        let entry = try #require(try sandbox.entry("101"))
        let build = try #require((entry["logs"] as? [[String: Any]])?.first { $0["filename"] as? String == "101-build.log" })
        #expect(build["compressed"] as? Bool == true)

        let result = try Self.run(["read", "101"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        let headers = result.output.split(separator: "\n").filter { $0.hasPrefix("==> ") }
        #expect(headers.count == 3)
        #expect(headers[0].hasPrefix("==> logs/sessions/session-101-2025-01-10.md (session, archived "))
        #expect(headers[1].hasPrefix("==> logs/builds/101-build.log (build, archived "))
        #expect(headers[1].hasSuffix(" stored) <=="))
        #expect(headers[2].hasPrefix("==> logs/debug/101-debug.log (debug, archived "))

        let raw = try Self.run(["read", "101", "--raw"], in: sandbox)
        #expect(raw.status == 0)
        let expected = try ["logs/sessions/session-101-2025-01-10.md", "logs/builds/101-build.log", "logs/debug/101-debug.log"]
            .map { try sandbox.read("orig/" + $0) }.reduce(Data(), +)
        #expect(Data(raw.output.utf8) == expected)
    }

    @Test func readFiltersByTypeAndByFile() throws {
        let sandbox = try Self.archivedProject()
        let builds = try Self.run(["read", "101", "--type", "build", "--raw"], in: sandbox)
        #expect(builds.status == 0)
        #expect(Data(builds.output.utf8) == (try sandbox.read("orig/logs/builds/101-build.log")))
        let debug = try Self.run(["read", "101", "--file", "101-debug.log"], in: sandbox)
        #expect(debug.output == "==> logs/debug/101-debug.log (debug, archived 2025-01-10T12:00:00Z, 34 B stored) <==\ndebug start\nNeedle debug\ndebug end\n"
            || debug.output.hasSuffix("stored) <==\ndebug start\nNeedle debug\ndebug end\n"), "\(debug.output)")
        let none = try Self.run(["read", "101", "--type", "deployment"], in: sandbox)
        #expect(none.status == 1)
        #expect(none.errorOutput.contains("has no log of type deployment"))
    }

    @Test func readReportsADamagedStoredObjectWithBothChecksumsAndExits1() throws {
        let sandbox = try Self.archivedProject()
        let build = try #require(
            (try sandbox.entry("101")?["logs"] as? [[String: Any]])?.first { $0["filename"] as? String == "101-build.log" })
        let remote = try #require(build["remote_path"] as? String)
        let expected = try #require(build["checksum"] as? String)
        let stored = sandbox.storeRoot + "/" + remote
        var bytes = try Data(contentsOf: URL(fileURLWithPath: stored))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: stored))

        let result = try Self.run(["read", "101", "--type", "build", "--raw"], in: sandbox)
        #expect(result.status == 1)
        #expect(result.errorOutput.contains("logs/builds/101-build.log"))
        #expect(result.errorOutput.contains("checksum mismatch"))
        #expect(result.errorOutput.contains("expected \(expected)"))
        #expect(result.errorOutput.contains("found sha256:" + SHA256Hex.of(bytes)))

        try FileManager.default.removeItem(atPath: stored)
        let missing = try Self.run(["read", "101", "--type", "build"], in: sandbox)
        #expect(missing.status == 1)
        #expect(missing.errorOutput.contains("has no object \(remote)"))
    }

    @Test func readShowsLocalLogsNotYetArchivedAndRefusesUnknownOrBadIssues() throws {
        let sandbox = try Self.archivedProject()
        let local = try Self.run(["read", "303"], in: sandbox)
        #expect(local.status == 0, "\(local.errorOutput)")
        #expect(local.output == "==> logs/debug/303-debug.log (debug, local, not archived) <==\nlocal only\nNeedle gamma\n")
        let unknown = try Self.run(["read", "999"], in: sandbox)
        #expect(unknown.status == 1)
        #expect(unknown.errorOutput.contains("no logs for issue #999"))
        let bad = try Self.run(["read", "12a"], in: sandbox)
        #expect(bad.status == 64)
    }

    /// The files (the part before `:line:`) of a search's output lines.
    static func files(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in line.split(separator: ":").first.map(String.init) }
    }

    @Test func searchFindsLocalAndArchivedLogsAndEachFilterNarrowsIt() throws {
        let sandbox = try Self.archivedProject()
        let all = try Self.run(["search", "needle", "--ignore-case"], in: sandbox)
        #expect(all.status == 0, "\(all.errorOutput)")
        #expect(
            Self.files(all.output) == [
                "logs/sessions/session-101-2025-01-10.md", "logs/builds/101-build.log", "logs/builds/101-build.log",
                "logs/builds/101-build.log", "logs/debug/101-debug.log", "logs/builds/202-build.log", "logs/debug/303-debug.log",
            ])
        let caseSensitive = try Self.run(["search", "needle"], in: sandbox)
        #expect(Self.files(caseSensitive.output) == ["logs/sessions/session-101-2025-01-10.md", "logs/builds/202-build.log"])

        #expect(Set(Self.files(try Self.run(["search", "-i", "needle", "--issue", "202"], in: sandbox).output)) == ["logs/builds/202-build.log"])
        #expect(Set(Self.files(try Self.run(["search", "-i", "needle", "--type", "debug"], in: sandbox).output))
            == ["logs/debug/101-debug.log", "logs/debug/303-debug.log"])
        #expect(Set(Self.files(try Self.run(["search", "-i", "needle", "--since", "2025-03-01"], in: sandbox).output))
            == ["logs/builds/202-build.log", "logs/debug/303-debug.log"])
        #expect(Set(Self.files(try Self.run(["search", "-i", "needle", "--until", "2025-03-10"], in: sandbox).output))
            == ["logs/sessions/session-101-2025-01-10.md", "logs/builds/101-build.log", "logs/debug/101-debug.log", "logs/builds/202-build.log"])
        #expect(Set(Self.files(try Self.run(["search", "-i", "needle", "--until", "2025-03-09T23:59:59Z"], in: sandbox).output))
            == ["logs/sessions/session-101-2025-01-10.md", "logs/builds/101-build.log", "logs/debug/101-debug.log"])
        #expect(Set(Self.files(try Self.run(["search", "-i", "needle", "--local-only"], in: sandbox).output)) == ["logs/debug/303-debug.log"])
        #expect(!Self.files(try Self.run(["search", "-i", "needle", "--archived-only"], in: sandbox).output).contains("logs/debug/303-debug.log"))

        let regex = try Self.run(["search", "--regex", "(beta|error) [0-9]+"], in: sandbox)
        #expect(regex.output == "logs/builds/202-build.log:2:needle beta 42\nlogs/deployments/202-prod.log:2:error 503 from upstream\n")
        let regexIgnoringCase = try Self.run(["search", "--regex", "-i", "^needle (alpha|gamma)"], in: sandbox)
        #expect(Self.files(regexIgnoringCase.output).count == 4)

        let nothing = try Self.run(["search", "no such text anywhere"], in: sandbox)
        #expect(nothing.status == 1)
        #expect(try Self.run(["search", "x", "--local-only", "--archived-only"], in: sandbox).status == 64)
        #expect(try Self.run(["search", "x", "--since", "yesterday"], in: sandbox).status == 64)
        #expect(try Self.run(["search", "(", "--regex"], in: sandbox).status == 64)
    }

    @Test func searchContextPrintsExactlyWhatGrepPrintsOnTheOriginal() throws {
        let sandbox = try Self.archivedProject()
        for (query, context) in [("NEEDLE alpha", "2"), ("module_3.swift in 1", "2"), ("step 5", "0"), ("module_7.swift", "1")] {
            let ours = try Self.run(["search", query, "--issue", "101", "--type", "build", "--context", context], in: sandbox)
            let grep = try sandbox.shell("cd orig && LC_ALL=C grep -n -H -C \(context) '\(query)' logs/builds/101-build.log")
            #expect(grep.status == 0)
            #expect(ours.output == grep.output, "query \(query) -C \(context)")
        }
    }

    @Test func maxResultsCountsMatchingLines() throws {
        let sandbox = try Self.archivedProject()
        let limited = try Self.run(["search", "-i", "needle", "--max-results", "2"], in: sandbox)
        #expect(limited.output.split(separator: "\n").count == 2)
        let withContext = try Self.run(["search", "NEEDLE", "--max-results", "2", "--context", "1"], in: sandbox)
        let lines = withContext.output.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.filter { $0.contains(":NEEDLE alpha") }.count == 2)
        #expect(lines.last?.contains("-") == true, "the last match's trailing context is printed: \(lines)")
        #expect(lines.count == 2 * 3 + 1, "two groups of three lines and a separator: \(lines)")
    }

    @Test func jsonPrintsOneObjectPerMatchWithContext() throws {
        let sandbox = try Self.archivedProject()
        let result = try Self.run(["search", "needle", "-i", "--json", "--context", "1", "--type", "debug"], in: sandbox)
        #expect(result.status == 0)
        let objects = try result.output.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count == 2)
        #expect(objects[0]["issue"] as? Int == 101)
        #expect(objects[0]["type"] as? String == "debug")
        #expect(objects[0]["file"] as? String == "logs/debug/101-debug.log")
        #expect(objects[0]["line_number"] as? Int == 2)
        #expect(objects[0]["line"] as? String == "Needle debug")
        #expect(objects[0]["context_before"] as? [String] == ["debug start"])
        #expect(objects[0]["context_after"] as? [String] == ["debug end"])
        #expect(objects[0]["archived"] as? Bool == true)
        #expect(objects[1]["issue"] as? Int == 303)
        #expect(objects[1]["archived"] as? Bool == false)
        #expect(objects[1]["context_after"] as? [String] == [])
    }

    @Test func readAndSearchStreamFromS3() throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let store = "s3://\(bucket)/team"
        let sandbox = try Self.archivedProject(store: store, environment: server.environment())
        let raw = try Self.run(["read", "101", "--raw", "--store", store], in: sandbox, environment: server.environment())
        #expect(raw.status == 0, "\(raw.errorOutput)")
        let expected = try ["logs/sessions/session-101-2025-01-10.md", "logs/builds/101-build.log", "logs/debug/101-debug.log"]
            .map { try sandbox.read("orig/" + $0) }.reduce(Data(), +)
        #expect(Data(raw.output.utf8) == expected)
        let found = try Self.run(["search", "NEEDLE alpha", "--archived-only", "--store", store], in: sandbox, environment: server.environment())
        #expect(found.status == 0, "\(found.errorOutput)")
        #expect(found.output.split(separator: "\n").count == 3)
        #expect(!sandbox.exists(".logarchive-tmp"))
    }
}
