/// How to reach S3-compatible storage, from the variables the AWS tools already use, then the
/// config file, then defaults. Secrets come only from the environment, the AWS shared files or
/// the metadata services, never from logarchive's config file.
public struct S3Settings: Sendable {
    /// A custom endpoint (`http://127.0.0.1:8333`, an R2 or MinIO URL); nil means AWS itself.
    public var endpoint: String?
    public var region: String
    /// Where the credentials come from: the environment, a profile, the container endpoint or
    /// instance metadata, in the AWS SDKs' order.
    public var credentialChain: AWSCredentialChain
    /// Storage class, server-side encryption and tags of every object written.
    public var objectOptions: S3ObjectOptions
    /// Files larger than this go up as multipart uploads.
    public var multipartThreshold: Int64
    public var partSize: Int64
    public var parallelParts: Int
    /// `public_url` of a log: the template with `{key}` (and `{bucket}`) replaced, for a public
    /// bucket or a CDN in front of it; nil records `public_url: null`.
    public var publicURLTemplate: String?
    /// A transfer that moves nothing for this long times out (doubled on each timeout retry).
    public var stallTimeoutSeconds: Double

    public static let defaultMultipartThreshold: Int64 = 64 << 20
    public static let defaultPartSize: Int64 = 16 << 20
    public static let minimumPartSize: Int64 = 5 << 20

    public static func resolve(
        environment: [String: String], file: ConfigFile?, objectOptions: S3ObjectOptions = S3ObjectOptions()
    ) throws(ArchiveError) -> S3Settings {
        func value(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        var endpoint = value("AWS_ENDPOINT_URL_S3") ?? value("AWS_ENDPOINT_URL") ?? file?.s3Endpoint
        if let given = endpoint, !(given.hasPrefix("http://") || given.hasPrefix("https://")) {
            throw .badInput("invalid S3 endpoint '\(given)': it must start with http:// or https://")
        }
        // S3 requests authenticate by their SigV4 signature: a `user:password@` in the endpoint is
        // used by nothing (and would spoil the signed host), so it is dropped here, before anything
        // could print, trace or index it.
        endpoint = endpoint.map(URLAuthority.removingUserInfo)
        let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? file?.s3Region ?? "us-east-1"

        let threshold = try value("LOGARCHIVE_MULTIPART_THRESHOLD").map { text throws(ArchiveError) in
            try SettingRanges.multipartThreshold.parse(text, source: "LOGARCHIVE_MULTIPART_THRESHOLD")
        } ?? file?.multipartThreshold ?? defaultMultipartThreshold
        let partSize = try value("LOGARCHIVE_PART_SIZE").map { text throws(ArchiveError) in
            try SettingRanges.partSize.parse(text, source: "LOGARCHIVE_PART_SIZE")
        } ?? file?.partSize ?? defaultPartSize
        var timeout = file?.httpTimeoutSeconds ?? 30
        if let text = value("LOGARCHIVE_HTTP_TIMEOUT") {
            timeout = try SettingRanges.httpTimeout.parse(text, source: "LOGARCHIVE_HTTP_TIMEOUT")
        }
        return S3Settings(
            endpoint: endpoint.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }, region: region,
            credentialChain: AWSCredentialChain.resolve(environment: environment), objectOptions: objectOptions,
            multipartThreshold: threshold, partSize: partSize, parallelParts: 4,
            publicURLTemplate: value("LOGARCHIVE_PUBLIC_URL_TEMPLATE") ?? file?.publicURLTemplate,
            stallTimeoutSeconds: timeout)
    }

}
