import Foundation
import LogArchive

/// The repository's root, for the scripts the tests start.
enum Repository {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()
}

/// A real S3 server on loopback, started once per test process if it is not already running
/// (scripts/test.sh starts and stops it around the suite). `LOGARCHIVE_TEST_S3_SERVER` chooses
/// which implementation: SeaweedFS (the default) or moto, so one server's habits are not
/// mistaken for S3's.
struct S3TestServer: Sendable {
    /// The S3 implementations the suites run against, each with the script that starts it.
    enum Implementation: String, Sendable {
        case seaweedfs
        case moto

        var script: String { Repository.root + "/scripts/\(rawValue).sh" }

        /// Whether a PUT's answer carries the SHA-256 the server verified and stored, as S3 and
        /// SeaweedFS answer one sent with `x-amz-checksum-sha256`. moto 5.2 neither verifies the
        /// header (a wrong one is stored with a 200) nor answers with it unless the request also
        /// names `x-amz-sdk-checksum-algorithm`, so logarchive reads each PUT back with a HEAD.
        var answersPutsWithTheirChecksum: Bool { self != .moto }

        /// The server's state folder: its own variable, else one under /tmp.
        var directory: String {
            let environment = ProcessInfo.processInfo.environment
            switch self {
            case .seaweedfs: return environment["LOGARCHIVE_TEST_SEAWEEDFS_DIR"] ?? "/tmp/logarchive-seaweedfs"
            case .moto: return environment["LOGARCHIVE_TEST_MOTO_DIR"] ?? "/tmp/logarchive-moto"
            }
        }

        static let chosen: Result<Implementation, TestFailure> = {
            let name = ProcessInfo.processInfo.environment["LOGARCHIVE_TEST_S3_SERVER"] ?? Implementation.seaweedfs.rawValue
            guard let implementation = Implementation(rawValue: name.isEmpty ? Implementation.seaweedfs.rawValue : name) else {
                return .failure(TestFailure("LOGARCHIVE_TEST_S3_SERVER=\(name) names no test server: use seaweedfs or moto"))
            }
            return .success(implementation)
        }()
    }

    let implementation: Implementation
    let endpoint: String
    let accessKeyID: String
    let secretAccessKey: String
    let region: String

