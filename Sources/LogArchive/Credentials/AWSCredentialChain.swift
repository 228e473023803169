/// Where to look for AWS credentials, in the AWS SDKs' order, as the environment configures it:
/// the environment variables, the shared credentials and config files (a profile), the ECS/EKS
/// container endpoint, and EC2 instance metadata (IMDSv2). Resolved once with the settings; the
/// two network sources are only asked when the store is opened (`AWSCredentialProvider`).
public struct AWSCredentialChain: Sendable {
    /// Credentials the environment or a profile gave: long-lived (or a fixed session), no network.
    public var fixed: AWSCredentials?
    /// The container credentials endpoint, when `AWS_CONTAINER_CREDENTIALS_*_URI` names one.
    public var container: ContainerCredentialsEndpoint?
    /// The instance metadata service, unless `AWS_EC2_METADATA_DISABLED=true`.
    public var instanceMetadata: InstanceMetadataEndpoint?
    /// What was looked at, for the error when nothing was found.
    public var tried: [String]
    /// A mistake in the environment (half a key pair, a missing profile). Kept, not thrown, so
    /// that it stops only the commands that open an S3 store.
    public var problem: String?

    public static let containerHost = "http://169.254.170.2"
    public static let instanceMetadataHost = "http://169.254.169.254"

    public init(
        fixed: AWSCredentials? = nil, container: ContainerCredentialsEndpoint? = nil,
        instanceMetadata: InstanceMetadataEndpoint? = nil, tried: [String] = []
    ) {
        self.fixed = fixed
        self.container = container
        self.instanceMetadata = instanceMetadata
        self.tried = tried
    }

    public static func resolve(environment: [String: String]) -> AWSCredentialChain {
        var chain = AWSCredentialChain()
        do {
            try chain.look(in: environment)
        } catch {
            chain.problem = error.message
        }
        return chain
    }

    private mutating func look(in environment: [String: String]) throws(ArchiveError) {
        func value(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingWhitespace(), !value.isEmpty else { return nil }
            return value
        }
        // 1. The environment.
        let key = value("AWS_ACCESS_KEY_ID")
        let secret = value("AWS_SECRET_ACCESS_KEY")
        switch (key, secret) {
        case (let key?, let secret?):
            fixed = AWSCredentials(
                accessKeyID: key, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"),
                source: .environment)
            return
        case (.some, nil):
            throw .badInput("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: the S3 store needs both")
        case (nil, .some):
            throw .badInput("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: the S3 store needs both")
        case (nil, nil):
            tried.append("env (AWS_ACCESS_KEY_ID)")
        }

        // 2. The shared files: the credentials file first, then the config file's profile.
        let home = value("HOME") ?? "/"
        let credentialsFile = value("AWS_SHARED_CREDENTIALS_FILE") ?? Paths.join(home, ".aws/credentials")
        let configFile = value("AWS_CONFIG_FILE") ?? Paths.join(home, ".aws/config")
        let profile = value("AWS_PROFILE") ?? "default"
        let fromCredentials = SharedCredentialsFile.read(credentialsFile, section: profile)
        let fromConfig = SharedCredentialsFile.read(
            configFile, section: profile == "default" ? "default" : "profile \(profile)")
        for (values, file) in [(fromCredentials, credentialsFile), (fromConfig, configFile)] {
            guard let values, values["aws_access_key_id"] != nil || values["aws_secret_access_key"] != nil else {
                continue
            }
            guard let key = values["aws_access_key_id"], let secret = values["aws_secret_access_key"], !key.isEmpty,
                !secret.isEmpty
            else {
                throw .badInput(
                    "the profile [\(profile)] in \(file) needs both aws_access_key_id and aws_secret_access_key")
            }
            fixed = AWSCredentials(
                accessKeyID: key, secretAccessKey: secret, sessionToken: values["aws_session_token"],
                source: .profile(name: profile, file: file))
            return
        }
        if value("AWS_PROFILE") != nil, fromCredentials == nil, fromConfig == nil {
            // The SDKs stop here too: a named profile that does not exist is a mistake, not a hint.
            throw .badInput(
                "AWS_PROFILE=\(profile) names a profile that is in neither \(credentialsFile) nor \(configFile)")
        }
        tried.append("profile [\(profile)] (\(credentialsFile), \(configFile))")

        // 3. The container endpoint: the relative URI (ECS) first, then the full URI (EKS, custom).
        if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            let path = relative.hasPrefix("/") ? relative : "/" + relative
            container = ContainerCredentialsEndpoint(
                url: AWSCredentialChain.containerHost + path, authorizationToken: nil, authorizationTokenFile: nil)
        } else if let full = value("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            try ContainerCredentialsEndpoint.checkAllowed(full)
            container = ContainerCredentialsEndpoint(
                url: full, authorizationToken: value("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
                authorizationTokenFile: value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"))
        }
        if container != nil {
            // The relative URI may also carry a token (the SDKs send it for either).
            container?.authorizationToken = value("AWS_CONTAINER_AUTHORIZATION_TOKEN")
            container?.authorizationTokenFile = value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
            return
        }
        tried.append("ECS (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI unset)")

        // 4. Instance metadata.
        if value("AWS_EC2_METADATA_DISABLED")?.lowercased() == "true" {
            tried.append("IMDS (disabled by AWS_EC2_METADATA_DISABLED)")
            return
        }
        var endpoint = value("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? AWSCredentialChain.instanceMetadataHost
        guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
            throw .badInput(
                "invalid AWS_EC2_METADATA_SERVICE_ENDPOINT '\(endpoint)': it must start with http:// or https://")
        }
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        instanceMetadata = InstanceMetadataEndpoint(base: endpoint)
        return
    }
}

/// The AWS shared credentials and config files: INI sections of `key = value`.
enum SharedCredentialsFile {
    /// The keys of `[section]`, lower-cased; nil when the file or the section is missing.
    static func read(_ path: String, section wanted: String) -> [String: String]? {
        guard let bytes = try? FileSystem.readAll(path, limit: 1 << 20, followingLinks: true) else { return nil }
        var section: String?
        var found = false
        var values: [String: String] = [:]
        for rawLine in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                // `[profile  name]` and `[ name ]` are read as the SDKs read them.
                section = String(line.dropFirst().dropLast()).split(separator: " ", omittingEmptySubsequences: true)
                    .joined(separator: " ")
                if section == wanted { found = true }
                continue
            }
            guard section == wanted, let equals = line.firstIndex(of: "=") else { continue }
            values[line[..<equals].trimmingWhitespace().lowercased()] = line[line.index(after: equals)...]
                .trimmingWhitespace()
        }
        return found ? values : nil
    }
}
