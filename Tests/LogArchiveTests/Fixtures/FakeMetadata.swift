import Foundation

/// scripts/fake_metadata.py on loopback: the ECS container endpoint and EC2 instance metadata
/// (IMDSv2 only), handing out the test S3 server's keys so the server checks the signatures.
/// Stopped when the value goes away.
final class FakeMetadata: @unchecked Sendable {
    let endpoint: String
    let logPath: String
    private let process: Process

    /// `expiresIn`: seconds from each answer to the Expiration it gives.
    init(
        key: String, secret: String, token: String? = nil, expiresIn: Int = 3600, authToken: String? = nil,
        logPath: String
    ) throws {
        var arguments = [
            Repository.root + "/scripts/fake_metadata.py", "--key", key, "--secret", secret, "--expires-in",
            "\(expiresIn)",
            "--log", logPath,
        ]
        if let token { arguments += ["--token", token] }
        if let authToken { arguments += ["--auth-token", authToken] }
        (process, endpoint) = try LoopbackService.start(arguments, announcement: logPath + ".out")
        self.logPath = logPath
    }

    /// For the test S3 server's own keys.
    convenience init(
        for server: S3TestServer, token: String? = nil, expiresIn: Int = 3600, authToken: String? = nil, logPath: String
    )
        throws
    {
        try self.init(
            key: server.accessKeyID, secret: server.secretAccessKey, token: token, expiresIn: expiresIn,
            authToken: authToken,
            logPath: logPath)
    }

    deinit { LoopbackService.stop(process) }

    var containerURL: String { endpoint + "/ecs/credentials" }

    /// The requests it answered: method, path, status, kind, imds_token, authorization.
    func requests() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func requests(kind: String) -> [[String: Any]] { requests().filter { $0["kind"] as? String == kind } }
}
