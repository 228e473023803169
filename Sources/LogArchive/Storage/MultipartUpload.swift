import Foundation

/// A multipart upload: parts of `partSize` bytes stream from the file (never whole-file buffers),
/// several at once, each with its own SHA-256 for the server to check and its own retries. A
/// failure aborts the upload so no orphan parts stay billed in the bucket.
///
/// The calling thread sends parts itself; others join it only with slots of the run's
/// `transfers` budget that are free (without one, up to `parallelParts` in all), so a large file
/// takes the slots that small ones leave idle and never more.
struct MultipartUpload {
    let store: S3Store
    let path: String
    let key: String
    let expected: Checksum
    let size: Int64
    let transfers: TransferBudget?
    let onRetry: RetryObserver?

    struct Part: Sendable {
        let number: Int
        let offset: Int64
        let length: Int64
    }

    struct UploadedPart: Sendable {
        let number: Int
        let etag: String
        let checksum: Checksum
    }

    var parts: [Part] {
        let partSize = store.settings.partSize
        var parts: [Part] = []
        var offset: Int64 = 0
        while offset < size {
            let length = min(partSize, size - offset)
            parts.append(Part(number: parts.count + 1, offset: offset, length: length))
            offset += length
        }
        return parts
    }

    func run() throws -> StoredObject {
        // Before: uploads that a stopped run left. After: one this run started without hearing the
        // answer (a create retried after its response was lost), which nothing else would abort.
        abortStaleUploads()
        defer { abortStaleUploads() }
        let created = try store.perform(
            "start multipart upload of \(key)", "POST", key: key, query: [("uploads", "")],
            headers: [
                ("content-type", S3Store.contentType(for: key)), ("x-amz-checksum-algorithm", "SHA256"),
                ("x-amz-meta-sha256", expected.hex),
            ])
        guard let uploadID = S3XML.value("UploadId", in: Substring(created.bodyText)) else {
            throw StoreError.verificationFailed(key: key, reason: "the store started no multipart upload: \(created.bodyText.prefix(200))")
        }
        do {
            let uploaded = try uploadParts(uploadID: uploadID)
            try complete(uploadID: uploadID, parts: uploaded)
            try verifyComposite(of: uploaded)
            return StoredObject(key: key, size: size, checksum: expected)
        } catch {
            // Best effort: the upload failed already, the abort only frees the stored parts.
            _ = try? store.perform("abort multipart upload of \(key)", "DELETE", key: key, query: [("uploadId", uploadID)])
            throw error
        }
    }

    /// Uploads of this key in progress that this upload will not complete can never complete,
    /// yet their parts stay billed. The run lock keeps other runs off this key, so they
    /// are aborted; failing that only leaves them as they were.
    private func abortStaleUploads() {
        for stale in (try? store.inProgressUploads(of: key)) ?? [] {
            _ = try? store.perform("abort a stopped run's multipart upload of \(key)", "DELETE", key: key, query: [("uploadId", stale)])
        }
    }

    private func uploadParts(uploadID: String) throws -> [UploadedPart] {
        let parts = self.parts
        let state = PartQueue(count: parts.count)
        let helpers = transfers ?? TransferBudget(limit: max(1, store.settings.parallelParts - 1))
        let crew = PartCrew(queue: state, helpers: helpers) { index in
            state.finish(index, with: try upload(parts[index], uploadID: uploadID))
            try FaultPoint.uploadAfterPart.reach()
        }
        crew.work()
        crew.waitForHelpers()
        return try state.result()
    }

    private func upload(_ part: Part, uploadID: String) throws -> UploadedPart {
        let checksum = try Checksum.ofRange(path, offset: part.offset, length: part.length)
        let response = try store.perform(
            "upload part \(part.number) of \(key)", "PUT", key: key,
            query: [("partNumber", String(part.number)), ("uploadId", uploadID)],
            headers: [("x-amz-checksum-sha256", checksum.base64)],
            body: .file(path: path, offset: part.offset, length: part.length), payloadHash: checksum.hex, onRetry: onRetry)
        guard let etag = response.header("etag") else {
            throw StoreError.verificationFailed(key: key, reason: "part \(part.number) got no ETag")
        }
        return UploadedPart(number: part.number, etag: etag, checksum: checksum)
    }

    /// The server's checksum of a multipart object is SHA-256 over the parts' digests: it proves
    /// the server assembled exactly the parts it verified, in order.
    private func verifyComposite(of parts: [UploadedPart]) throws {
        let response = try store.perform("inspect \(key)", "HEAD", key: key, query: [], headers: [("x-amz-checksum-mode", "ENABLED")])
        guard let composite = response.header("x-amz-checksum-sha256") else { return }  // not every server keeps one
        let digest = Checksum.of(parts.flatMap(\.checksum.bytes)).base64
        guard Self.composite(composite, matches: digest, partCount: parts.count) else {
            throw StoreError.verificationFailed(
                key: key, reason: "the store's composite checksum \(composite) is not the parts' \(digest)-\(parts.count)")
        }
    }

    /// AWS writes a composite checksum as "digest-N"; other servers give the digest alone. The
    /// digest must match; the part count only where the server states one.
    static func composite(_ stored: String, matches digest: String, partCount: Int) -> Bool {
        guard let dash = stored.lastIndex(of: "-") else { return stored == digest }
        return stored[..<dash] == digest && stored[stored.index(after: dash)...] == String(partCount)
    }

    private func complete(uploadID: String, parts: [UploadedPart]) throws {
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
            throw S3Error(response: HTTPResponse(status: 500, headers: response.headers, body: response.body), operation: "complete multipart upload of \(key)")
        }
    }
}

/// The threads sending one upload's parts: the caller's, and a helper for each slot of `helpers`
/// free when a part is taken while others are still unclaimed.
private final class PartCrew: @unchecked Sendable {
    let queue: PartQueue
    let helpers: TransferBudget
    let send: @Sendable (Int) throws -> Void
    private let group = DispatchGroup()

    init(queue: PartQueue, helpers: TransferBudget, send: @escaping @Sendable (Int) throws -> Void) {
        self.queue = queue
        self.helpers = helpers
        self.send = send
    }

    func work() {
        while let index = queue.next() {
            recruit()
            do {
                try send(index)
            } catch {
                queue.fail(error)
            }
        }
    }

    func waitForHelpers() { group.wait() }

    private func recruit() {
        var recruited = 0
        while recruited < queue.unclaimed, helpers.tryAcquire() {
            recruited += 1
            group.enter()
            DispatchQueue.global().async {
                self.work()
                self.helpers.release()
                self.group.leave()
            }
        }
    }
}

/// Hands out part indexes to the workers and collects their results; the first error stops the rest.
private final class PartQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private var results: [MultipartUpload.UploadedPart?]
    private var firstError: (any Error)?

    init(count: Int) {
        results = Array(repeating: nil, count: count)
    }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard firstError == nil, nextIndex < results.count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    /// Parts not yet handed out.
    var unclaimed: Int {
        lock.lock()
        defer { lock.unlock() }
        return firstError == nil ? results.count - nextIndex : 0
    }

    func finish(_ index: Int, with part: MultipartUpload.UploadedPart) {
        lock.lock()
        results[index] = part
        lock.unlock()
    }

    func fail(_ error: any Error) {
        lock.lock()
        if firstError == nil { firstError = error }
        lock.unlock()
    }

    func result() throws -> [MultipartUpload.UploadedPart] {
        lock.lock()
        defer { lock.unlock() }
        if let firstError { throw firstError }
        return results.compactMap { $0 }
    }
}
