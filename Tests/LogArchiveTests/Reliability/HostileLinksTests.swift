import Foundation
import LogArchive
import Testing

/// Issue 27, rule 3: no symlink is followed anywhere the tool writes, deletes or reads logs. A
/// link planted in the logs dir or the local store (both may come from a commit or from whoever
/// writes the bucket's folder) at a lock, an index file, the journal, a type folder or a store
/// folder is refused with exit 64 and a message naming it, and neither the project nor the
/// files the link points at (in another sandbox, "outside") change by one byte.
@Suite struct HostileLinksTests {
    /// A project with issue 123 archived on the local store and issue 124's log waiting, and an
    /// outside folder holding what a link could reach: a file and a folder with a log in it.
    struct Setup {
        let project: Sandbox
        let outside: Sandbox
        let victim: String
        let folder: String
        /// `archive/logs/YYYY/MM/123` in the store.
        let issueFolder: String

        init(environment: [String: String] = [:], store: [String] = []) throws {
            project = try ArchiveCommandTests.projectWithIssue123()
            let archived = try ReleaseBinary.run(
                ["123", "--no-commit", "--no-comment"] + store, in: project, environment: environment)
            #expect(archived.status == 0, "\(archived.errorOutput)")
            try project.write("logs/builds/124-build.log", "issue 124's build\n")
            outside = try Sandbox()
            victim = try outside.write("victim.txt", "outside data\n")
            try outside.write("folder/124-build.log", "an outside log\n")
            try outside.write("folder/keep.txt", "keep\n")
            folder = outside.path("folder")
            let remote = (try project.entry("123")?["logs"] as? [[String: Any]])?.first?["remote_path"] as? String ?? ""
            issueFolder = Paths.parent(of: remote)
        }

        /// Replaces whatever is at `relative` in the project by a symlink to `target`.
        func plant(_ relative: String, pointingAt target: String) throws {
            let path = project.path(relative)
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(atPath: Paths.parent(of: path), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
        }
    }

    /// Every command that reads or writes the logs dir, the index or the store.
    static let commands: [[String]] = [
        ["124", "--no-commit", "--no-comment"], ["123", "--retry", "--no-commit", "--no-comment"],
        ["123", "--reindex-only", "--no-commit", "--no-comment"], ["123", "--force", "--no-commit", "--no-comment"],
        ["reindex", "--all"], ["cleanup"], ["cleanup", "--orphans"], ["cleanup", "--older-than", "0"], ["status"],
        ["status", "123"], ["read", "123"], ["search", "trace"], ["log", "124", "a line"],
    ]

    /// Runs each command and requires the refusal naming `link`, with the project and the
    /// outside byte for byte as they were.
    static func expectEveryCommandRefuses(
        _ link: String, in setup: Setup, environment: [String: String] = [:], store: [String] = []
    ) throws {
        let project = try setup.project.snapshot()
        let outside = try setup.outside.snapshot()
        for command in commands {
            let result = try ReleaseBinary.run(command + store, in: setup.project, environment: environment)
            #expect(result.status == 64, "\(command) with \(link): \(result.output) \(result.errorOutput)")
            #expect(result.errorOutput.contains(setup.project.path(link)), "\(command): \(result.errorOutput)")
            #expect(result.errorOutput.contains("symlink"), "\(command): \(result.errorOutput)")
            #expect(try setup.project.snapshot() == project, "\(command) with \(link) changed the project")
            #expect(try setup.outside.snapshot() == outside, "\(command) with \(link) changed the outside")
        }
    }

    // MARK: The logs dir's own files and folders

