/// A set of AWS credentials and where they came from. The secret and the session token never
/// leave this value except into a request's signature: `description` leaves them out.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working; nil for long-lived keys.
    public var expiration: UTCTimestamp?
    public var source: AWSCredentialSource

    public init(
        accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: UTCTimestamp? = nil,
        source: AWSCredentialSource
    ) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.source = source
    }

    /// Whether they stop working within `seconds` of `now`.
    public func expires(within seconds: Int64, of now: UTCTimestamp) -> Bool {
        guard let expiration else { return false }
        return expiration.seconds - now.seconds < seconds
    }

    public var description: String {
        "key \(accessKeyID) from \(source)" + (expiration.map { ", expiring \($0.iso8601)" } ?? "")
    }
}

/// Where credentials were found, in the order the AWS SDKs look: for messages and `doctor`.
public enum AWSCredentialSource: Sendable, Equatable, CustomStringConvertible {
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (/ `AWS_SESSION_TOKEN`).
    case environment
    /// A profile of the shared credentials or config file.
    case profile(name: String, file: String)
    /// The ECS/EKS container credentials endpoint.
    case container(url: String)
    /// EC2 instance metadata (IMDSv2), for the instance profile's role.
    case instanceMetadata(endpoint: String, role: String)

    /// A short name: env, profile, ecs, imds.
    public var kind: String {
        switch self {
        case .environment: "env"
        case .profile: "profile"
        case .container: "ecs"
        case .instanceMetadata: "imds"
        }
    }

    public var description: String {
        switch self {
        case .environment: "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        case .profile(let name, let file): "\(file) [\(name)]"
        case .container(let url): "container credentials at \(url)"
        case .instanceMetadata(let endpoint, let role): "EC2 instance metadata at \(endpoint) (role \(role))"
        }
    }

    public var json: JSONValue {
        var object = JSONObject()
        object["kind"] = .string(kind)
        object["description"] = .string(description)
        return .object(object)
    }
}
