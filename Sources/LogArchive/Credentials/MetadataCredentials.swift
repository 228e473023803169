/// The ECS/EKS container credentials endpoint: one GET, with an `Authorization` token when the
/// environment gives one (read from its file at each fetch: EKS rotates it).
public struct ContainerCredentialsEndpoint: Sendable, Equatable {
    public var url: String
    public var authorizationToken: String?
    public var authorizationTokenFile: String?

    /// Plain http only to this machine or the addresses ECS and EKS serve credentials from, as
    /// the SDKs allow: anything else could read the token and hand out someone else's keys.
    static func checkAllowed(_ url: String) throws(ArchiveError) {
        // One parser of hosts (URLAuthority): `127.0.0.1@evil.example` and `127.0.0.1.evil.example`
        // are not this machine.
        guard let authority = URLAuthority(url), authority.scheme == "https" || authority.scheme == "http" else {
            throw .badInput(
                "invalid AWS_CONTAINER_CREDENTIALS_FULL_URI '\(url)': it must be an http:// or https:// URL")
        }
        if authority.scheme == "https" { return }
        let host = authority.host
        let allowed =
            authority.isLoopback || host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23"
        guard allowed else {
            throw .badInput(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI '\(url)' is plain http to \(host): use https, a loopback address, or the ECS/EKS addresses 169.254.170.2 and 169.254.170.23"
            )
        }
    }

    func fetch(client: HTTPClient) throws(CredentialFetchError) -> AWSCredentials {
        var headers: [(name: String, value: String)] = [(name: "Accept", value: "application/json")]
        var token = authorizationToken
        if let file = authorizationTokenFile {
            guard let bytes = try? FileSystem.readAll(file, limit: 16 << 10, followingLinks: true) else {
                throw CredentialFetchError("cannot read the container authorization token file \(file)")
            }
            token = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        }
        if let token {
            guard !token.contains("\r"), !token.contains("\n") else {
                throw CredentialFetchError("the container authorization token holds a line break")
            }
            headers.append((name: "Authorization", value: token))
        }
        let response = try MetadataRequest.perform(client, "GET", url, headers: headers)
        guard response.status == 200 else {
            throw CredentialFetchError("the container credentials endpoint \(url) answered HTTP \(response.status)")
        }
        return try MetadataRequest.credentials(from: response, at: url, source: .container(url: url))
    }
}

/// EC2 instance metadata, with IMDSv2's session tokens only: a PUT for a token, then the role's
/// name and its credentials with that token. An instance that refuses the token (IMDSv1 only) is
/// not asked without one: the SDKs' silent fallback is what IMDSv2 exists to close.
public struct InstanceMetadataEndpoint: Sendable, Equatable {
    public var base: String

    static let tokenTTLSeconds = 21_600
    static let credentialsPath = "/latest/meta-data/iam/security-credentials/"

    func fetch(client: HTTPClient) throws(CredentialFetchError) -> AWSCredentials {
        let tokenResponse = try MetadataRequest.perform(
            client, "PUT", base + "/latest/api/token",
            headers: [
                (name: "X-aws-ec2-metadata-token-ttl-seconds", value: "\(InstanceMetadataEndpoint.tokenTTLSeconds)")
            ])
        guard tokenResponse.status == 200, !tokenResponse.body.isEmpty else {
            throw CredentialFetchError(
                "the instance metadata service at \(base) gave no IMDSv2 token (HTTP \(tokenResponse.status))")
        }
        let token = tokenResponse.bodyText.trimmingWhitespace()
        let withToken = [(name: "X-aws-ec2-metadata-token", value: token)]
        let roles = try MetadataRequest.perform(
            client, "GET", base + InstanceMetadataEndpoint.credentialsPath, headers: withToken)
        guard roles.status == 200 else {
            throw CredentialFetchError(
                roles.status == 404
                    ? "the instance at \(base) has no IAM role (instance profile)"
                    : "the instance metadata service at \(base) answered HTTP \(roles.status) for the role name")
        }
        guard let role = roles.bodyText.split(whereSeparator: \.isNewline).first.map({ $0.trimmingWhitespace() }),
            !role.isEmpty
        else {
            throw CredentialFetchError("the instance at \(base) has no IAM role (instance profile)")
        }
        let url = base + InstanceMetadataEndpoint.credentialsPath + S3Addressing.encode(role)
        let response = try MetadataRequest.perform(client, "GET", url, headers: withToken)
        guard response.status == 200 else {
            throw CredentialFetchError(
                "the instance metadata service at \(base) answered HTTP \(response.status) for the role \(role)")
        }
        return try MetadataRequest.credentials(
            from: response, at: url, source: .instanceMetadata(endpoint: base, role: role))
    }
}

/// Why a metadata source gave no credentials; never carries a secret.
public struct CredentialFetchError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

enum MetadataRequest {
    /// A machine without the service must fail fast: 1 s to connect, 2 s without a byte.
    static let connectTimeoutSeconds = 1.0
    static let stallTimeoutSeconds = 2.0

    static func perform(
        _ client: HTTPClient, _ method: String, _ url: String, headers: [(name: String, value: String)]
    ) throws(CredentialFetchError) -> HTTPResponse {
        let request = HTTPRequest(
            method: method, url: url, headers: headers, stallTimeoutSeconds: stallTimeoutSeconds,
            connectTimeoutSeconds: connectTimeoutSeconds, responseBody: .memory(limit: 64 << 10))
        do {
            return try client.perform(request)
        } catch {
            throw CredentialFetchError("cannot reach \(url): \(error.message)")
        }
    }

    /// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}`, as ECS and IMDS both answer.
    static func credentials(from response: HTTPResponse, at url: String, source: AWSCredentialSource)
        throws(CredentialFetchError)
        -> AWSCredentials
    {
        let fields: (key: String?, secret: String?, token: String?, expiration: String?, code: String?)
        do {
            var reader = try JSONObjectReader(JSONParser.parse(response.body), path: "")
            fields = (
                try reader.optionalString("AccessKeyId"), try reader.optionalString("SecretAccessKey"),
                try reader.optionalString("Token"), try reader.optionalString("Expiration"),
                try reader.optionalString("Code")
            )
        } catch {
            // The body may hold a secret: say only that it is not the expected JSON.
            throw CredentialFetchError("\(url) answered with something other than credentials JSON")
        }
        if let code = fields.code, code != "Success" {
            throw CredentialFetchError("\(url) answered with code \(code)")
        }
        guard let key = fields.key, let secret = fields.secret, !key.isEmpty, !secret.isEmpty else {
            throw CredentialFetchError("\(url) answered without AccessKeyId and SecretAccessKey")
        }
        var expiration: UTCTimestamp?
        if let text = fields.expiration {
            guard let parsed = UTCTimestamp(iso8601: text) else {
                throw CredentialFetchError("\(url) answered with an Expiration that is not a time: \(text)")
            }
            expiration = parsed
        }
        return AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: fields.token.flatMap { $0.isEmpty ? nil : $0 },
            expiration: expiration, source: source)
    }
}
