/// Everything a run needs to know, resolved from flags, then environment, then the config file,
/// then defaults.
public struct Settings: Sendable {
    public var logsDirectory: String
    public var store: StoreLocation
    /// Logs larger than this are gzipped before upload.
    public var compressionThreshold: Int64
    public var compressionLevel: Int32
    public var comment: Bool
    public var commit: Bool
    public var push: Bool
    public var github: GitHubSettings
    public var s3: S3Settings
    /// How many objects (or parts of them) upload at once: `--jobs`, `upload_concurrency`.
    public var uploadConcurrency: Int
    /// The config file that was read, if any.
    public var configFile: String?
    /// No flag, variable or config named the store: it is the embedded default.
    public var storeIsDefault = false
    /// `LOGARCHIVE_BACKOFF_SCALE` as given: what every wait between attempts is multiplied by (the
    /// tests make waits tiny). Checked where a retry policy is made (`retryPolicy()`), so that a
    /// command that never retries is not refused over it.
    public var backoffScale: String?

    public static let defaultCompressionThreshold: Int64 = 1 << 20
    public static let defaultCompressionLevel: Int32 = 6
    public static let defaultUploadConcurrency = 8
    /// More would only open more connections to one server than any gains from them.
    public static let maximumUploadConcurrency = 64
}

/// How to reach GitHub. The token only ever comes from the environment, never the config file,
/// so that it is not committed by accident.
public struct GitHubSettings: Sendable {
    public var token: String?
    public var repository: String?
    public var apiURL: String

    public static let defaultAPIURL = "https://api.github.com"

    /// Where the token may go: the API URL must be https, or plain http to this machine (the
    /// tests' fake GitHub). Checked for `GITHUB_API_URL` and the config file's `github_api_url`
    /// alike, whenever settings are resolved, so that every command refuses it before any
    /// connection: plain http to another host shows the token to anyone on the path, whoever set
    /// the URL. `source` names the variable or key for the message.
    public static func checkedAPIURL(_ url: String, source: String) throws(ArchiveError) -> String {
        guard let authority = URLAuthority(url), authority.scheme == "https" || authority.scheme == "http" else {
            throw .badInput("invalid \(source) '\(url)': the GitHub API URL must start with https://")
        }
        guard !authority.isPlainRemoteHTTP else {
            throw .badInput(
                "refusing \(source) '\(url)': GITHUB_TOKEN is sent only over https (plain http only to this "
                    + "machine, for a test server); use https://\(authority.host)")
        }
        return url
    }
}

/// Settings given on the command line; nil means "not given".
public struct SettingsOverrides: Sendable {
    public var logsDirectory: String?
    public var store: String?
    public var configFile: String?
    public var compressionThreshold: String?
    public var compressionLevel: Int?
    /// `--jobs N`.
    public var uploadConcurrency: Int?
    /// `--storage-class`, `--sse`, `--sse-kms-key-id`, `--tags`.
    public var storageClass: String?
    public var serverSideEncryption: String?
    public var sseKMSKeyID: String?
    public var tags: String?
    public var noComment = false
    public var noCommit = false
    public var push = false

    public init() {}
}
