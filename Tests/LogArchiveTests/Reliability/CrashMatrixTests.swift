import Crypto
import Foundation
import LogArchive
import Testing

/// One SIGKILL of `logarchive 123` at a named fault point (after `skip` passes).
struct CrashCase: CustomTestStringConvertible, Sendable {
    let point: String
    var skip = 0
    /// Finish a partial entry with `--retry` instead of running the same command again.
    var retry = false
    /// Extra arguments for both runs.
    var arguments: [String] = []

    var testDescription: String {
        "\(point)" + (skip > 0 ? " skip \(skip)" : "") + (retry ? " then --retry" : "")
            + (arguments.isEmpty ? "" : " " + arguments.joined(separator: " "))
    }
}

/// Where a run under test keeps its objects: the local store's folder, or an S3 bucket
/// copied down with the aws CLI (one call per check, not one per object).
struct StoreProbe {
    var arguments: [String]
    var environment: [String: String]
    /// A folder holding the store's objects by key, as they are now.
    let copy: () throws -> String

    static func local(_ sandbox: Sandbox) -> StoreProbe {
        StoreProbe(arguments: [], environment: [:], copy: { sandbox.storeRoot })
    }

    static func s3(_ server: S3TestServer, bucket: String, sandbox: Sandbox) -> StoreProbe {
        StoreProbe(
            arguments: ["--store", "s3://\(bucket)"], environment: server.environment(),
            copy: {
                let folder = sandbox.path("bucket-\(UUID().uuidString)")
                try server.aws(["s3", "sync", "s3://\(bucket)", folder, "--only-show-errors"]).requireSuccess()
                return folder
            })
    }
}

/// The store's objects at one instant.
struct StoreContents {
    let folder: String

    init(_ probe: StoreProbe) throws { folder = try probe.copy() }

    func object(_ key: String) -> Data? { try? Data(contentsOf: URL(fileURLWithPath: folder + "/" + key)) }

