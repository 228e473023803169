/// The kinds of secret the redactor knows, each named in its marker (`[REDACTED:github-token]`)
/// and counted on its own, so a record can say what was removed without saying what it was.
public enum RedactionRule: Int, CaseIterable, Sendable, Comparable {
    case awsAccessKey
    case awsSecretKey
    case githubToken
    case gitlabToken
    case slackToken
    case stripeKey
    case anthropicKey
    case openAIKey
    case jwt
    case privateKey
    case urlPassword
    case authorization
    case bearerToken
    /// `password=`, `secret=`, `token=` (and `api_token=`, `client_secret=`): db-archive's rule
    /// from before, kept so its archives redact no less.
    case secretAssignment

    /// The name in markers, counts and JSON.
    public var name: String {
        switch self {
        case .awsAccessKey: "aws-access-key"
        case .awsSecretKey: "aws-secret-key"
        case .githubToken: "github-token"
        case .gitlabToken: "gitlab-token"
        case .slackToken: "slack-token"
        case .stripeKey: "stripe-key"
        case .anthropicKey: "anthropic-key"
        case .openAIKey: "openai-key"
        case .jwt: "jwt"
        case .privateKey: "private-key"
        case .urlPassword: "url-password"
        case .authorization: "authorization"
        case .bearerToken: "bearer-token"
        case .secretAssignment: "secret-assignment"
        }
    }

    public static func < (lhs: RedactionRule, rhs: RedactionRule) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What replaces a secret: the rule's name (`[REDACTED:aws-access-key]`), or the bare
/// `[REDACTED]` db-archive has always written.
public enum RedactionMarker: Sendable {
    case named
    case plain

    static let plainBytes: [UInt8] = Array("[REDACTED]".utf8)
    static let namedBytes: [[UInt8]] = RedactionRule.allCases.map { Array("[REDACTED:\($0.name)]".utf8) }

    func bytes(for rule: RedactionRule) -> [UInt8] {
        switch self {
        case .named: Self.namedBytes[rule.rawValue]
        case .plain: Self.plainBytes
        }
    }
}

/// How many secrets of each rule were replaced; never the values.
public struct RedactionCounts: Sendable, Equatable {
    private var counts = [Int](repeating: 0, count: RedactionRule.allCases.count)

    public init() {}

    public subscript(rule: RedactionRule) -> Int {
        get { counts[rule.rawValue] }
        set { counts[rule.rawValue] = newValue }
    }

    public var total: Int { counts.reduce(0, +) }

    /// The rules that fired, with their counts, in the rules' order.
    public var nonZero: [(rule: RedactionRule, count: Int)] {
        RedactionRule.allCases.compactMap { counts[$0.rawValue] > 0 ? ($0, counts[$0.rawValue]) : nil }
    }

    public mutating func add(_ other: RedactionCounts) {
        for index in counts.indices { counts[index] += other.counts[index] }
    }

    /// `{"github-token": 2, …}`, only the rules that fired.
    public var json: JSONValue {
        .object(JSONObject(nonZero.map { ($0.rule.name, .integer(Int64($0.count))) }))
    }
}
