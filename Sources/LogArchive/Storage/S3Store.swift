import Foundation
import Logging

/// S3-compatible object storage (AWS S3, Cloudflare R2, MinIO, SeaweedFS, GCS interop) over
/// libcurl with SigV4.
///
/// Every PUT and every part carries `x-amz-content-sha256` (hex, so the signature covers the body)
/// and `x-amz-checksum-sha256` (base64), so the server refuses bytes that were damaged or changed
/// on the way. The whole-file SHA-256 also travels as `x-amz-meta-sha256`, which HEAD returns for
/// verification whether the object went up in one piece or in parts.
public struct S3Store: ObjectStore {
    public let bucket: String
    public let prefix: String
    public private(set) var settings: S3Settings
    /// Signs every request; temporary credentials are refreshed before they expire.
    public let credentials: AWSCredentialProvider
    /// Where the credentials came from (env, profile, ECS, IMDS), for messages and `doctor`.
    public let credentialSource: AWSCredentialSource
    public let retry: RetryPolicy
    private let addressing: S3Addressing
    private let client: HTTPClient

    /// SHA-256 of the empty string: the payload hash of requests without a body.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Finds credentials as the settings' chain says (a metadata service is asked here, once),
    /// or `credentials` when given. `logger` hears each request (`HTTPClient`, the metadata
    /// service's too) and each retry decision.
    public init(
        bucket: String, prefix: String, settings: S3Settings, retry: RetryPolicy, credentials given: AWSCredentialProvider? = nil,
        logger: Logger = .discarding
    ) throws(ArchiveError) {
        let credentials: AWSCredentialProvider
        if let given {
            credentials = given
        } else {
            credentials = try AWSCredentialProvider.make(settings.credentialChain, client: HTTPClient(logger: logger))
        }
        do throws(CredentialFetchError) {
            credentialSource = try credentials.credentials().source
        } catch {
            switch credentials.source {
            case .instanceMetadata:
                // The last place the chain looks: a machine that is not on EC2 lands here.
                throw AWSCredentialProvider.noCredentials(
                    tried: settings.credentialChain.tried + ["IMDS"], detail: error.description)
            default:
                throw .failure("cannot get credentials for the S3 store from \(credentials.sourceDescription): \(error)")
            }
        }
        self.bucket = bucket
        self.prefix = prefix
        self.settings = settings
        var retry = retry
        retry.logger = logger
        self.retry = retry
        client = HTTPClient(logger: logger)
        self.credentials = credentials
        addressing = S3Addressing(endpoint: settings.endpoint, region: settings.region, bucket: bucket)
    }

    /// The same store, writing objects with `options` (a retry, with the first run's).
    public func writing(with options: S3ObjectOptions) -> S3Store {
        var store = self
        store.settings.objectOptions = options
        return store
    }

    public var location: String { "s3://\(bucket)/\(prefix)" }

    public func url(for key: String) -> String { "s3://\(bucket)/\(prefix)\(key)" }

    public func publicURL(for key: String) -> String? {
        settings.publicURLTemplate.map {
            $0.replacingOccurrences(of: "{key}", with: prefix + key).replacingOccurrences(of: "{bucket}", with: bucket)
        }
    }

    private var endpointName: String { settings.endpoint ?? "AWS S3 (\(settings.region))" }

    // MARK: Requests

    private func request(
        _ method: String, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: HTTPRequestBody = .empty, payloadHash: String = S3Store.emptyPayloadHash, stallTimeout: Double? = nil,
        responseBody: HTTPResponseDestination = .memory(limit: 16 << 20), progress: ProgressMeter? = nil
    ) throws(CredentialFetchError) -> HTTPRequest {
        let url = addressing.url(key: key.map { prefix + $0 } ?? "", query: query)
        let current = try credentials.credentials()
        let signing = AWSSigning(
            accessKeyID: current.accessKeyID, secretAccessKey: current.secretAccessKey, sessionToken: current.sessionToken,
            region: settings.region)
        var request = HTTPRequest(
            method: method, url: url,
            headers: [(name: "x-amz-content-sha256", value: payloadHash)] + headers.map { (name: $0.0, value: $0.1) },
            body: body, signing: signing, stallTimeoutSeconds: stallTimeout ?? settings.stallTimeoutSeconds,
            responseBody: responseBody)
        request.progress = progress
        return request
    }