    /// Locks, index files, the journal, multipart records and manifest temporaries: a link to a
    /// file outside. A lock opened through one truncated the outside file and wrote a pid in it.
    @Test(arguments: [
        "logs/.archive-issue-123.lock", "logs/.archive-issue-124.lock", "logs/.archive-index.json.lock",
        "logs/.archive-index.json", "logs/.archive-index.json.tmp", "logs/.archive-index.json.backup",
        "logs/.archive-journal-123.jsonl", "logs/.archive-journal-124.jsonl",
        "logs/.archive-multipart-0123456789abcdef.json",
        "logs/.archive-manifest-1.tmp", "logs/.archive-index/\(IndexLayout.shardName(for: IssueNumber(exactly: 123)!))",
        "logs/.archive-index/\(IndexLayout.shardName(for: IssueNumber(exactly: 123)!)).lock",
        "logs/.archive-index/\(IndexLayout.shardName(for: IssueNumber(exactly: 123)!)).tmp",
    ])
    func aLinkAtAFileOfTheIndexIsRefusedByEveryCommand(_ link: String) throws {
        let setup = try Setup()
        try setup.plant(link, pointingAt: setup.victim)
        try Self.expectEveryCommandRefuses(link, in: setup)
    }

    /// The index folder and the type folders: a link to a folder outside. `logs/builds -> …`
    /// archived and then deleted the outside folder's logs.
    @Test(arguments: ["logs/.archive-index", "logs/builds", "logs/sessions", "logs/debug", "logs/deployments"])
    func aLinkAtAFolderOfTheLogsDirIsRefusedByEveryCommand(_ link: String) throws {
        let setup = try Setup()
        try setup.plant(link, pointingAt: setup.folder)
        try Self.expectEveryCommandRefuses(link, in: setup)
    }

    /// The same on S3: the logs dir's side of the rule does not depend on the store.
    @Test(arguments: ["logs/.archive-issue-124.lock", "logs/.archive-index.json.lock", "logs/builds"])
    func onS3TooALinkInTheLogsDirIsRefused(_ link: String) throws {
        let server = try S3TestServer.require()
        let bucket = try server.makeBucket()
        let environment = server.environment()
        let store = ["--store", "s3://\(bucket)"]
        let setup = try Setup(environment: environment, store: store)
        try setup.plant(link, pointingAt: link == "logs/builds" ? setup.folder : setup.victim)
        let keys = try server.keys(in: bucket)
        let project = try setup.project.snapshot()
        let outside = try setup.outside.snapshot()
        for command in [
            ["124", "--no-commit", "--no-comment"], ["123", "--reindex-only"], ["reindex", "--all"],
            ["cleanup", "--older-than", "0"],
        ] {
            let result = try ReleaseBinary.run(command + store, in: setup.project, environment: environment)
            #expect(result.status == 64, "\(command): \(result.errorOutput)")
            #expect(result.errorOutput.contains(setup.project.path(link)), "\(command): \(result.errorOutput)")
            #expect(try setup.project.snapshot() == project)
            #expect(try setup.outside.snapshot() == outside)
            #expect(try server.keys(in: bucket) == keys)
        }
    }

    // MARK: Logs

    /// A log that is a link, even to a file inside the logs dir, is not archived through it.
    @Test func aLogThatIsALinkIsRefused() throws {
        let setup = try Setup()
        try setup.project.write("logs/debug/shared.log", "shared\n")
        try setup.plant("logs/debug/124-shared.log", pointingAt: "shared.log")
        let project = try setup.project.snapshot()
        let result = try ReleaseBinary.run(["124", "--no-commit", "--no-comment"], in: setup.project)
        #expect(result.status == 64, "\(result.errorOutput)")
        #expect(result.errorOutput.contains(setup.project.path("logs/debug/124-shared.log")), "\(result.errorOutput)")
        #expect(try setup.project.snapshot() == project)
        try setup.plant("logs/debug/124-shared.log", pointingAt: setup.victim)
        let outside = try setup.outside.snapshot()
        #expect(try ReleaseBinary.run(["124", "--no-commit", "--no-comment"], in: setup.project).status == 64)
        #expect(try setup.outside.snapshot() == outside)
    }

