import Crypto
import Foundation
import LogArchive

/// A temporary folder holding a project: `logs/` with the four type folders, and room for a store
/// and a git repository. Removed when the test ends.
final class Sandbox: Sendable {
    let root: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        let path = "\(base)/logarchive-test-\(UUID().uuidString.prefix(12))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        root = FileSystem.resolvedPath(path) ?? path
        for folder in LogType.allCases.map(\.folder) {
            try FileManager.default.createDirectory(atPath: "\(root)/logs/\(folder)", withIntermediateDirectories: true)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    var logsDirectory: String { "\(root)/logs" }
    var indexPath: String { "\(root)/logs/.archive-index.json" }
    var storeRoot: String { "\(root)/.logarchive-store" }

    func path(_ relative: String) -> String { "\(root)/\(relative)" }

    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        try write(relative, Data(text.utf8))
    }

    @discardableResult
    func write(_ relative: String, _ data: Data) throws -> String {
        let full = path(relative)
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
        return full
    }

    /// Text that gzip shrinks, of about `bytes` bytes, different for each seed.
    static func logText(bytes: Int, seed: Int = 1) -> String {
        var lines: [String] = []
        var total = 0
        var counter = seed
        while total < bytes {
            counter = (counter &* 1_103_515_245 &+ 12345) & 0x7fff_ffff
            let line = "2025-01-15T12:00:\(counter % 60)Z [build] step \(counter % 977) compiled module_\(counter % 89).swift in \(counter % 900) ms\n"
            lines.append(line)
            total += line.utf8.count
        }
        return lines.joined()
    }

    /// Build-log lines with a random 24-digit hex id each: gzip shrinks them to about 40%, so a few
    /// tens of MB make a `.gz` of several 5 MiB parts. Different for each seed.
    static func hexLogText(bytes: Int, seed: UInt64) -> Data {
        var output = Data()
        output.reserveCapacity(bytes + 64)
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        let digits = Array("0123456789abcdef".utf8)
        while output.count < bytes {
            var line = Array("[build] compiling module ".utf8)
            for _ in 0..<24 {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                line.append(digits[Int(state & 15)])
            }
            line += Array(" ok\n".utf8)
            output.append(contentsOf: line)
        }
        return output
    }

    /// Bytes that gzip cannot shrink.
    static func randomBytes(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    func read(_ relative: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path(relative))) }

    /// Every file under the sandbox with its size and content hash: comparing two snapshots proves
    /// that a command changed nothing on disk.
    func snapshot() throws -> [String: String] {
        var result: [String: String] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return result }
        while let relative = enumerator.nextObject() as? String {
            if relative.hasPrefix(".git/") || relative == ".git" { continue }
            let full = path(relative)
            var info = stat()
            guard lstat(full, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                result[relative] = "dir"
            case S_IFLNK:
                result[relative] = "link -> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? "?")
            case S_IFREG:
                let data = (try? Data(contentsOf: URL(fileURLWithPath: full))) ?? Data()
                result[relative] = "\(data.count) \(SHA256.hash(data: data).description)"
            default:
                result[relative] = "special"
            }
        }
        return result
    }

    /// The whole index as one object, as `jq -s` would see it: the root's fields, and in
    /// `archives` the entries of the root and of every file under `logs/.archive-index/`.
    func index() throws -> [String: Any] {
        var root = try JSONSerialization.jsonObject(with: read("logs/.archive-index.json")) as? [String: Any] ?? [:]
        var archives = root["archives"] as? [[String: Any]] ?? []
        for file in try indexFiles() {
            let shard = try JSONSerialization.jsonObject(with: read(file)) as? [String: Any] ?? [:]
            archives += shard["archives"] as? [[String: Any]] ?? []
        }
        // One list across files, in the order each file keeps: by issue number, descending.
        root["archives"] = archives.sorted { (Int($0["issue_number"] as? String ?? "") ?? 0) > (Int($1["issue_number"] as? String ?? "") ?? 0) }
        return root
    }

    /// The index's files beside the root, `logs/.archive-index/*.json`, as paths in the sandbox.
    func indexFiles() throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path("logs/.archive-index"))) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { "logs/.archive-index/" + $0 }
    }

    func entry(_ issue: String) throws -> [String: Any]? {
        let archives = try index()["archives"] as? [[String: Any]] ?? []
        return archives.first { $0["issue_number"] as? String == issue }
    }

    /// Runs a shell command in the sandbox; for git and the standard tools the tests compare with.
    @discardableResult
    func shell(_ command: String) throws -> CommandResult {
        try CommandRunner.run("/bin/sh", ["-c", command], in: root, environment: ProcessInfo.processInfo.environment)
    }

    /// Makes the sandbox a git repository with an identity and one commit.
    func initializeGit() throws {
        try shell(
            "git init -q -b main . && git config user.name 'Log Archive Test' && git config user.email test@example.com && git add -A && git commit -q -m initial"
        ).requireSuccess()
    }
}

typealias CommandResult = ProcessRunner.Result

extension ProcessRunner.Result {
    @discardableResult
    func requireSuccess() throws -> ProcessRunner.Result {
        guard succeeded else {
            throw TestFailure("command exited \(status): \(errorOutput) \(output)")
        }
        return self
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum CommandRunner {
    static func run(_ executable: String, _ arguments: [String], in directory: String, environment: [String: String])
        throws -> CommandResult
    {
        try ProcessRunner(environment: environment).run(executable, arguments, in: directory)
    }
}

/// Runs the real `logarchive` executable that `swift build` produced beside the test bundle.
enum LogArchiveBinary {
    static let path: String = {
        if let explicit = ProcessInfo.processInfo.environment["LOGARCHIVE_BIN"] { return explicit }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = (executable as NSString).deletingLastPathComponent
        // The test bundle may sit inside a `.xctest` folder on some platforms.
        while !folder.isEmpty, folder != "/" {
            let candidate = folder + "/logarchive"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = (folder as NSString).deletingLastPathComponent
        }
        return "logarchive"
    }()

    /// The environment of a run: nothing of the developer's own (tokens, config) leaks in.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/tmp",
            "LANG": "C.UTF-8",
            // No test asks the real EC2 instance metadata (a runner on EC2 would answer with its
            // role); the credential tests set it to "" and use a fake on loopback.
            "AWS_EC2_METADATA_DISABLED": "true",
        ]
        environment.merge(extra) { $1 }
        return environment
    }

    static func run(_ arguments: [String], in sandbox: Sandbox, environment extra: [String: String] = [:]) throws
        -> CommandResult
    {
        try CommandRunner.run(path, arguments, in: sandbox.root, environment: environment(extra))
    }
}
