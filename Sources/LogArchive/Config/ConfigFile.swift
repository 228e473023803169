/// `.logarchive.json`: JSON with `//` comments. Unknown keys are refused, so that a misspelt
/// setting is caught instead of silently ignored.
public struct ConfigFile: Sendable {
    public let path: String
    public var logsDirectory: String?
    public var store: String?
    public var compressionThreshold: Int64?
    public var compressionLevel: Int32?
    public var comment: Bool?
    public var commit: Bool?
    public var push: Bool?
    public var githubRepository: String?
    public var githubAPIURL: String?
    public var s3Endpoint: String?
    public var s3Region: String?
    public var multipartThreshold: Int64?
    public var partSize: Int64?
    public var publicURLTemplate: String?
    public var httpTimeoutSeconds: Double?
    public var uploadConcurrency: Int?
    public var storageClass: String?
    /// `AES256` or `aws:kms`.
    public var serverSideEncryption: String?
    public var sseKMSKeyID: String?
    /// `k=v,k2=v2`, as `--tags` takes them.
    public var tags: String?

    public static let knownKeys = [
        "logs_dir", "store", "compression_threshold", "compression_level", "comment", "commit", "push",
        "github_repository", "github_api_url", "s3_endpoint", "s3_region", "multipart_threshold", "part_size",
        "public_url_template", "http_timeout", "upload_concurrency", "storage_class", "sse", "sse_kms_key_id", "tags",
    ]

    public static func load(_ path: String) throws(ArchiveError) -> ConfigFile {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(path, limit: 1 << 20, followingLinks: true)
        } catch {
            throw .badInput("cannot read config file: \(error)")
        }
        do {
            return try parse(bytes, path: path)
        } catch let error as ArchiveError {
            throw error
        } catch let error as JSONParser.SyntaxError {
            throw .badInput("config file \(path) is not valid JSON: \(error)")
        } catch let error as JSONObjectReader.ShapeError {
            throw .badInput("config file \(path): \(error)")
        } catch {
            throw .badInput("config file \(path): \(error)")
        }
    }

    static func parse(_ bytes: [UInt8], path: String) throws -> ConfigFile {
        let value = try JSONParser.parse(bytes, allowsComments: true)
        var reader = try JSONObjectReader(value, path: "")
        var config = ConfigFile(path: path)
        config.logsDirectory = try reader.optionalString("logs_dir")
        config.store = try reader.optionalString("store")
        config.compressionThreshold = try size(&reader, "compression_threshold", SettingRanges.threshold, path)
        if let level = try reader.optionalInteger("compression_level") {
            guard (1...9).contains(level) else {
                throw JSONObjectReader.ShapeError(path: "compression_level", reason: "\(level) is not between 1 and 9")
            }
            config.compressionLevel = Int32(level)
        }
        config.comment = try reader.optionalBool("comment")
        config.commit = try reader.optionalBool("commit")
        config.push = try reader.optionalBool("push")
        config.githubRepository = try reader.optionalString("github_repository")
        config.githubAPIURL = try reader.optionalString("github_api_url")
        config.s3Endpoint = try reader.optionalString("s3_endpoint")
        config.s3Region = try reader.optionalString("s3_region")
        config.multipartThreshold = try size(&reader, "multipart_threshold", SettingRanges.multipartThreshold, path)
        config.partSize = try size(&reader, "part_size", SettingRanges.partSize, path)
        config.publicURLTemplate = try reader.optionalString("public_url_template")
        if let timeout = try reader.optionalString("http_timeout") {
            config.httpTimeoutSeconds = try SettingRanges.httpTimeout.parse(timeout, source: "http_timeout in \(path)")
        }
        // Checked for range where flags and environment are, with the same message.
        config.uploadConcurrency = try reader.optionalInteger("upload_concurrency").map { Int($0) }
        // Checked where the flags and the environment are, naming the key.
        config.storageClass = try reader.optionalString("storage_class")
        config.serverSideEncryption = try reader.optionalString("sse")
        config.sseKMSKeyID = try reader.optionalString("sse_kms_key_id")
        config.tags = try reader.optionalString("tags")
        if let unknown = reader.unknownMembers.keys.first {
            throw JSONObjectReader.ShapeError(
                path: unknown, reason: "unknown setting; known settings are \(knownKeys.joined(separator: ", "))")
        }
        return config
    }

    private static func size(
        _ reader: inout JSONObjectReader, _ key: String, _ range: SettingRange<Int64>, _ path: String
    ) throws -> Int64? {
        guard let text = try reader.optionalString(key) else { return nil }
        return try range.parse(text, source: "\(key) in \(path)")
    }

    /// The commented starting config that `logarchive init` writes.
    public static let template = """
        // logarchive configuration. Flags override the environment, which overrides this file.
        // Secrets (AWS keys, GITHUB_TOKEN) are read from the environment only, never from here.
        {
          // Where the logs live: sessions/, builds/, deployments/ and debug/ under it.
          "logs_dir": "logs",

          // The store: a directory (the embedded default is .logarchive-store beside the logs dir),
          // file:///absolute/path, or s3://bucket/prefix for S3-compatible object storage.
          // "store": "s3://my-bucket/team-logs",

          // Logs larger than this are gzipped before upload (B, k, MB, MiB, GB; binary units).
          "compression_threshold": "1MiB",

          // gzip level, 1 (fastest) to 9 (smallest).
          "compression_level": 6,

          // Post a summary comment on the issue (needs GITHUB_TOKEN).
          "comment": true,

          // Commit the updated index to git, and push the commit.
          "commit": true,
          "push": false,

          // S3-compatible storage: the endpoint and region when the AWS variables
          // (AWS_ENDPOINT_URL_S3, AWS_REGION) do not give them; credentials come from
          // AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE, ~/.aws/credentials),
          // ECS container credentials or EC2 instance metadata, never from here.
          // "s3_endpoint": "https://<account>.r2.cloudflarestorage.com",
          // "s3_region": "auto",

          // Files larger than this are uploaded in parts, several at once.
          "multipart_threshold": "64MiB",

          // public_url of each log, for a public bucket or a CDN: {key} is the object key.
          // "public_url_template": "https://logs.example.com/{key}",

          // S3 only: the storage class, server-side encryption (AES256, or aws:kms with an optional
          // key id) and tags of every object written; --storage-class, --sse, --sse-kms-key-id
          // and --tags override them.
          // "storage_class": "STANDARD_IA",
          // "sse": "aws:kms",
          // "sse_kms_key_id": "alias/logs",
          // "tags": "team=infra,retention=1y",

          // How many logs (or parts of large ones) upload at once; --jobs N overrides it.
          "upload_concurrency": 8,

          // The repository, when it cannot be read from `git remote get-url origin`.
          // "github_repository": "org/repo",

          // A transfer that moves nothing for this long times out and is retried.
          // (Kept last, and every example above ends with a comma: any of them can be uncommented.)
          "http_timeout": "30s"
        }

        """
}