    /// A log swapped for a link to an outside file between collect and compression: refused
    /// (the open does not follow it, and the file it opens is not the one collected), nothing
    /// of the outside file is stored, and the outside file is untouched.
    @Test(arguments: ["logs/debug/123-trace.log", "logs/builds/123-build.log"])
    func aLogSwappedForALinkMidRunIsNotRead(_ log: String) throws {
        let project = try ArchiveCommandTests.projectWithIssue123()
        let outside = try Sandbox()
        let victim = try outside.write("victim.txt", "outside data\n")
        let before = try outside.snapshot()
        let swap = "rm '\(project.path(log))' && ln -s '\(victim)' '\(project.path(log))'"
        let result = try LogArchiveBinary.run(
            ["123", "--no-commit", "--no-comment"], in: project,
            environment: ["LOGARCHIVE_FAULT_POINT": "after-collect", "LOGARCHIVE_FAULT_ACTION": "exec:\(swap)"])
        #expect(result.status == 64, "\(result.output) \(result.errorOutput)")
        #expect(result.errorOutput.contains(project.path(log)), "\(result.errorOutput)")
        #expect(try outside.snapshot() == before)
        let stored = try project.shell("grep -rl 'outside data' .logarchive-store || true").output
        #expect(stored.isEmpty, "stored: \(stored)")
        #expect(try project.shell("test -L '\(project.path(log))'").status == 0)
    }

    /// A log swapped for a link after its upload, before the clean stage: the link is kept (it is
    /// not the file archived) and its target is untouched.
    @Test func theCleanStageDeletesOnlyTheFileItArchived() throws {
        let project = try ArchiveCommandTests.projectWithIssue123()
        let outside = try Sandbox()
        let victim = try outside.write("victim.txt", "outside data\n")
        let log = project.path("logs/debug/123-trace.log")
        let result = try LogArchiveBinary.run(
            ["123", "--no-commit", "--no-comment"], in: project,
            environment: [
                "LOGARCHIVE_FAULT_POINT": "before-clean",
                "LOGARCHIVE_FAULT_ACTION": "exec:rm '\(log)' && ln -s '\(victim)' '\(log)'",
            ])
        #expect((result.output + result.errorOutput).contains(log), "\(result.output) \(result.errorOutput)")
        #expect(try project.shell("test -L '\(log)'").status == 0)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "outside data\n")
    }

    // MARK: The local store

    /// The store's folders: `archive`, `archive/logs`, a year, a month, an issue's.
    @Test(arguments: [0, 1, 2, 3, 4])
    func aLinkAtAFolderOfTheLocalStoreIsRefusedByEveryCommand(_ depth: Int) throws {
        let setup = try Setup()
        let parts = setup.issueFolder.split(separator: "/").prefix(depth + 1).joined(separator: "/")
        try setup.plant(".logarchive-store/" + parts, pointingAt: setup.folder)
        try Self.expectEveryCommandRefuses(".logarchive-store/" + parts, in: setup)
    }

    /// A stored object that is a link: `read`, `--reindex-only` and `reindex --all` do not read
    /// through it, `cleanup --older-than` does not delete through it, and a new put of that key
    /// replaces the link rather than writing into its target.
    @Test func aStoredObjectThatIsALinkIsNeverFollowed() throws {
        let setup = try Setup()
        let object = ".logarchive-store/\(setup.issueFolder)/123-trace.log"
        #expect(setup.project.exists(object))
        try setup.plant(object, pointingAt: setup.victim)
        let outside = try setup.outside.snapshot()
        for command in [
            ["read", "123"], ["read", "123", "--file", "123-trace.log"], ["search", "outside"],
            ["cleanup", "--older-than", "0"],
            ["123", "--reindex-only"], ["reindex", "--all"], ["123", "--force", "--no-commit", "--no-comment"],
        ] {
            let result = try ReleaseBinary.run(command, in: setup.project)
            #expect(!result.output.contains("outside data"), "\(command): \(result.output)")
            #expect(try setup.outside.snapshot() == outside, "\(command) changed the outside")
        }
        let read = try ReleaseBinary.run(["read", "123", "--file", "123-trace.log"], in: setup.project)
        #expect(read.status == 64 || read.status == 1, "\(read.errorOutput)")
        #expect(read.errorOutput.contains("123-trace.log"), "\(read.errorOutput)")
    }

    /// A put never writes through a link planted at its key's temporary (`.part`) or final name.
    @Test func aPutReplacesALinkAtItsKeyAndNeverWritesThroughIt() throws {
        let setup = try Setup()
        let month = Paths.parent(of: setup.issueFolder)
        try setup.plant(".logarchive-store/\(month)/124/124-build.log.part", pointingAt: setup.victim)
        try setup.plant(".logarchive-store/\(month)/124/124-build.log.tmp-1", pointingAt: setup.victim)
        let before = try setup.outside.snapshot()
        let result = try ReleaseBinary.run(["124", "--no-commit", "--no-comment"], in: setup.project)
        #expect(try setup.outside.snapshot() == before, "\(result.errorOutput)")
    }

