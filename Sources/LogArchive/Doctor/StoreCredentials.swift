/// Where the S3 store's credentials came from, as `doctor` names them: the source in the AWS
/// SDKs' order (environment, profile, ECS container endpoint, EC2 instance metadata) and the key
/// id's last four characters (as `aws configure list` shows it), never the secret.
///
/// The one place that asks. `store` is nil when it could not be opened (no credentials anywhere,
/// or a metadata service that did not answer); its error then says where the chain looked.
enum StoreCredentials {
    static func describe(_ settings: S3Settings, store: (any ObjectStore)?) -> String {
        // Not opened: the store's error says where the chain looked and what went wrong.
        guard let s3 = store as? S3Store else { return "none usable" }
        let key = (try? s3.credentials.credentials().accessKeyID).map { " (key \(masked($0)))" } ?? ""
        return "\(s3.credentialSource)\(key)"
    }

    /// `****WXYZ`: enough to tell two keys apart, too little to matter.
    static func masked(_ key: String) -> String {
        key.count <= 8 ? "****" : "****" + key.suffix(4)
    }
}