    /// Performs with the retry rules; a non-2xx answer becomes an `S3Error`.
    private func send(
        _ operation: String, onRetry: RetryObserver? = nil, _ make: (_ stallTimeout: Double) throws -> HTTPRequest
    ) throws -> HTTPResponse {
        try retry.run(
            stallTimeout: settings.stallTimeoutSeconds, classify: classify,
            onRetry: { attempt, error, delay in onRetry?(attempt, error, delay) }
        ) { attempt, stallTimeout in
            var request = try make(stallTimeout)
            request.attempt = attempt
            let response = try client.perform(request)
            guard (200..<300).contains(response.status) else {
                let error = S3Error(response: response, operation: operation)
                // Temporary credentials the service already counts as expired (clocks differ):
                // the next attempt fetches new ones.
                if error.code == "ExpiredToken" { credentials.invalidate() }
                throw error
            }
            return response
        }
    }

    /// S3's rules, and an ExpiredToken is worth another attempt when fresh credentials can be
    /// fetched for it.
    private func classify(_ error: any Error) -> RetryPolicy.FailureClass {
        if let error = error as? S3Error, error.code == "ExpiredToken", credentials.refreshes { return .network }
        return RetryPolicy.classifyS3(error)
    }

    // MARK: ObjectStore

    public func checkWritable(onRetry: RetryObserver?) throws(ArchiveError) {
        do {
            // A listing names the real problem (SignatureDoesNotMatch, NoSuchBucket) where HEAD has no
            // body. Transient failures are retried; refused credentials and unknown buckets are not.
            _ = try send("list s3://\(bucket)/\(prefix)", onRetry: onRetry) { stallTimeout in
                try request("GET", key: nil, query: [("list-type", "2"), ("max-keys", "1"), ("prefix", prefix)], stallTimeout: stallTimeout)
            }
        } catch let error as S3Error {
            switch error.code {
            case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "AuthorizationHeaderMalformed":
                throw .failure(
                    "the store at \(endpointName) refused the credentials from \(credentialSource) (\(error.code)): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"
                )
            case "NoSuchBucket":
                throw .failure("the bucket '\(bucket)' does not exist at \(endpointName)")
            case "AccessDenied":
                throw .failure("access to s3://\(bucket)/\(prefix) is denied for the key \((try? credentials.credentials().accessKeyID) ?? "?"): \(error.message)")
            default:
                throw .failure("the store s3://\(bucket)/\(prefix) cannot be used: \(error)")
            }
        } catch let error as HTTPTransportError {
            throw .failure("cannot reach the S3 endpoint \(endpointName): \(error.message)")
        } catch {
            throw .failure("cannot reach the S3 endpoint \(endpointName): \(error)")
        }
    }

    /// A single PUT's answer carries the server's own SHA-256 of what it stored when the server
    /// keeps one (it verified the `x-amz-checksum-sha256` the PUT carried): that answer is the
    /// read-back, and the object is `confirmedByStore`.
    public func put(
        fileAt path: String, key: String, expected: Checksum, size: Int64, transfers: TransferBudget?,
        resumeRecord: String?, progress: ProgressMeter?, onRetry: RetryObserver?
    ) throws -> StoredObject {
        if size > settings.multipartThreshold {
            return try MultipartUpload(
                store: self, path: path, key: key, expected: expected, size: size, transfers: transfers, onRetry: onRetry,
                resumeRecord: resumeRecord, progress: progress
            ).run()
        }
        let response = try send("upload \(key)", onRetry: onRetry) { stallTimeout in
            try request(
                "PUT", key: key,
                headers: [
                    ("content-type", S3Store.contentType(for: key)), ("x-amz-checksum-sha256", expected.base64),
                    ("x-amz-meta-sha256", expected.hex),
                ] + settings.objectOptions.headers,
                body: .file(path: path, offset: 0, length: size), payloadHash: expected.hex, stallTimeout: stallTimeout,
                progress: progress)
        }
        guard let answered = response.header("x-amz-checksum-sha256") else {
            return StoredObject(key: key, size: size, checksum: expected)
        }
        guard let checksum = Checksum(base64: answered), checksum == expected else {
            throw StoreError.verificationFailed(key: key, reason: "the store answered with SHA-256 \(answered), not \(expected.base64)")
        }
        return StoredObject(key: key, size: size, checksum: checksum, confirmedByStore: true)
    }

