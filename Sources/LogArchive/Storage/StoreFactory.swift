/// Builds the store a run's settings name, so every command reaches it the same way.
public enum StoreFactory {
    public static func make(settings: Settings, environment: [String: String]) throws(ArchiveError) -> any ObjectStore {
        switch settings.store {
        case .local(let path):
            return LocalDirectoryStore(root: path)
        case .s3(let bucket, let prefix):
            let retry = try RetryPolicy.fromEnvironment(environment)
            return try S3Store(bucket: bucket, prefix: prefix, settings: settings.s3, retry: retry)
        }
    }
}
