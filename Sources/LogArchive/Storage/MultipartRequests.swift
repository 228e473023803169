import Foundation

/// The S3 requests of one key's multipart uploads, each sent with the store's retry rules: the
/// building blocks of `MultipartUpload` (a file that is complete) and `StreamedMultipartUpload`
/// (a file still being written).
struct MultipartRequests: Sendable {
    let store: S3Store
    let key: String

    struct UploadedPart: Sendable, Equatable {
        let number: Int
        let etag: String
        let checksum: Checksum
    }

    /// A part the store holds in an upload in progress, as ListParts describes it.
    struct ListedPart: Sendable, Equatable {
        let number: Int
        let etag: String
        let size: Int64
        let sha256: String?
    }

    /// Starts an upload; `wholeObject` is stored as `x-amz-meta-sha256` where it is known before the
    /// first part is sent.
    func create(wholeObject: Checksum?) throws -> String {
        let metadata = wholeObject.map { [("x-amz-meta-sha256", $0.hex)] } ?? []
        let created = try store.perform(
            "start multipart upload of \(key)", "POST", key: key, query: [("uploads", "")],
            headers: [("content-type", S3Store.contentType(for: key)), ("x-amz-checksum-algorithm", "SHA256")] + metadata
                + store.settings.objectOptions.headers)
        guard let uploadID = S3XML.value("UploadId", in: Substring(created.bodyText)) else {
            throw StoreError.verificationFailed(key: key, reason: "the store started no multipart upload: \(created.bodyText.prefix(200))")
        }
        return uploadID
    }

    /// Sends one part with its SHA-256, which the store checks against the bytes it receives.
    func uploadPart(
        _ number: Int, uploadID: String, body: HTTPRequestBody, checksum: Checksum, onRetry: RetryObserver?, progress: ProgressMeter?
    ) throws -> UploadedPart {
        let response = try store.perform(
            "upload part \(number) of \(key)", "PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
            headers: [("x-amz-checksum-sha256", checksum.base64)], body: body, payloadHash: checksum.hex, onRetry: onRetry,
            progress: progress)
        guard let etag = response.header("etag") else {
            throw StoreError.verificationFailed(key: key, reason: "part \(number) got no ETag")
        }
        return UploadedPart(number: number, etag: etag, checksum: checksum)
    }

    func complete(uploadID: String, parts: [UploadedPart], onRetry: RetryObserver?) throws {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts {
            xml += "<Part><ETag>\(S3XML.escape(part.etag))</ETag><PartNumber>\(part.number)</PartNumber>"
            xml += "<ChecksumSHA256>\(part.checksum.base64)</ChecksumSHA256></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let body = Array(xml.utf8)
        let response = try store.perform(
            "complete multipart upload of \(key)", "POST", key: key, query: [("uploadId", uploadID)],
            headers: [("content-type", "application/xml")], body: .bytes(body), payloadHash: Checksum.of(body).hex,
            onRetry: onRetry)
        // S3 can answer 200 and still report a failure in the body.
        if S3XML.value("Code", in: Substring(response.bodyText)) != nil, response.bodyText.contains("<Error>") {
            throw S3Error(
                response: HTTPResponse(status: 500, headers: response.headers, body: response.body),
                operation: "complete multipart upload of \(key)")
        }
    }

    /// Compares the store's composite checksum of the assembled object with the parts' digests.
    /// Returns false when the store keeps none (not every server does): then nothing was proven.
    func verifyComposite(of parts: [UploadedPart]) throws -> Bool {
        let response = try store.perform("inspect \(key)", "HEAD", key: key, query: [], headers: [("x-amz-checksum-mode", "ENABLED")])
        guard let stored = response.header("x-amz-checksum-sha256") else { return false }
        let composite = CompositeChecksum(parts: parts.map(\.checksum))
        guard composite.matches(stored: stored) else {
            throw StoreError.verificationFailed(key: key, reason: "the store's composite checksum \(stored) is not the parts' \(composite)")
        }
        return true
    }

    /// Best effort: frees the parts of an upload that will not complete.
    func abort(uploadID: String, _ why: String = "abort multipart upload of") {
        _ = try? store.perform("\(why) \(key)", "DELETE", key: key, query: [("uploadId", uploadID)])
    }

    /// Uploads of this key in progress other than `kept` can never complete, yet their parts stay
    /// billed. The run lock keeps other runs off this key, so they are aborted; failing
    /// that only leaves them as they were.
    func abortStaleUploads(except kept: String?) {
        for stale in (try? store.inProgressUploads(of: key)) ?? [] where stale != kept {
            abort(uploadID: stale, "abort a stopped run's multipart upload of")
        }
    }

    /// ListParts of `uploadID`, every page; throws when the upload is gone.
    func listParts(uploadID: String) throws -> [ListedPart] {
        var listed: [ListedPart] = []
        var marker: String?
        for _ in 0..<100 {
            // Sorted by name: libcurl signs the query exactly as given.
            let query = ([("uploadId", uploadID)] + (marker.map { [("part-number-marker", $0)] } ?? [])).sorted { $0.0 < $1.0 }
            let response = try store.perform("list the stored parts of \(key)", "GET", key: key, query: query)
            let xml = Substring(response.bodyText)
            for part in S3XML.elements("Part", in: xml) {
                guard let number = S3XML.value("PartNumber", in: part).flatMap(Int.init), let etag = S3XML.value("ETag", in: part),
                    let size = S3XML.value("Size", in: part).flatMap(Int64.init)
                else { continue }
                listed.append(ListedPart(number: number, etag: etag, size: size, sha256: S3XML.value("ChecksumSHA256", in: part)))
            }
            guard S3XML.value("IsTruncated", in: xml) == "true", let next = S3XML.value("NextPartNumberMarker", in: xml) else { break }
            marker = next
        }
        return listed
    }
}
