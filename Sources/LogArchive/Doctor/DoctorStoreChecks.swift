import Glibc

extension Doctor {
    /// A clock this far from the store's is worth a warning: still signed fine, but drifting.
    public static let clockWarningSeconds: Double = 60
    /// SigV4 requests signed more than 15 minutes from the server's clock are refused
    /// (RequestTimeTooSkewed).
    public static let clockFailureSeconds: Double = 15 * 60

    /// The store (PUT, HEAD and DELETE of a probe object) and the clock against its `Date`.
    func storeChecks(_ settings: Settings) -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        do {
            // Opened first: where its credentials came from is the opened store's to say.
            let store = try settings.openStore(
                environment: context.environment, logger: context.logger, retry: try Doctor.retryPolicy(settings))
            checks.append(probe(store, description: storeDescription(settings, store: store)))
        } catch {
            let description = storeDescription(settings, store: nil)
            checks.append(
                .failed("store", "\(description): \(error.message)", fix: Self.storeFix(forMessage: error.message)))
        }
        checks.append(clockCheck(settings))
        return checks
    }

    /// The store, and for S3 its endpoint, region and where the credentials came from.
    func storeDescription(_ settings: Settings, store: (any ObjectStore)?) -> String {
        switch settings.store {
        case .local(let path):
            return "the local store \(path)" + (settings.storeIsDefault ? " (the default)" : "")
        case .s3(let bucket, let prefix):
            let endpoint = settings.s3.endpoint ?? "AWS S3"
            let credentials = StoreCredentials.describe(settings.s3, store: store)
            return
                "s3://\(bucket)/\(prefix) at \(endpoint), region \(settings.s3.region), credentials from \(credentials)"
        }
    }

    /// Writes a small object, reads it back, deletes it. A local store folder that did not exist
    /// is removed again, so that a check leaves nothing behind.
    func probe(_ store: any ObjectStore, description: String) -> DoctorCheck {
        let stamp = Int64(context.clock())
        let key = "logarchive-doctor-probe-\(stamp)-\(getpid())"
        let bytes = Array("logarchive doctor probe: safe to delete\n".utf8)
        // A local store folder that does not exist yet is created by the probe: removed again after.
        var existing: String?
        if let local = store as? LocalDirectoryStore, !FileSystem.exists(local.root) { existing = local.root }
        while let folder = existing, !FileSystem.exists(folder), Paths.parent(of: folder) != folder {
            existing = Paths.parent(of: folder)
        }
        defer {
            if let local = store as? LocalDirectoryStore, let existing {
                Self.removeFolders(from: local.root, upTo: existing)
            }
        }
        var step = "write (PUT)"
        do {
            try store.put(bytes: bytes, key: key)
            step = "read back (HEAD)"
            guard let stored = try store.head(key: key) else {
                return .failed(
                    "store", "\(description): the probe object was written but the store does not have it",
                    fix: "check that the endpoint is S3-compatible and keeps what it accepts")
            }
            guard stored.holds(size: Int64(bytes.count), checksum: Checksum.of(bytes), parts: nil) else {
                try? store.delete(key: key)
                return .failed(
                    "store",
                    "\(description): the probe object read back differs (\(stored.size) bytes, \(stored.checksumDescription))",
                    fix: "check the endpoint is S3-compatible and nothing rewrites objects on the way")
            }
            step = "delete (DELETE)"
            try store.delete(key: key)
        } catch {
            if step != "write (PUT)" { try? store.delete(key: key) }
            let message = Self.describe(error)
            return .failed(
                "store", "\(description): cannot \(step) a probe object: \(message)", fix: Self.storeFix(for: error))
        }
        return .ok("store", "\(description): a probe object was written, read back and deleted")
    }

    /// Removes `folder` and its parents below `existing` while they are empty.
    static func removeFolders(from folder: String, upTo existing: String) {
        var folder = folder
        while folder != existing, folder.hasPrefix(existing), rmdir(folder) == 0 {
            folder = Paths.parent(of: folder)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? S3Error {
            return "HTTP \(error.status) \(error.code)" + (error.message.isEmpty ? "" : ": \(error.message)")
        }
        if let error = error as? HTTPTransportError { return error.message }
        return "\(error)"
    }

    static func storeFix(for error: any Error) -> String? {
        if let error = error as? S3Error {
            switch error.code {
            case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "AuthorizationHeaderMalformed":
                return
                    "the store refused the credentials: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (in CI, the secrets the workflow passes as env) and that they belong to this endpoint"
            case "ExpiredToken":
                return "the session credentials expired: get new ones (AWS_SESSION_TOKEN)"
            case "RequestTimeTooSkewed":
                return "this machine's clock is too far from the store's: see the clock check"
            case "NoSuchBucket":
                return "create the bucket, or correct the name in --store (config store, LOGARCHIVE_STORE)"
            case "AccessDenied":
                return
                    "grant the key s3:PutObject, s3:GetObject, s3:DeleteObject and s3:ListBucket on the bucket and prefix"
            case "PermanentRedirect", "AuthorizationQueryParametersError", "IllegalLocationConstraintException":
                return "the bucket is in another region: set AWS_REGION (config s3_region) to the bucket's"
            default:
                return "see the store's answer above"
            }
        }
        if error is HTTPTransportError {
            return
                "check the endpoint (AWS_ENDPOINT_URL_S3, config s3_endpoint) and that this machine can reach it (firewall, proxy, DNS)"
        }
        if error is FileSystemError {
            return "give this user write access to the store folder, or choose another with --store"
        }
        return nil
    }

    static func storeFix(forMessage message: String) -> String {
        if message.contains("credentials") || message.contains("AWS_ACCESS_KEY_ID") {
            return
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (in CI, from the repository's secrets) or AWS_PROFILE, or run where ECS or EC2 instance metadata gives a role"
        }
        return "correct the store (--store, LOGARCHIVE_STORE or config store) or the setting the message names"
    }

    // MARK: The clock

    /// The local clock against the `Date` header of an unsigned request to the S3 endpoint: it
    /// answers (an error, usually) whatever the credentials, so a skew is named even when it is
    /// why the signed probe failed.
    func clockCheck(_ settings: Settings) -> DoctorCheck {
        guard case .s3(let bucket, _) = settings.store else {
            return .ok("clock", "not needed: the local store signs no requests")
        }
        let url = S3Addressing(endpoint: settings.s3.endpoint, region: settings.s3.region, bucket: bucket).url(key: "")
        let before = context.clock()
        let response: HTTPResponse
        do {
            response = try context.http.perform(
                HTTPRequest(method: "HEAD", url: url, stallTimeoutSeconds: 10, connectTimeoutSeconds: 10))
        } catch {
            return .warning(
                "clock", "not checked: the store did not answer (\(error.message))",
                fix: "make the endpoint reachable (see the store check), then check again")
        }
        let after = context.clock()
        guard let header = response.header("date"), let serverTime = Self.httpDate(header) else {
            return .warning(
                "clock", "not checked: the store's answer carries no Date header",
                fix:
                    "make sure this machine's clock is synchronised (timedatectl, chrony or ntpd): SigV4 fails beyond 15 minutes"
            )
        }
        // Date has whole seconds: the server's second started at most 1 s before the answer.
        let local = (before + after) / 2
        let skew = Double(serverTime) + 0.5 - local
        let size = abs(skew)
        let direction = skew > 0 ? "behind" : "ahead of"
        let amount = DurationText.format(seconds: Int64(size.rounded()))
        if size > Self.clockFailureSeconds {
            return .failed(
                "clock",
                "this machine's clock is \(amount) \(direction) the store's (its Date: \(header)): S3 refuses requests signed more than 15 minutes off",
                fix: "synchronise the clock (timedatectl set-ntp true, chronyd or ntpd; in a container, the host's)")
        }
        if size > Self.clockWarningSeconds {
            return .warning(
                "clock",
                "this machine's clock is \(amount) \(direction) the store's (its Date: \(header)); S3 refuses requests beyond 15 minutes",
                fix: "synchronise the clock (timedatectl set-ntp true, chronyd or ntpd)")
        }
        return .ok("clock", "within \(max(1, Int(size.rounded()))) s of the store's (Date header)")
    }

    /// Seconds since the epoch of an HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110's
    /// preferred form, the one S3 servers send).
    static func httpDate(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]) else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let monthIndex = months.firstIndex(of: String(parts[2])) else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3, (1...31).contains(day), (0...23).contains(time[0]), (0...59).contains(time[1]),
            (0...60).contains(time[2])
        else { return nil }
        let days = UTCTimestamp.daysSinceEpoch(year: year, month: monthIndex + 1, day: day)
        return days * 86400 + Int64(time[0] * 3600 + time[1] * 60 + time[2])
    }
}
