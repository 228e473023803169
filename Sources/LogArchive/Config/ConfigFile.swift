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

    public static let knownKeys = [
        "logs_dir", "store", "compression_threshold", "compression_level", "comment", "commit", "push",
        "github_repository", "github_api_url",
    ]

    public static func load(_ path: String) throws(ArchiveError) -> ConfigFile {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(path, limit: 1 << 20)
        } catch {
            throw .badInput("cannot read config file: \(error)")
        }
        do {
            return try parse(bytes, path: path)
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
        if let threshold = try reader.optionalString("compression_threshold") {
            guard let bytes = ByteCount.parse(threshold) else {
                throw JSONObjectReader.ShapeError(
                    path: "compression_threshold", reason: "'\(threshold)' is not a size such as 1MiB or 512k")
            }
            config.compressionThreshold = bytes
        }
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
        if let unknown = reader.unknownMembers.keys.first {
            throw JSONObjectReader.ShapeError(
                path: unknown, reason: "unknown setting; known settings are \(knownKeys.joined(separator: ", "))")
        }
        return config
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
          "push": false

          // The repository, when it cannot be read from `git remote get-url origin`.
          // "github_repository": "org/repo"
        }

        """
}
