/// Where the store is, as named by `--store`, `LOGARCHIVE_STORE` or the config file.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    /// The embedded local directory store, at an absolute path.
    case local(path: String)
    /// S3-compatible object storage: a bucket and a key prefix (empty, or ending in `/`).
    case s3(bucket: String, prefix: String)

    /// Parses `file:///abs/path`, a plain path (relative to `base`) or `s3://BUCKET[/PREFIX]`.
    public static func parse(_ text: String, relativeTo base: String) throws(ArchiveError) -> StoreLocation {
        if text.hasPrefix("s3://") {
            let rest = text.dropFirst(5)
            let bucket = rest.prefix(while: { $0 != "/" })
            // Not quoted back: a `user:password@` here is a secret, and S3 takes no credentials in
            // its URL (they come from AWS_ACCESS_KEY_ID or a profile).
            guard !bucket.contains("@") else {
                throw .badInput(
                    "invalid store \(text): an s3:// store takes no user or password; "
                        + "give the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile)")
            }
            guard isValidBucket(String(bucket)) else {
                throw .badInput(
                    "invalid store \(text): '\(bucket)' is not a valid bucket name (3 to 63 lowercase letters, digits, dots and hyphens)"
                )
            }
            var prefix = String(rest.dropFirst(bucket.count).drop(while: { $0 == "/" }))
            if !prefix.isEmpty, !prefix.hasSuffix("/") { prefix += "/" }
            return .s3(bucket: String(bucket), prefix: prefix)
        }
        if text.hasPrefix("file://") {
            let path = String(text.dropFirst(7))
            guard path.hasPrefix("/") else {
                throw .badInput("invalid store \(text): a file:// URL needs an absolute path, as in file:///srv/archive")
            }
            return .local(path: Paths.absolute(path, relativeTo: "/"))
        }
        if let colon = text.firstIndex(of: ":"), text[..<colon].allSatisfy({ $0.isLetter }), text[colon...].hasPrefix("://") {
            throw .badInput("unsupported store \(text): use a directory path, file:///path, or s3://bucket/prefix")
        }
        guard !text.isEmpty else { throw .badInput("the store is empty: give a directory path or s3://bucket") }
        return .local(path: Paths.absolute(text, relativeTo: base))
    }

    /// A local store's folder with the links on its way resolved once (see `NoFollow`).
    public func resolvingLinks() -> StoreLocation {
        guard case .local(let path) = self else { return self }
        return .local(path: FileSystem.resolvedAncestry(path))
    }

    private static func isValidBucket(_ name: String) -> Bool {
        (3...63).contains(name.count)
            && name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "." || $0 == "-" }
    }

    public var description: String {
        switch self {
        case .local(let path): "file://" + path
        case .s3(let bucket, let prefix): "s3://\(bucket)/\(prefix)"
        }
    }
}
