import Glibc

/// Resolves `Settings` in the order the design fixes: flags, environment, config file, defaults.
public struct SettingsResolver: Sendable {
    public let environment: [String: String]
    public let currentDirectory: String

    public init(environment: [String: String], currentDirectory: String) {
        self.environment = environment
        self.currentDirectory = currentDirectory
    }

    public static let configFileName = ".logarchive.json"

    public func resolve(_ flags: SettingsOverrides) throws(ArchiveError) -> Settings {
        let file = try loadConfigFile(flags.configFile)
        let fileBase = file.map { Paths.parent(of: $0.path) } ?? currentDirectory

        let logsDirectory: String
        if let flag = flags.logsDirectory {
            logsDirectory = Paths.absolute(flag, relativeTo: currentDirectory)
        } else if let env = nonEmpty("LOGARCHIVE_LOGS_DIR") {
            logsDirectory = Paths.absolute(env, relativeTo: currentDirectory)
        } else if let configured = file?.logsDirectory {
            logsDirectory = Paths.absolute(configured, relativeTo: fileBase)
        } else {
            logsDirectory = Paths.absolute("logs", relativeTo: currentDirectory)
        }

        let store: StoreLocation
        if let flag = flags.store {
            store = try StoreLocation.parse(flag, relativeTo: currentDirectory)
        } else if let env = nonEmpty("LOGARCHIVE_STORE") {
            store = try StoreLocation.parse(env, relativeTo: currentDirectory)
        } else if let configured = file?.store {
            store = try StoreLocation.parse(configured, relativeTo: fileBase)
        } else {
            // The embedded default: a folder beside the logs dir, so it works with no set-up at all.
            store = .local(path: Paths.join(Paths.parent(of: logsDirectory), ".logarchive-store"))
        }

        let threshold: Int64
        if let flag = flags.compressionThreshold {
            threshold = try SettingRanges.threshold.parse(flag, source: "--compression-threshold")
        } else if let env = nonEmpty("LOGARCHIVE_COMPRESSION_THRESHOLD") {
            threshold = try SettingRanges.threshold.parse(env, source: "LOGARCHIVE_COMPRESSION_THRESHOLD")
        } else {
            threshold = file?.compressionThreshold ?? Settings.defaultCompressionThreshold
        }

        let level: Int32
        if let flag = flags.compressionLevel {
            level = try SettingsResolver.compressionLevel(flag, source: "--compression-level")
        } else if let env = nonEmpty("LOGARCHIVE_COMPRESSION_LEVEL") {
            level = Int32(try SettingRanges.compressionLevel.parse(env, source: "LOGARCHIVE_COMPRESSION_LEVEL"))
        } else {
            level = file?.compressionLevel ?? Settings.defaultCompressionLevel
        }

        let uploadConcurrency: Int
        if let flag = flags.uploadConcurrency {
            uploadConcurrency = try SettingsResolver.uploadConcurrency(flag, source: "--jobs")
        } else if let env = nonEmpty("LOGARCHIVE_UPLOAD_CONCURRENCY") {
            uploadConcurrency = try SettingRanges.uploadConcurrency.parse(env, source: "LOGARCHIVE_UPLOAD_CONCURRENCY")
        } else if let configured = file?.uploadConcurrency {
            uploadConcurrency = try SettingsResolver.uploadConcurrency(configured, source: "upload_concurrency in \(file?.path ?? "")")
        } else {
            uploadConcurrency = Settings.defaultUploadConcurrency
        }

        let commentSetting = try boolean("LOGARCHIVE_COMMENT") ?? file?.comment ?? true
        let commitSetting = try boolean("LOGARCHIVE_COMMIT") ?? file?.commit ?? true
        let pushSetting = try boolean("LOGARCHIVE_PUSH") ?? file?.push ?? false
        let comment = !flags.noComment && commentSetting
        let commit = !flags.noCommit && commitSetting
        let push = flags.push || pushSetting

        let apiURL: String
        if let env = nonEmpty("GITHUB_API_URL") {
            apiURL = try GitHubSettings.checkedAPIURL(env, source: "GITHUB_API_URL")
        } else if let configured = file?.githubAPIURL {
            apiURL = try GitHubSettings.checkedAPIURL(configured, source: "github_api_url in \(file?.path ?? "")")
        } else {
            apiURL = GitHubSettings.defaultAPIURL
        }
        let github = GitHubSettings(
            token: nonEmpty("GITHUB_TOKEN") ?? nonEmpty("GH_TOKEN"),
            repository: nonEmpty("GITHUB_REPOSITORY") ?? file?.githubRepository, apiURL: apiURL)

        // The folders a person names may be reached through links: resolved once, here, so that
        // every path built inside them holds none, and `NoFollow` refuses any link found later.
        var settings = Settings(
            logsDirectory: FileSystem.resolvedAncestry(logsDirectory), store: store.resolvingLinks(),
            compressionThreshold: threshold, compressionLevel: level,
            comment: comment, commit: commit, push: push, github: github,
            s3: try S3Settings.resolve(environment: environment, file: file, objectOptions: try objectOptions(flags, file)),
            uploadConcurrency: uploadConcurrency,
            configFile: file?.path)
        settings.storeIsDefault = flags.store == nil && nonEmpty("LOGARCHIVE_STORE") == nil && file?.store == nil
        settings.backoffScale = nonEmpty("LOGARCHIVE_BACKOFF_SCALE")
        // Checked here so that a bad value is refused up front, not when the first retry waits.
        _ = try settings.retryPolicy()
        if let skip = nonEmpty("LOGARCHIVE_FAULT_SKIP") {
            _ = try SettingRanges.faultSkip.parse(skip, source: "LOGARCHIVE_FAULT_SKIP")
        }
        try TreeLinks.refuse(inLogsDirectory: settings.logsDirectory, store: settings.store)
        return settings
    }

