import Foundation
import LogArchive
import Testing

/// Input a careless or hostile user, script or pull request can hand the release executable: each is
/// refused with a clear message and a non-zero exit and changes nothing on disk, or, where a
/// serious tool should accept it, is archived and read back exactly.
@Suite struct HostileInputTests {
    /// Runs `arguments` and requires the refusal: `status`, a message containing `expected`, and
    /// the sandbox byte for byte as it was.
    @discardableResult
    static func expectRefused(
        _ arguments: [String], in sandbox: Sandbox, status: Int32, mentioning expected: String,
        environment: [String: String] = [:]
    ) throws -> CommandResult {
        let before = try sandbox.snapshot()
        let result = try ReleaseBinary.run(arguments, in: sandbox, environment: environment)
        #expect(result.status == status, "\(arguments): \(result.output) \(result.errorOutput)")
        #expect(result.errorOutput.contains(expected), "\(arguments): \(result.errorOutput)")
        #expect(try sandbox.snapshot() == before)
        return result
    }

    // MARK: Issue arguments

    /// Complements `ArchiveCommandTests.badIssueNumbersAreRefusedWithNoChange`: signs, other bases,
    /// other scripts' digits, option look-alikes and control characters.
    @Test(arguments: ["   ", "+1", "1e3", "0x10", "١٢٣", "123abc", "-0", "--", "12\n3", "12 3", "9223372036854775808"])
    func hostileIssueArgumentsAreBadInput(_ issue: String) throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let before = try sandbox.snapshot()
        let result = try ReleaseBinary.run([issue], in: sandbox)
        #expect(result.status == 64, "\(issue.debugDescription): \(result.output) \(result.errorOutput)")
        #expect(result.errorOutput.lowercased().contains("issue"), "\(result.errorOutput)")
        // A newline in the argument is shown escaped: the message stays one line a log can hold.
        #expect(!result.errorOutput.contains("12\n3"))
        #expect(try sandbox.snapshot() == before)
    }

    // MARK: Index files

    static let goodIndex = """
        {"schema_version": "1.0", "archives": [{"issue_number": "7", "logs": [
          {"type": "build", "filename": "7-build.log", "remote_path": "archive/logs/2025/01/7/7-build.log"}]}]}
        """

    /// Cut short at several places, the index is reported as not JSON, with its path, and left alone.
    @Test(arguments: [1, 30, 80, 140])
    func truncatedIndexIsReportedAndLeftAlone(_ length: Int) throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.write("logs/.archive-index.json", String(Self.goodIndex.prefix(length)))
        let result = try Self.expectRefused(["123"], in: sandbox, status: 1, mentioning: "is not valid JSON")
        #expect(result.errorOutput.contains(sandbox.indexPath))
    }

    @Test(arguments: [
        ("{\"archives\": {}}", "archives: expected an array"),
        // `{}` alone is an empty index (NewUserTests); with another field, `archives` is missing.
        ("{\"schema_version\": \"1.0\"}", "archives: is missing"),
        ("{\"archives\": [{\"logs\": []}]}", "archives[0].issue_number: is missing"),
        ("{\"archives\": [{\"issue_number\": \"7\", \"logs\": [{\"type\": \"build\"}]}]}", "archives[0].logs[0].filename: is missing"),
        ("{\"archives\": [{\"issue_number\": \"7\"}]}", "archives[0].logs: is missing"),
        ("{\"archives\": [{\"issue_number\": \"7\", \"logs\": []}, {\"issue_number\": \"7\", \"logs\": []}]}", "a second entry for issue 7"),
        ("{\"archives\": [], \"archives\": []}", "duplicate key"),
        ("{\"schema_version\": \"2.0\", \"archives\": []}", "not supported"),
        ("{\"archives\": [{\"issue_number\": \"7\", \"logs\": [{\"type\": \"build\", \"filename\": \"../../x\"}]}]}", "is not a plain file name"),
        ("{\"archives\": [{\"issue_number\": \"7\", \"logs\": [{\"type\": \"build\", \"filename\": \"x\", \"remote_path\": \"../../../etc/passwd\"}]}]}", "leaves the store"),
        ("{\"archives\": [{\"issue_number\": \"7\", \"logs\": [{\"type\": \"build\", \"filename\": \"x\", \"remote_path\": \"/etc/passwd\"}]}]}", "leaves the store"),
    ])
    func indexOfTheWrongShapeNamesTheFieldAndIsLeftAlone(_ content: String, _ expected: String) throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.write("logs/.archive-index.json", content)
        // A bad value inside issue 7's entry spoils only that entry (HostileKeysTests): it is the
        // commands that need issue 7 that refuse it.
        try Self.expectRefused(["status", "7"], in: sandbox, status: 1, mentioning: expected)
        // Every reader of the index refuses it the same way.
        try Self.expectRefused(["read", "7"], in: sandbox, status: 1, mentioning: expected)
    }

    /// A 300 MB corrupt index (sparse: no disk spent) is refused, naming it and where it breaks.
    /// (How fast is for benchmarks, not for a test on a shared machine.)
    @Test func hugeCorruptIndexIsRefusedNamingWhereItBreaks() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let handle = try #require(FileHandle(forWritingAtPath: try sandbox.write("logs/.archive-index.json", "{")))
        try handle.truncate(atOffset: 300 << 20)
        try handle.close()
        // A single-file index of any size is read (and migrated), so the refusal is the parser's.
        let result = try Self.expectRefused(["123"], in: sandbox, status: 1, mentioning: "is not valid JSON")
        #expect(result.errorOutput.contains(sandbox.indexPath))
        #expect(result.errorOutput.contains("line 1, column 2"))
    }

    /// Fields another tool added survive a real archive's rewrite at all three levels.
    @Test func unknownFieldsAtEveryLevelSurviveARealRewrite() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.write(
            "logs/.archive-index.json",
            """
            {"schema_version": "1.0", "x_top": {"kept": [1, 2]}, "archives": [{"issue_number": "7", "x_entry": "e",
              "logs": [{"type": "build", "filename": "7-build.log", "x_log": null, "x_log2": 1.5}]}]}
            """)
        try ReleaseBinary.run(["123", "--no-commit"], in: sandbox).requireSuccess()
        let index = try sandbox.index()
        #expect((index["x_top"] as? [String: Any])?["kept"] as? [Int] == [1, 2])
        let seven = try #require(try sandbox.entry("7"))
        #expect(seven["x_entry"] as? String == "e")
        let log = try #require((seven["logs"] as? [[String: Any]])?.first)
        #expect(log.keys.contains("x_log") && log["x_log2"] as? Double == 1.5)
        #expect(try sandbox.entry("123") != nil)
    }

    // MARK: File names

    /// Names with spaces, a newline, quotes, `..` inside and non-ASCII letters are archived, and
    /// `read` gives back exactly their bytes.
    @Test(arguments: ["123-with spaces.log", "123-new\nline.log", "123-..log", "123-a..b.log", "123-\"quoted\" 'x'.log", "123-ünïcødé.log"])
    func oddFileNamesAreArchivedAndReadBack(_ name: String) throws {
        let sandbox = try Sandbox()
        let content = "content of \(name)\n"
        try sandbox.write("logs/builds/\(name)", content)
        let result = try ReleaseBinary.run(["123", "--no-commit"], in: sandbox)
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        #expect(!sandbox.exists("logs/builds/\(name)"))
        let log = try #require((try sandbox.entry("123")?["logs"] as? [[String: Any]])?.first)
        #expect(log["filename"] as? String == name)
        let read = try ReleaseBinary.run(["read", "123", "--file", name], in: sandbox)
        #expect(read.status == 0, "\(read.errorOutput)")
        #expect(read.output.hasSuffix("<==\n" + content), "\(read.output)")
        // The header is one line, whatever the name holds.
        let header = read.output.prefix { $0 != "\n" }
        #expect(header.hasPrefix("==> logs/builds/") && header.hasSuffix("<=="), "\(header)")
        if name.contains("\n") { #expect(header.contains("123-new\\nline.log")) }
    }

    /// A name that is not UTF-8 cannot be written in the JSON index or named in a store key
    /// faithfully: it is refused, by name, before anything changes.
    @Test func nonUTF8FileNameIsRefusedClearly() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.shell("printf 'x\\n' > \"logs/builds/123-$(printf '\\377\\376').log\"").requireSuccess()
        try Self.expectRefused(["123"], in: sandbox, status: 64, mentioning: "not valid UTF-8")
    }

    // MARK: Links and special files

    /// A hard link is the same file as its other name: it is archived, and cleaning removes only
    /// the link, so the file outside keeps its name and bytes.
    @Test func hardLinkToAFileOutsideIsArchivedAndTheOutsideFileUntouched() throws {
        let sandbox = try Sandbox()
        let outside = try sandbox.write("outside/keep.txt", "outside data\n")
        try FileManager.default.linkItem(atPath: outside, toPath: sandbox.path("logs/debug/123-linked.log"))
        let result = try ReleaseBinary.run(["123", "--no-commit"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(!sandbox.exists("logs/debug/123-linked.log"))
        #expect(try String(contentsOfFile: outside, encoding: .utf8) == "outside data\n")
        let read = try ReleaseBinary.run(["read", "123"], in: sandbox)
        #expect(read.output.hasSuffix("<==\noutside data\n"), "\(read.output)")
    }

    /// A symlink to a folder outside, and one pointing nowhere, are refused before any change.
    @Test func symlinksToAFolderOrNowhereAreRefused() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try FileManager.default.createSymbolicLink(atPath: sandbox.path("logs/debug/123-etc.log"), withDestinationPath: "/etc")
        try Self.expectRefused(["123"], in: sandbox, status: 64, mentioning: "is a symlink")
        try FileManager.default.removeItem(atPath: sandbox.path("logs/debug/123-etc.log"))
        try FileManager.default.createSymbolicLink(
            atPath: sandbox.path("logs/debug/123-dangling.log"), withDestinationPath: sandbox.path("gone"))
        try Self.expectRefused(["123"], in: sandbox, status: 64, mentioning: "points nowhere")
    }

    /// A log its user may not read (chmod 000, the run as `nobody`, since root reads through it):
    /// refused naming the file, nothing archived, nothing changed; a small log (read by the
    /// checksum) and one over the compression threshold (read by the compressor) alike.
    @Test(.enabled(if: getuid() == 0, "running as another user needs root"), arguments: ["logs/debug/123-trace.log", "logs/builds/123-build.log"])
    func unreadableLogIsRefusedNamingItWithNoChange(_ unreadable: String) throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        // A copy of the executable in the sandbox: the build folder may be closed to other users.
        try sandbox.shell("mkdir bin && cp '\(ReleaseBinary.path)' bin/ && chown -R nobody: . && chmod 000 '\(unreadable)'")
            .requireSuccess()
        let asNobody = "setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp LANG=C.UTF-8 bin/logarchive"
        let before = try sandbox.snapshot()
        let result = try sandbox.shell("\(asNobody) 123 --no-commit --no-comment")
        #expect(result.status == 1, "\(result.output) \(result.errorOutput)")
        #expect(result.errorOutput.contains(sandbox.path(unreadable)) && result.errorOutput.contains("Permission denied"), "\(result.errorOutput)")
        #expect(try sandbox.snapshot() == before)
        #expect(!sandbox.exists("logs/.archive-index.json"))
    }

    /// Other things that are not regular files: no one can archive them.
    @Test(arguments: [
        ("mkdir logs/builds/123-folder.log", "123-folder.log"),
        ("mkfifo logs/builds/123-pipe.log", "123-pipe.log"),
        ("python3 -c \"import socket; socket.socket(socket.AF_UNIX).bind('logs/builds/123-socket.log')\"", "123-socket.log"),
    ])
    func logThatIsNotARegularFileIsRefused(_ make: String, _ name: String) throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        try sandbox.shell(make).requireSuccess()
        try Self.expectRefused(["123"], in: sandbox, status: 64, mentioning: name)
    }

    // MARK: Full disk

    /// Mounts a 1 MiB tmpfs on `folder` of the sandbox; false where none can be mounted (a
    /// container without CAP_SYS_ADMIN), where a full-disk test has nothing to prove.
    static func mountTinyDisk(at folder: String, in sandbox: Sandbox) -> Bool {
        (try? sandbox.shell("mount -t tmpfs -o size=1m tmpfs '\(folder)'").requireSuccess()) != nil
    }

    static func unmount(_ folder: String, in sandbox: Sandbox) {
        _ = try? sandbox.shell("umount '\(sandbox.path(folder))'")
    }

    /// The logs dir on a 1 MiB tmpfs, filled so that the index's backup fits and its temporary
    /// does not: the index write fails with ENOSPC, the old index is intact, nothing is deleted.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func fullDiskDuringTheIndexWriteKeepsTheOldIndexAndTheLogs() throws {
        let sandbox = try Sandbox()
        guard Self.mountTinyDisk(at: "logs", in: sandbox) else { return }
        defer { Self.unmount("logs", in: sandbox) }
        for folder in LogType.allCases.map(\.folder) { try sandbox.shell("mkdir logs/\(folder)").requireSuccess() }
        // An index of about 300 KB: the backup copy fits in what is left, the new temporary does not.
        var archives: [String] = []
        for issue in 1000..<1900 {
            archives.append(
                "{\"issue_number\": \"\(issue)\", \"issue_title\": \"\(String(repeating: "t", count: 200))\", \"logs\": []}")
        }
        try sandbox.write("logs/.archive-index.json", "{\"archives\": [\(archives.joined(separator: ","))]}")
        try sandbox.write("logs/builds/123-build.log", "small\n")
        let indexSize = try sandbox.read("logs/.archive-index.json").count
        let filler = (1 << 20) - indexSize - indexSize * 3 / 2 - 4 * 4096
        try sandbox.shell("head -c \(filler) /dev/zero > logs/filler").requireSuccess()
        let result = try Self.expectRefused(
            ["123", "--no-commit", "--no-comment"], in: sandbox, status: 1, mentioning: "No space left on device")
        #expect(result.errorOutput.contains("index"))
    }

    /// The logs dir on a 1 MiB tmpfs holding a shard of about 400 KB, with less room left than a
    /// copy of it: the run's one index write, which comes after the uploads, could not be made,
    /// so the run stops before anything is uploaded or written.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aDiskTooFullForTheIndexWriteStopsTheRunBeforeAnyUpload() throws {
        let sandbox = try Sandbox()
        guard Self.mountTinyDisk(at: "logs", in: sandbox) else { return }
        defer { Self.unmount("logs", in: sandbox) }
        for folder in LogType.allCases.map(\.folder) + [".archive-index"] { try sandbox.shell("mkdir logs/\(folder)").requireSuccess() }
        try sandbox.write("logs/.archive-index.json", #"{"schema_version": "1.0", "archives": []}"#)
        let entries = (100..<199).filter { $0 != 123 }.map {
            "{\"issue_number\": \"\($0)\", \"issue_title\": \"\(String(repeating: "t", count: 4_000))\", \"logs\": []}"
        }
        try sandbox.write("logs/.archive-index/issues-000100-000199.json", "{\"schema_version\": \"1.0\", \"archives\": [\(entries.joined(separator: ","))]}")
        try sandbox.write("logs/builds/123-build.log", "small\n")
        let shardSize = try sandbox.read("logs/.archive-index/issues-000100-000199.json").count
        // What is left is about half the shard: the backup (a hard link) would fit, the temporary not.
        try sandbox.shell("head -c \((1 << 20) - shardSize - shardSize / 2 - 8 * 4096) /dev/zero > logs/filler").requireSuccess()
        let result = try Self.expectRefused(
            ["123", "--no-commit", "--no-comment"], in: sandbox, status: 1, mentioning: "not enough free space to write the archive index")
        #expect(result.errorOutput.contains("nothing was uploaded"), "\(result.errorOutput)")
        #expect(!sandbox.exists(".logarchive-store/archive"))
    }

    /// The local store on a 1 MiB tmpfs and a 2 MB log that cannot be compressed: its upload fails
    /// with ENOSPC, so the archive is partial and truthful (the big one `failed` with the reason,
    /// the small one uploaded or failed the same way, as the concurrent uploads fall), the big log is kept and no `.part` is left; once the store has
    /// room, `--retry` completes it.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func fullStoreDuringTheUploadLeavesAPartialArchiveThatRetryCompletes() throws {
        let sandbox = try Sandbox()
        try sandbox.shell("mkdir .logarchive-store").requireSuccess()
        guard Self.mountTinyDisk(at: ".logarchive-store", in: sandbox) else { return }
        defer { Self.unmount(".logarchive-store", in: sandbox) }
        let big = Sandbox.randomBytes(2_000_000)
        try sandbox.write("logs/builds/123-build.log", big)
        try sandbox.write("logs/debug/123-trace.log", "trace\n")
        let environment = ["LOGARCHIVE_BACKOFF_SCALE": "0.01"]

        let full = try ReleaseBinary.run(["123", "--no-commit", "--no-comment"], in: sandbox, environment: environment)
        #expect(full.status == 3, "\(full.output) \(full.errorOutput)")
        #expect((full.output + full.errorOutput).contains("No space left on device"))
        let logs = try #require(try sandbox.entry("123")?["logs"] as? [[String: Any]])
        let build = try #require(logs.first { $0["filename"] as? String == "123-build.log" })
        #expect(build["upload_status"] as? String == "failed")
        #expect((build["last_error"] as? String ?? "").contains("No space left on device"))
        // The small log uploads beside the big one: it is stored if it got there before the big
        // one filled the store, and failed with the same reason if not. Either way the truth.
        let trace = try #require(logs.first { $0["filename"] as? String == "123-trace.log" })
        if trace["upload_status"] as? String != "uploaded" {
            #expect(trace["upload_status"] as? String == "failed")
            #expect((trace["last_error"] as? String ?? "").contains("No space left on device"))
        }
        #expect(try sandbox.read("logs/builds/123-build.log") == big)
        let leftovers = try sandbox.shell("find .logarchive-store -name '*.part'").requireSuccess().output
        #expect(leftovers.isEmpty, "\(leftovers)")

        try sandbox.shell("mount -o remount,size=8m tmpfs .logarchive-store").requireSuccess()
        let retry = try ReleaseBinary.run(["123", "--retry", "--no-commit", "--no-comment"], in: sandbox, environment: environment)
        #expect(retry.status == 0, "\(retry.output) \(retry.errorOutput)")
        #expect(try sandbox.entry("123")?["upload_complete"] as? Bool == true)
        #expect(!sandbox.exists("logs/builds/123-build.log"))
        let stored = try #require(try sandbox.entry("123")?["logs"] as? [[String: Any]]).first {
            $0["filename"] as? String == "123-build.log"
        }?["remote_path"] as? String
        #expect(try sandbox.read(".logarchive-store/" + (stored ?? "")) == big)
    }

    // MARK: Secrets

    /// Tokens and keys given to a run that fails against GitHub (401) and against S3 never reach
    /// stdout, stderr, the index, the trace or any file in the sandbox or the store.
    @Test func secretsAppearNowhereAfterFailingRuns() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let serverFiles = try Sandbox()
        let github = try FakeGitHub(state: GitHubTests.state, in: serverFiles)
        let awsSecret = "AWSSECRETc0ffee0123456789abcdef"
        let githubToken = "ghp_TOKENdeadbeef0123456789"
        let sessionToken = "SESSIONTOKENfeedface42"
        var environment = github.environment
        environment["GITHUB_TOKEN"] = githubToken
        environment.merge([
            "AWS_ACCESS_KEY_ID": "AKIAHOSTILETEST", "AWS_SECRET_ACCESS_KEY": awsSecret, "AWS_SESSION_TOKEN": sessionToken,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": github.url, "LOGARCHIVE_HTTP_TIMEOUT": "2s",
        ]) { $1 }
        let runs = [
            ["123", "--reason", "issue_closed", "--trace", "trace-github.json"],
            ["123", "--store", "s3://bucket/prefix", "--trace", "trace-s3.json", "--no-commit"],
            ["123", "--trace", "trace-local.json", "--no-commit"],
        ]
        var outputs = ""
        for arguments in runs {
            let result = try ReleaseBinary.run(arguments, in: sandbox, environment: environment)
            outputs += result.output + result.errorOutput
        }
        #expect(outputs.contains("401") || outputs.contains("Bad credentials"), "\(outputs)")
        #expect(sandbox.exists("logs/.archive-index.json"))
        for secret in [awsSecret, githubToken, sessionToken] {
            #expect(!outputs.contains(secret))
            let found = try sandbox.shell("grep -rla '\(secret)' . || true").output
            #expect(found.isEmpty, "\(secret) found in \(found)")
        }
    }
}
