import Logging

extension Settings {
    /// The store these settings name, ready to use. Every command that reads or writes the store
    /// opens it here, so `--store`, the environment and the config file mean the same everywhere.
    /// `logger` hears an S3 store's requests and retry decisions; `retry` replaces the policy the
    /// environment gives.
    public func openStore(environment: [String: String], logger: Logger = .discarding, retry: RetryPolicy? = nil)
        throws(ArchiveError) -> any ObjectStore
    {
        switch store {
        case .local(let path):
            return LocalDirectoryStore(root: path)
        case .s3(let bucket, let prefix):
            let policy: RetryPolicy
            if let retry { policy = retry } else { policy = try retryPolicy() }
            return try S3Store(bucket: bucket, prefix: prefix, settings: s3, retry: policy, logger: logger)
        }
    }
}
