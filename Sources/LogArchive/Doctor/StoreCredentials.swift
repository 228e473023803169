/// Where the S3 store's credentials came from, as `doctor` names them: the source and the key
/// id's last four characters (as `aws configure list` shows it), never the secret.
///
/// The one place that asks: today `S3Settings.credentialSource` (the environment variables or a
/// shared credentials file). With the credential chain (env, profile, ECS, IMDSv2), it becomes
/// `(store as? S3Store)?.credentialSource` (an `AWSCredentialSource`: its description, or `kind`
/// for scripts) and the key id of `credentials.credentials()`; `store` is nil when the store could
/// not be opened (no credentials anywhere), and the chain's `tried` then says where it looked.
enum StoreCredentials {
    static func describe(_ settings: S3Settings, store: (any ObjectStore)?) -> String {
        guard let key = settings.accessKeyID else {
            return
                "no credentials found (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials)"
        }
        return "\(settings.credentialSource) (key \(masked(key)))"
    }

    /// `****WXYZ`: enough to tell two keys apart, too little to matter.
    static func masked(_ key: String) -> String {
        key.count <= 8 ? "****" : "****" + key.suffix(4)
    }
}