    // MARK: rotate

    /// `rotate`'s state record and temporary beside the log: a link there is not written through.
    @Test func rotateWritesThroughNoLinkBesideTheLog() throws {
        let project = try Sandbox()
        let outside = try Sandbox()
        let victim = try outside.write("victim.txt", "outside data\n")
        try project.write("logs/debug/app.log", Sandbox.logText(bytes: 4096))
        try FileManager.default.createSymbolicLink(
            atPath: project.path("logs/debug/.app.log.rotation.json"), withDestinationPath: victim)
        let before = try outside.snapshot()
        let result = try ReleaseBinary.run(["rotate", "logs/debug/app.log", "--threshold", "1k"], in: project)
        #expect(try outside.snapshot() == before, "\(result.output) \(result.errorOutput)")
    }

    // MARK: NoFollow itself, beneath the start-of-command check

    /// A link that appears after a command's start (a race `TreeLinks` cannot see) is refused by
    /// every operation: lock, create, rename, delete, list, mkdir, and the local store's put and
    /// read. The outside folder gains and loses nothing.
    @Test func everyFileOperationRefusesALinkInAnyComponent() throws {
        let project = try Sandbox()
        let outside = try Sandbox()
        try outside.write("folder/victim.txt", "outside data\n")
        try FileManager.default.createSymbolicLink(atPath: project.path("logs/linked"), withDestinationPath: outside.path("folder"))
        try FileManager.default.createSymbolicLink(
            atPath: project.path("logs/victim.lock"), withDestinationPath: outside.path("folder/victim.txt"))
        let before = try outside.snapshot()
        let inside = project.path("logs/linked")
        func refusesLink(_ what: String, _ operation: () throws -> Void) {
            do {
                try operation()
                Issue.record("\(what) went through the link")
            } catch let error as FileSystemError {
                #expect(error.isSymlink, "\(what): \(error)")
            } catch let error as ArchiveError {
                #expect(error.kind == .badInput && error.message.contains("symlink"), "\(what): \(error)")
            } catch {
                Issue.record("\(what): \(error)")
            }
        }
        refusesLink("a lock in a linked folder") { _ = try FileLock.acquire(at: inside + "/x.lock", timeoutSeconds: 0.1) }
        refusesLink("a lock that is a link") { _ = try FileLock.acquire(at: project.path("logs/victim.lock"), timeoutSeconds: 0.1) }
        refusesLink("create") { _ = try PosixFile.createExclusive(inside + "/new.txt") }
        refusesLink("read") { _ = try FileSystem.readAll(inside + "/victim.txt") }
        refusesLink("read a link") { _ = try FileSystem.readAll(project.path("logs/victim.lock")) }
        refusesLink("append") { _ = try PosixFile.openForAppending(inside + "/victim.txt", create: false) }
        refusesLink("rename out") { try FileSystem.rename(inside + "/victim.txt", to: project.path("logs/stolen.txt")) }
        refusesLink("delete") { try FileSystem.remove(inside + "/victim.txt") }
        refusesLink("list") { _ = try FileSystem.contents(of: inside) }
        refusesLink("mkdir") { try FileSystem.createDirectories(inside + "/a/b") }
        refusesLink("write atomically") { try FileSystem.writeAtomically([1, 2], to: inside + "/victim.txt") }
        let store = LocalDirectoryStore(root: project.path("logs"))
        refusesLink("store put") { try store.put(bytes: [1], key: "linked/object") }
        refusesLink("store read") { try store.read(key: "linked/victim.txt") { _ in } }
        refusesLink("store read of a linked object") { try store.read(key: "victim.lock") { _ in } }
        refusesLink("store delete") { try store.delete(key: "linked/victim.txt") }
        #expect(try store.list(prefix: "").map(\.key).allSatisfy { !$0.hasPrefix("linked/") })
        #expect(try outside.snapshot() == before)
    }
}