    static let shared: Result<S3TestServer, TestFailure> = {
        let implementation: Implementation
        switch Implementation.chosen {
        case .success(let chosen): implementation = chosen
        case .failure(let failure): return .failure(failure)
        }
        let script = "scripts/\(implementation.rawValue).sh"
        do {
            let result = try CommandRunner.run(
                "/bin/bash", [implementation.script, "start", implementation.directory], in: Repository.root,
                environment: ProcessInfo.processInfo.environment)
            guard result.succeeded else {
                return .failure(TestFailure("\(script) did not start its server: \(result.errorOutput)"))
            }
            var values: [String: String] = [:]
            for line in result.output.split(separator: "\n") where line.hasPrefix("export ") {
                let assignment = line.dropFirst(7)
                guard let equals = assignment.firstIndex(of: "=") else { continue }
                values[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
                    .trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            }
            guard let endpoint = values["AWS_ENDPOINT_URL_S3"], let key = values["AWS_ACCESS_KEY_ID"],
                let secret = values["AWS_SECRET_ACCESS_KEY"]
            else { return .failure(TestFailure("\(script) printed no credentials: \(result.output)")) }
            return .success(
                S3TestServer(
                    implementation: implementation, endpoint: endpoint, accessKeyID: key, secretAccessKey: secret,
                    region: values["AWS_REGION"] ?? "us-east-1"))
        } catch {
            return .failure(TestFailure("cannot run \(script): \(error)"))
        }
    }()

    static func require() throws -> S3TestServer { try shared.get() }

    /// Whether the chosen server refuses a request signed with the wrong secret. True when the
    /// choice is unreadable, so that the test runs and reports that.
    static var checksSignatures: Bool { (try? Implementation.chosen.get()) != .moto }

    /// The variables a logarchive run (or the aws CLI) needs to reach the server, through `endpoint`
    /// (a fault proxy) when given.
    func environment(through endpoint: String? = nil, _ extra: [String: String] = [:]) -> [String: String] {
        var variables = [
            "AWS_ENDPOINT_URL_S3": endpoint ?? self.endpoint, "AWS_ACCESS_KEY_ID": accessKeyID,
            "AWS_SECRET_ACCESS_KEY": secretAccessKey, "AWS_REGION": region, "LOGARCHIVE_BACKOFF_SCALE": "0.001",
        ]
        variables.merge(extra) { $1 }
        return variables
    }

    /// A new, empty bucket for one test.
    func makeBucket() throws -> String {
        let name = "t-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "")
        try aws(["s3api", "create-bucket", "--bucket", name]).requireSuccess()
        return name
    }

    @discardableResult
    func aws(_ arguments: [String]) throws -> CommandResult {
        var variables = LogArchiveBinary.environment(environment())
        variables["AWS_EC2_METADATA_DISABLED"] = "true"
        return try CommandRunner.run("/usr/bin/env", ["aws", "--endpoint-url", endpoint] + arguments, in: "/", environment: variables)
    }

    /// The keys in a bucket, listed by the aws CLI (a client other than logarchive).
    func keys(in bucket: String) throws -> [String] {
        let listing = try aws(["s3api", "list-objects-v2", "--bucket", bucket, "--output", "json"]).requireSuccess()
        let object = try JSONSerialization.jsonObject(with: Data(listing.output.utf8)) as? [String: Any]
        return ((object?["Contents"] as? [[String: Any]]) ?? []).compactMap { $0["Key"] as? String }.sorted()
    }

    /// The bucket's keys without the runs' decision traces (`trace-<run>.json`, one per run).
    func keysWithoutTraces(in bucket: String) throws -> [String] {
        try keys(in: bucket).filter { !($0.split(separator: "/").last ?? "").hasPrefix("trace-run-") }
    }

    /// Downloads an object with the aws CLI and returns its bytes.
    func download(_ bucket: String, _ key: String, into sandbox: Sandbox) throws -> Data {
        let target = sandbox.path("download-\(UUID().uuidString)")
        try aws(["s3", "cp", "s3://\(bucket)/\(key)", target, "--only-show-errors"]).requireSuccess()
        defer { try? FileManager.default.removeItem(atPath: target) }
        return try Data(contentsOf: URL(fileURLWithPath: target))
    }
}

/// scripts/fault_proxy.py in front of the test S3 server, stopped when the value goes away.
final class FaultProxy: @unchecked Sendable {
    let endpoint: String
    let logPath: String
    private let process: Process

    init(_ arguments: [String], logPath: String) throws {
        let upstream = try S3TestServer.require().endpoint.replacingOccurrences(of: "http://", with: "")
        (process, endpoint) = try LoopbackService.start(
            [Repository.root + "/scripts/fault_proxy.py", "--upstream", upstream, "--port", "0", "--log", logPath, "--stats", logPath + ".stats"]
                + arguments,
            announcement: logPath + ".out", prefix: "http://")
        self.logPath = logPath
    }

    /// The proxy's counts so far: `connections` (client connections accepted), `requests`, and
    /// `max_open_connections` (the most open at one moment).
    func stats() throws -> [String: Int] {
        let data = try Data(contentsOf: URL(fileURLWithPath: logPath + ".stats"))
        guard let stats = try JSONSerialization.jsonObject(with: data) as? [String: Int] else {
            throw TestFailure("the proxy's stats are not a JSON object of counts")
        }
        return stats
    }

    deinit { LoopbackService.stop(process) }

    /// The requests the proxy saw, one JSON object each.
    func requests() throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}

/// Starts a Python test service that prints `listening ADDRESS` once, and stops it.
enum LoopbackService {
    /// The announcement goes to a file, not a pipe, so no other child can hold the stream open
    /// and no read can block. Returns the process and `prefix` + the announced address.
    static func start(_ arguments: [String], announcement: String, prefix: String = "") throws -> (Process, String) {
        _ = FileManager.default.createFile(atPath: announcement, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: announcement))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? output.close()
        var text = ""
        for _ in 0..<200 where !text.contains("\n") {
            text = (try? String(contentsOfFile: announcement, encoding: .utf8)) ?? ""
            if !text.contains("\n") { usleep(25_000) }
        }
        guard let range = text.range(of: "listening ") else {
            stop(process)
            throw TestFailure("\(arguments.first ?? "the service") did not start: \(text)")
        }
        return (process, prefix + text[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// SIGKILL: a service holding a stalled connection must not keep the test waiting.
    static func stop(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