    var keys: [String] {
        (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter { key in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: folder + "/" + key, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }
}

/// Kills `logarchive 123` at every stage boundary and inside each long step, then checks that
/// the index tells the truth, nothing unverified was deleted, and running again converges.
@Suite(.serialized) struct CrashMatrixTests {
    static let archiveCases: [CrashCase] = [
        CrashCase(point: "after-collect"),
        CrashCase(point: "compress-mid"),
        CrashCase(point: "after-compress"),
        CrashCase(point: "after-checksum"),
        CrashCase(point: "before-upload"),
        CrashCase(point: "before-upload", skip: 2),
        CrashCase(point: "before-upload", skip: 2, retry: true),
        // The 1.5 MB build log sent as it is, one object, killed once its first MiB is sent.
        CrashCase(point: "upload-mid", arguments: ["--compression-threshold", "64MB"]),
        CrashCase(point: "after-upload"),
        CrashCase(point: "after-upload", skip: 3),
        CrashCase(point: "index-after-backup"),
        CrashCase(point: "index-after-tmp-write"),
        // A first archive writes two index files: the root (once, it is new), then the index
        // stage's entry. Before that, the run's entry and statuses are in its journal only.
        CrashCase(point: "index-after-tmp-write", skip: 1),
        CrashCase(point: "index-after-rename", skip: 1),
        CrashCase(point: "after-index"),
        CrashCase(point: "after-comment"),
        CrashCase(point: "before-clean"),
        CrashCase(point: "before-clean", skip: 1),
        // before-commit runs inside a git work tree only: killedBeforeTheCommitCommitsTheIndexOnce.
    ]

    /// The logs of issue 123 (one over the compression threshold) and neighbours that must stay.
    static func project() throws -> Sandbox { try ArchiveCommandTests.projectWithIssue123() }

    @Test(arguments: archiveCases) func killedArchiveOnTheLocalStoreConverges(_ crash: CrashCase) throws {
        let sandbox = try Self.project()
        try Self.killAndConverge(crash, in: sandbox, store: .local(sandbox))
    }

    @Test(arguments: archiveCases + [
        CrashCase(point: "upload-after-part"), CrashCase(point: "upload-after-part", skip: 1),
    ])
    func killedArchiveOnS3Converges(_ crash: CrashCase) throws {
        let server = try S3TestServer.require()
        let sandbox = try Self.project()
        var arguments: [String] = []
        var environment: [String: String] = [:]
        if crash.point == "upload-after-part" {
            // Three parts of 5 MiB, the S3 minimum, uncompressed so that the multipart path runs.
            try sandbox.write("logs/builds/123-build.log", Sandbox.logText(bytes: 12_000_000, seed: 7))
            arguments = ["--compression-threshold", "64MB"]
            environment = ["LOGARCHIVE_MULTIPART_THRESHOLD": "5MiB", "LOGARCHIVE_PART_SIZE": "5MiB"]
        }
        let bucket = try server.makeBucket()
        var probe = StoreProbe.s3(server, bucket: bucket, sandbox: sandbox)
        probe.arguments += arguments
        probe.environment.merge(environment) { $1 }
        try Self.killAndConverge(crash, in: sandbox, store: probe)
        if crash.point == "upload-after-part" {
            // The killed run's upload never completed; the re-run aborted it, so no parts stay billed.
            let uploads = try server.aws(["s3api", "list-multipart-uploads", "--bucket", bucket]).requireSuccess().output
            #expect(!uploads.contains("UploadId"), "\(uploads)")
        }
    }

    /// A 30 MB build log sent in 5 MiB parts while it is compressed, killed from its first part to
    /// its verified object: the re-run aborts the upload left in progress (no parts stay billed),
    /// or finds the completed object by the composite of its parts.
    @Test(arguments: [
        CrashCase(point: "stream-part", skip: 1), CrashCase(point: "after-compress"), CrashCase(point: "after-checksum"),
        CrashCase(point: "before-upload"), CrashCase(point: "after-upload"), CrashCase(point: "after-upload", skip: 3),
    ])
    func killedArchiveOnS3WhileALogIsSentAsItIsCompressedConverges(_ crash: CrashCase) throws {
        try Self.killWhileStreamingAndConverge(crash, buildLogBytes: 30_000_000, seed: 8)
    }

    /// Issue 123 with a build log of `buildLogBytes` hex-log bytes, 5 MiB parts from 5 MiB up (so
    /// it is sent while compressed), killed at `crash`; then converged, with no upload in progress.
    static func killWhileStreamingAndConverge(_ crash: CrashCase, buildLogBytes: Int, seed: UInt64) throws {
        let server = try S3TestServer.require()
        let sandbox = try Self.project()
        try sandbox.write("logs/builds/123-build.log", Sandbox.hexLogText(bytes: buildLogBytes, seed: seed))
        let bucket = try server.makeBucket()
        var probe = StoreProbe.s3(server, bucket: bucket, sandbox: sandbox)
        probe.environment.merge(StreamedUploadTests.smallParts) { $1 }
        try Self.killAndConverge(crash, in: sandbox, store: probe)
        let uploads = try server.aws(["s3api", "list-multipart-uploads", "--bucket", bucket]).requireSuccess().output
        #expect(!uploads.contains("UploadId"), "\(uploads)")
    }

    /// A 10 MB log sent while compressed to under 5 MiB, killed once its upload was begun: the
    /// re-run finishes the archive with a single PUT (the `.gz` is under the multipart threshold),
    /// and still aborts the upload the killed run left open.
    @Test(arguments: [CrashCase(point: "before-upload"), CrashCase(point: "before-upload", retry: true)])
    func killedArchiveOnS3WhileASmallGzipIsSentAsItIsCompressedLeavesNoUpload(_ crash: CrashCase) throws {
        try Self.killWhileStreamingAndConverge(crash, buildLogBytes: 10_000_000, seed: 9)
    }

    /// Killed after the comment was posted: the re-run updates it, so the issue has one comment.
    @Test func killedAfterTheCommentLeavesExactlyOneComment() throws {
        let sandbox = try Self.project()
        let github = try FakeGitHub(state: GitHubTests.state, in: sandbox)
        try Self.killAndConverge(
            CrashCase(point: "after-comment"), in: sandbox,
            store: StoreProbe(arguments: ["--reason", "issue_closed"], environment: github.environment, copy: { sandbox.storeRoot }),
            comment: true)
        #expect(try github.comments("123").count == 1)
    }

    /// Killed before the commit: the re-run (which finds the issue archived) commits the index once.
    @Test func killedBeforeTheCommitCommitsTheIndexOnce() throws {
        let sandbox = try Self.project()
        try sandbox.initializeGit()
        try Self.killAndConverge(CrashCase(point: "before-commit"), in: sandbox, store: .local(sandbox), commit: true)
        let log = try sandbox.shell("git log --format=%s").requireSuccess().output
        #expect(log.components(separatedBy: "Archive logs for issue #123").count - 1 == 1, "\(log)")
        #expect(try sandbox.shell("git status --porcelain -- logs/.archive-index.json").output.isEmpty)
    }

    /// A git killed inside its commit leaves `.git/index.lock`. The archive still completes, says
    /// the commit failed, and keeps the index change; once the lock is gone, the next run commits
    /// it exactly once.
    @Test func aCommitStoppedByAStaleGitLockIsMadeByTheNextRun() throws {
        let sandbox = try Self.project()
        try sandbox.initializeGit()
        try sandbox.write(".git/index.lock", "")
        let locked = try LogArchiveBinary.run(["123", "--no-comment"], in: sandbox)
        #expect(locked.status == 0, "\(locked.errorOutput)")
        let warning = locked.output.split(separator: "\n").first { $0.contains("Git commit:") } ?? ""
        #expect(warning.contains("index.lock': File exists") && warning.contains("remove the lock and run logarchive again"), "\(locked.output)")
        #expect(try sandbox.entry("123")?["upload_complete"] as? Bool == true)
        #expect(!sandbox.exists("logs/builds/123-build.log"))
        #expect(try sandbox.shell("git log --format=%s").requireSuccess().output.contains("issue #123") == false)

        try FileManager.default.removeItem(atPath: sandbox.path(".git/index.lock"))
        let rerun = try LogArchiveBinary.run(["123", "--no-comment"], in: sandbox)
        #expect(rerun.status == 0, "\(rerun.errorOutput)")
        let log = try sandbox.shell("git log --format=%s").requireSuccess().output
        #expect(log.components(separatedBy: "Archive logs for issue #123").count - 1 == 1, "\(log)")
        #expect(try sandbox.shell("git status --porcelain -- logs").output.isEmpty)
    }

    // MARK: - The shared checker

    static func killAndConverge(
        _ crash: CrashCase, in sandbox: Sandbox, store: StoreProbe, comment: Bool = false, commit: Bool = false
    ) throws {
        let originals = try Self.originals(in: sandbox)
        let arguments =
            ["123"] + store.arguments + crash.arguments + (comment ? [] : ["--no-comment"]) + (commit ? [] : ["--no-commit"])
        let killed = try LogArchiveBinary.run(
            arguments, in: sandbox,
            environment: store.environment.merging([
                "LOGARCHIVE_FAULT_POINT": crash.point, "LOGARCHIVE_FAULT_ACTION": "kill",
                "LOGARCHIVE_FAULT_SKIP": String(crash.skip),
            ]) { $1 })
        // SIGKILL, not an exit: proves the point was reached as often as the case says.
        try #require(killed.status == SIGKILL, "not killed at \(crash.testDescription): \(killed.status) \(killed.errorOutput)")

        try Self.requireTruthfulAfterKill(originals: originals, in: sandbox, store: store)

        let partial = (try? sandbox.entry("123"))??["partial_archive"] as? Bool == true
        let rerun = try LogArchiveBinary.run(
            arguments + (crash.retry && partial ? ["--retry"] : []), in: sandbox, environment: store.environment)
        #expect(rerun.status == 0, "\(rerun.output) \(rerun.errorOutput)")
        try Self.requireConverged(originals: originals, in: sandbox, store: store)
    }

    /// Issue 123's log files at setup, by logs-relative path, with their bytes.
    static func originals(in sandbox: Sandbox) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for relative in FileManager.default.enumerator(atPath: sandbox.logsDirectory)?.allObjects as? [String] ?? [] {
            let name = (relative as NSString).lastPathComponent
            guard name.hasPrefix("123-") || name.hasPrefix("session-123-") else { continue }
            result["logs/" + relative] = try sandbox.read("logs/" + relative)
        }
        return result
    }

    /// Right after the kill: the index parses, claims only what the store holds, and every
    /// original is on disk or stored and verified.
    static func requireTruthfulAfterKill(originals: [String: Data], in sandbox: Sandbox, store: StoreProbe) throws {
        let store = try StoreContents(store)
        var uploaded: [String: [String: Any]] = [:]
        if sandbox.exists("logs/.archive-index.json") {
            let logs = (try sandbox.entry("123")?["logs"] as? [[String: Any]]) ?? []
            for log in logs where log["upload_status"] as? String == "uploaded" {
                try requireStored(log, in: store)
                uploaded[log["local_path"] as? String ?? ""] = log
            }
        }
        for (path, content) in originals {
            if sandbox.exists(path) {
                #expect(try sandbox.read(path) == content, "\(path) changed")
                continue
            }
            let log = try #require(uploaded[path], "\(path) is gone but the index has no uploaded copy")
            let stored = try #require(store.object(log["remote_path"] as? String ?? ""))
            let restored = log["compressed"] as? Bool == true ? try gunzip(stored, in: sandbox) : stored
            #expect(restored == content, "\(path): the stored copy is not the original")
        }
    }

    /// After the re-run: one entry, every log uploaded once and verified, no work files, local logs cleaned.
    static func requireConverged(originals: [String: Data], in sandbox: Sandbox, store: StoreProbe) throws {
        let store = try StoreContents(store)
        let archives = try sandbox.index()["archives"] as? [[String: Any]] ?? []
        let entries = archives.filter { $0["issue_number"] as? String == "123" }
        try #require(entries.count == 1)
        let logs = try #require(entries[0]["logs"] as? [[String: Any]])
        #expect(Set(logs.compactMap { $0["local_path"] as? String }) == Set(originals.keys))
        #expect(logs.count == originals.count)
        #expect(entries[0]["upload_complete"] as? Bool == true)
        for log in logs {
            #expect(log["upload_status"] as? String == "uploaded")
            try requireStored(log, in: store)
        }
        let objects = store.keys.filter { !($0.split(separator: "/").last ?? "").hasPrefix("trace-run-") }
        #expect(objects.count == originals.count + 1, "\(objects)")
        #expect(objects.filter { $0.hasSuffix("/manifest.json") }.count == 1)
        let work = try (store.keys + (FileManager.default.subpathsOfDirectory(atPath: sandbox.logsDirectory))).filter { name in
            [".tmp", ".part", ".backup"].contains { name.hasSuffix($0) } || name.contains(".tmp-")
        }
        #expect(work.isEmpty, "work files left: \(work)")
        for path in originals.keys { #expect(!sandbox.exists(path), "\(path) not cleaned") }
        for neighbour in ["logs/builds/1234-build.log", "logs/builds/5123-build.log"] { #expect(sandbox.exists(neighbour)) }
    }

    /// The store holds the log's object with the recorded size and SHA-256.
    static func requireStored(_ log: [String: Any], in store: StoreContents) throws {
        let key = log["remote_path"] as? String ?? ""
        let data = try #require(store.object(key), "\(key) is marked uploaded but the store lacks it")
        #expect(log["size_bytes"] as? Int == data.count, "\(key) size")
        #expect(log["checksum"] as? String == "sha256:" + SHA256Hex.of(data), "\(key) checksum")
    }

    static func gunzip(_ data: Data, in sandbox: Sandbox) throws -> Data {
        let path = try sandbox.write("gunzip-\(UUID().uuidString).gz", data)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try sandbox.shell("gzip -dc '\(path)' > '\(path).out'").requireSuccess()
        defer { try? FileManager.default.removeItem(atPath: path + ".out") }
        return try Data(contentsOf: URL(fileURLWithPath: path + ".out"))
    }
}
