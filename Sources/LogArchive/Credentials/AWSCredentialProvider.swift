/// The credentials every S3 request is signed with. Fixed ones are handed out as they are;
/// temporary ones from the container endpoint or instance metadata are fetched again when less
/// than `refreshWindowSeconds` of their life remains, so that a long run never signs with
/// credentials about to expire. One lock: concurrent upload workers that find them stale wait
/// for a single fetch instead of each making one.
public final class AWSCredentialProvider: Sendable {
    public enum Source: Sendable {
        case fixed(AWSCredentials)
        case container(ContainerCredentialsEndpoint)
        case instanceMetadata(InstanceMetadataEndpoint)
    }

    public let source: Source
    /// The SDKs refresh 5 minutes before expiry (botocore: 15 for an advisory, 10 mandatory;
    /// the Go SDK: 5 minutes earlier by default); S3 rejects a request signed after it.
    public let refreshWindowSeconds: Int64
    private let client: HTTPClient
    private let clock: @Sendable () -> UTCTimestamp
    private let state = Locked<(current: AWSCredentials?, fetches: Int)>((nil, 0))

    public static let defaultRefreshWindowSeconds: Int64 = 300

    public init(
        _ source: Source, refreshWindowSeconds: Int64 = defaultRefreshWindowSeconds, client: HTTPClient = HTTPClient(),
        clock: @escaping @Sendable () -> UTCTimestamp = { .now() }
    ) {
        self.source = source
        self.refreshWindowSeconds = refreshWindowSeconds
        self.client = client
        self.clock = clock
    }

    /// The provider the chain names: its fixed credentials, else the container endpoint, else
    /// instance metadata. Throws a bad-input error naming every place tried when there is none.
    public static func make(_ chain: AWSCredentialChain, client: HTTPClient = HTTPClient()) throws(ArchiveError)
        -> AWSCredentialProvider
    {
        if let problem = chain.problem { throw .badInput(problem) }
        if let fixed = chain.fixed { return AWSCredentialProvider(.fixed(fixed), client: client) }
        if let container = chain.container { return AWSCredentialProvider(.container(container), client: client) }
        if let metadata = chain.instanceMetadata {
            return AWSCredentialProvider(.instanceMetadata(metadata), client: client)
        }
        throw noCredentials(tried: chain.tried, detail: nil)
    }

    static func noCredentials(tried: [String], detail: String?) -> ArchiveError {
        .badInput(
            "no credentials found for the S3 store; tried: \(tried.joined(separator: ", "))"
                + (detail.map { "; \($0)" } ?? "")
                + ". Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run where ECS or EC2 instance metadata gives a role"
        )
    }

    /// Credentials good for at least the refresh window (or the last ones, while they still
    /// work, when fetching new ones fails).
    public func credentials() throws(CredentialFetchError) -> AWSCredentials {
        if case .fixed(let credentials) = source { return credentials }
        let now = clock()
        let result: Result<AWSCredentials, CredentialFetchError> = state.withLock { state in
            if let current = state.current, !current.expires(within: refreshWindowSeconds, of: now) {
                return .success(current)
            }
            state.fetches += 1
            do throws(CredentialFetchError) {
                let fresh = try fetch()
                state.current = fresh
                return .success(fresh)
            } catch {
                // The SDKs keep using credentials that have not expired yet when a refresh fails.
                if let current = state.current, !current.expires(within: 0, of: now) { return .success(current) }
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Forgets the cached credentials, so the next request fetches new ones (after the store
    /// answered ExpiredToken: the clock here and the service's may differ).
    public func invalidate() {
        state.withLock { $0.current = nil }
    }

    /// Whether new credentials can be fetched (they come from a metadata service).
    public var refreshes: Bool {
        if case .fixed = source { return false }
        return true
    }

    /// How many times credentials were fetched from the network.
    public var fetchCount: Int { state.withLock { $0.fetches } }

    /// What the provider uses, named for `doctor` and messages, without fetching anything.
    public var sourceDescription: String {
        switch source {
        case .fixed(let credentials): credentials.source.description
        case .container(let endpoint): AWSCredentialSource.container(url: endpoint.url).description
        case .instanceMetadata(let endpoint): "EC2 instance metadata at \(endpoint.base)"
        }
    }

    private func fetch() throws(CredentialFetchError) -> AWSCredentials {
        switch source {
        case .fixed(let credentials): return credentials
        case .container(let endpoint): return try endpoint.fetch(client: client)
        case .instanceMetadata(let endpoint): return try endpoint.fetch(client: client)
        }
    }
}