    public func beginStreamedUpload(key: String, sourceSize: Int64, transfers: TransferBudget, onRetry: RetryObserver?) throws
        -> StreamedMultipartUpload?
    {
        guard streamsUploads(ofSize: sourceSize) else { return nil }
        return try StreamedMultipartUpload(store: self, key: key, transfers: transfers, onRetry: onRetry)
    }

    public func streamsUploads(ofSize sourceSize: Int64) -> Bool { sourceSize > settings.multipartThreshold }

    public func abortUnfinishedUploads(of key: String) {
        MultipartRequests(store: self, key: key).abortStaleUploads(except: nil)
    }

    public func put(bytes: [UInt8], key: String) throws {
        let checksum = Checksum.of(bytes)
        _ = try send("upload \(key)") { stallTimeout in
            try request(
                "PUT", key: key,
                headers: [
                    ("content-type", S3Store.contentType(for: key)), ("x-amz-checksum-sha256", checksum.base64),
                    ("x-amz-meta-sha256", checksum.hex),
                ] + settings.objectOptions.headers,
                body: .bytes(bytes), payloadHash: checksum.hex, stallTimeout: stallTimeout)
        }
    }

    public func head(key: String) throws -> StoredObject? {
        do {
            let response = try send("inspect \(key)") { stallTimeout in
                try request("HEAD", key: key, headers: [("x-amz-checksum-mode", "ENABLED")], stallTimeout: stallTimeout)
            }
            guard let length = response.header("content-length").flatMap(Int64.init) else {
                throw StoreError.verificationFailed(key: key, reason: "the store gave no size")
            }
            // The server's own checksum of a single-part object, else the one stored with it. An
            // object sent in parts as it was compressed has neither: its composite identifies it.
            let multipart = Self.isMultipart(etag: response.header("etag"))
            let own = multipart ? nil : response.header("x-amz-checksum-sha256")
            let checksum = own.flatMap(Checksum.init(base64:)) ?? response.header("x-amz-meta-sha256").flatMap { Checksum($0) }
            let composite = multipart ? response.header("x-amz-checksum-sha256") : nil
            guard checksum != nil || composite != nil else {
                throw StoreError.verificationFailed(key: key, reason: "the store gave no SHA-256 for it")
            }
            return StoredObject(key: key, size: length, checksum: checksum, composite: composite)
        } catch let error as S3Error where error.status == 404 {
            return nil
        }
    }

    /// A multipart object's ETag is "<MD5 of the parts' MD5s>-<part count>". Its checksum is then a
    /// composite of the parts' digests, never the file's SHA-256, even where the server writes it
    /// without AWS's "-N" suffix (moto 5.2 does, and sends no x-amz-checksum-type either).
    static func isMultipart(etag: String?) -> Bool {
        guard let etag, let dash = etag.lastIndex(of: "-") else { return false }
        let count = etag[etag.index(after: dash)...].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return !count.isEmpty && count.allSatisfy(\.isNumber)
    }

    public func get(key: String, to path: String) throws {
        do {
            _ = try send("download \(key)") { stallTimeout in
                try request("GET", key: key, stallTimeout: stallTimeout, responseBody: .file(path: path))
            }
        } catch let error as S3Error {
            FileSystem.removeIfPresent(path)
            throw error
        }
    }