    /// Each option from its flag, else its variable, else the config file; each checked naming
    /// where it came from, so a bad value says which flag, variable or key to fix.
    func objectOptions(_ flags: SettingsOverrides, _ file: ConfigFile?) throws(ArchiveError) -> S3ObjectOptions {
        func pick(_ flag: String?, _ flagName: String, _ variable: String, _ configured: String?, _ key: String) -> (String, String)? {
            if let flag { return (flag, flagName) }
            if let env = nonEmpty(variable) { return (env, variable) }
            if let configured { return (configured, "\(key) in \(file?.path ?? "")") }
            return nil
        }
        var options = S3ObjectOptions()
        if let (text, source) = pick(flags.storageClass, "--storage-class", "LOGARCHIVE_STORAGE_CLASS", file?.storageClass, "storage_class") {
            options.storageClass = try S3ObjectOptions.storageClass(text, source: source)
        }
        if let (text, source) = pick(flags.serverSideEncryption, "--sse", "LOGARCHIVE_SSE", file?.serverSideEncryption, "sse") {
            options.serverSideEncryption = try S3ObjectOptions.serverSideEncryption(text, source: source)
        }
        var kmsSource = "--sse-kms-key-id"
        if let (text, source) = pick(flags.sseKMSKeyID, "--sse-kms-key-id", "LOGARCHIVE_SSE_KMS_KEY_ID", file?.sseKMSKeyID, "sse_kms_key_id") {
            options.kmsKeyID = try S3ObjectOptions.kmsKeyID(text, source: source)
            kmsSource = source
        }
        if let (text, source) = pick(flags.tags, "--tags", "LOGARCHIVE_TAGS", file?.tags, "tags") {
            options.tags = try S3ObjectOptions.tags(text, source: source)
        }
        return try options.validated(kmsKeySource: kmsSource)
    }

    static func compressionLevel(_ value: Int, source: String) throws(ArchiveError) -> Int32 {
        Int32(try SettingRanges.compressionLevel.check(value, source: source))
    }

    static func uploadConcurrency(_ value: Int, source: String) throws(ArchiveError) -> Int {
        try SettingRanges.uploadConcurrency.check(value, source: source)
    }

    private func nonEmpty(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    private func boolean(_ name: String) throws(ArchiveError) -> Bool? {
        guard let value = nonEmpty(name) else { return nil }
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw .badInput("invalid \(name) '\(value)': use true or false")
        }
    }

    private func loadConfigFile(_ explicit: String?) throws(ArchiveError) -> ConfigFile? {
        if let explicit {
            let path = Paths.absolute(explicit, relativeTo: currentDirectory)
            // A person's own config may be a link (dotfiles); it is read, never written.
            guard access(path, F_OK) == 0 else { throw .badInput("config file \(path) does not exist") }
            return try ConfigFile.load(path)
        }
        let path = Paths.join(currentDirectory, SettingsResolver.configFileName)
        return access(path, F_OK) == 0 ? try ConfigFile.load(path) : nil
    }
}