    public func read(key: String, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var delivered: Int64 = 0
        do {
            _ = try retry.run(stallTimeout: settings.stallTimeoutSeconds, classify: classify) { attempt, stallTimeout in
                // A retry starts the object again: skip what an interrupted attempt already handed on.
                var skip = delivered
                var get = try request("GET", key: key, stallTimeout: stallTimeout)
                get.attempt = attempt
                let response = try client.perform(get) { chunk in
                    var chunk = chunk
                    if skip > 0 {
                        let skipped = Int(min(Int64(chunk.count), skip))
                        skip -= Int64(skipped)
                        chunk = UnsafeRawBufferPointer(rebasing: chunk[skipped...])
                        if chunk.isEmpty { return }
                    }
                    try sink(chunk)
                    delivered += Int64(chunk.count)
                }
                guard (200..<300).contains(response.status) else {
                    let error = S3Error(response: response, operation: "download \(key)")
                    if error.code == "ExpiredToken" { credentials.invalidate() }
                    throw error
                }
                return response
            }
        } catch let error as S3Error where error.status == 404 {
            throw StoreError.missing(key: key)
        }
    }

    public func list(prefix listPrefix: String) throws -> [ListedObject] {
        var objects: [ListedObject] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix + listPrefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try send("list \(listPrefix)") { stallTimeout in
                try request("GET", key: nil, query: query, stallTimeout: stallTimeout)
            }
            let xml = Substring(response.bodyText)
            for contents in S3XML.elements("Contents", in: xml) {
                guard let key = S3XML.value("Key", in: contents), key.hasPrefix(prefix) else { continue }
                let size = S3XML.value("Size", in: contents).flatMap(Int64.init) ?? 0
                objects.append(ListedObject(key: String(key.dropFirst(prefix.count)), size: size))
            }
            token = S3XML.value("IsTruncated", in: xml) == "true" ? S3XML.value("NextContinuationToken", in: xml) : nil
        } while token != nil
        return objects
    }

    public func delete(key: String) throws {
        do {
            _ = try send("delete \(key)") { stallTimeout in try request("DELETE", key: key, stallTimeout: stallTimeout) }
        } catch let error as S3Error where error.status == 404 {
            return
        }
    }

    static func contentType(for key: String) -> String {
        if key.hasSuffix(".gz") { return "application/gzip" }
        if key.hasSuffix(".json") { return "application/json" }
        if key.hasSuffix(".md") { return "text/markdown; charset=utf-8" }
        return "text/plain; charset=utf-8"
    }

    // MARK: Multipart

    /// The IDs of the multipart uploads of `key` that were started and neither completed nor
    /// aborted (at most 100 pages of them: a server that never stops paging is not followed).
    func inProgressUploads(of key: String) throws -> [String] {
        var uploadIDs: [String] = []
        var markers: [(String, String)] = []
        for _ in 0..<100 {
            // Sorted by name: libcurl signs the query exactly as given.
            let query = (markers + [("prefix", prefix + key), ("uploads", "")]).sorted { $0.0 < $1.0 }
            let response = try send("list multipart uploads of \(key)") { stallTimeout in
                try request("GET", key: nil, query: query, stallTimeout: stallTimeout)
            }
            let xml = Substring(response.bodyText)
            for upload in S3XML.elements("Upload", in: xml) where S3XML.value("Key", in: upload) == prefix + key {
                if let id = S3XML.value("UploadId", in: upload) { uploadIDs.append(id) }
            }
            guard S3XML.value("IsTruncated", in: xml) == "true", let nextKey = S3XML.value("NextKeyMarker", in: xml),
                let nextID = S3XML.value("NextUploadIdMarker", in: xml)
            else { break }
            markers = [("key-marker", nextKey), ("upload-id-marker", nextID)]
        }
        return uploadIDs
    }

    /// Sends one signed request with the retry rules; used by the multipart upload.
    func perform(
        _ operation: String, _ method: String, key: String, query: [(String, String)], headers: [(String, String)] = [],
        body: HTTPRequestBody = .empty, payloadHash: String = S3Store.emptyPayloadHash, onRetry: RetryObserver? = nil,
        progress: ProgressMeter? = nil
    ) throws -> HTTPResponse {
        try send(operation, onRetry: onRetry) { stallTimeout in
            try request(
                method, key: key, query: query, headers: headers, body: body, payloadHash: payloadHash, stallTimeout: stallTimeout,
                progress: progress)
        }
    }
}
