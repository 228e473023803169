import Foundation

/// A multipart upload: parts of `partSize` bytes stream from the file (never whole-file buffers),
/// several at once, each with its own SHA-256 for the server to check and its own retries.
///
/// With a `resumeRecord` path, each part's digests are recorded there before the first part is
/// sent (`MultipartResumeRecord`), and an upload that a stopped or failed run left is resumed: the
/// parts the store lists (ListParts) whose digests are the recorded ones are kept, the others sent.
/// A failed upload is then left for the next run to resume; it is aborted only when the file
/// changed (the record no longer describes it) or the store's assembled object fails its check.
/// Without one, a failure aborts the upload so no orphan parts stay billed in the bucket.
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
    var resumeRecord: String? = nil
    /// Counts each part's bytes as they are sent.
    var progress: ProgressMeter? = nil

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

    /// A part the store holds in an upload in progress, as ListParts describes it.
    struct ListedPart: Sendable, Equatable {
        let number: Int
        let etag: String
        let size: Int64
        let sha256: String?
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
        let parts = self.parts
        var record: MultipartResumeRecord?
        var uploadID: String?
        var kept: [Int: UploadedPart] = [:]
        if let resumeRecord, let saved = MultipartResumeRecord.read(from: resumeRecord), let savedID = saved.uploadID,
            saved.describes(key: key, size: size, partSize: store.settings.partSize, expected: expected),
            let listed = try? listParts(uploadID: savedID)
        {
            record = saved
            uploadID = savedID
            kept = Self.reusable(listed, of: parts, digests: saved.parts)
        }
        // Uploads of this key this run will not complete can never complete, yet their parts stay
        // billed: before, those a stopped run left (unless resumed); after, one this run started
        // without hearing the answer (a create retried after its response was lost).
        abortStaleUploads(except: uploadID)
        if uploadID == nil { forgetRecord() }
        var resumable = uploadID != nil
        do {
            if uploadID == nil {
                if let resumeRecord {
                    let digests = try Self.digests(of: parts, in: path)
                    record = MultipartResumeRecord(
                        key: key, size: size, partSize: store.settings.partSize, expected: expected, uploadID: nil, parts: digests)
                    resumable = (try? record?.write(to: resumeRecord)) != nil
                }
                uploadID = try create()
                if resumable, let resumeRecord {
                    record?.uploadID = uploadID
                    resumable = (try? record?.write(to: resumeRecord)) != nil
                }
            }
        } catch {
            abortStaleUploads(except: nil)
            forgetRecord()
            throw error
        }
        guard let uploadID else { throw StoreError.verificationFailed(key: key, reason: "the store started no multipart upload") }
        defer { abortStaleUploads(except: uploadID) }
        do {
            let uploaded = try uploadParts(parts, uploadID: uploadID, digests: record?.parts, kept: kept)
            try complete(uploadID: uploadID, parts: uploaded)
            do {
                try verifyComposite(of: uploaded)
            } catch {
                resumable = false  // the assembled object is wrong: resuming would assemble it again
                throw error
            }
            forgetRecord()
            return StoredObject(key: key, size: size, checksum: expected)
        } catch {
            if !resumable {
                // Best effort: the upload failed already, the abort only frees the stored parts.
                _ = try? store.perform("abort multipart upload of \(key)", "DELETE", key: key, query: [("uploadId", uploadID)])
                forgetRecord()
            }
            throw error
        }
    }

    /// Each part's digests, several parts at once: a large file is read at disk speed, not one core's.
    static func digests(of parts: [Part], in path: String) throws -> [MultipartResumeRecord.PartDigest] {
        let results = Locked([Result<MultipartResumeRecord.PartDigest, FileSystemError>?](repeating: nil, count: parts.count))
        DispatchQueue.concurrentPerform(iterations: parts.count) { index in
            let part = parts[index]
            let result = Result { () throws(FileSystemError) in
                try MultipartResumeRecord.PartDigest.of(path, offset: part.offset, length: part.length)
            }
            results.withLock { $0[index] = result }
        }
        return try results.withLock { $0 }.compactMap { try $0?.get() }
    }

    /// The record describes an upload that is complete, aborted or never started.
    private func forgetRecord() {
        if let resumeRecord { FileSystem.removeIfPresent(resumeRecord) }
    }

    private func create() throws -> String {
        let created = try store.perform(
            "start multipart upload of \(key)", "POST", key: key, query: [("uploads", "")],
            headers: [
                ("content-type", S3Store.contentType(for: key)), ("x-amz-checksum-algorithm", "SHA256"),
                ("x-amz-meta-sha256", expected.hex),
            ] + store.settings.objectOptions.headers)
        guard let uploadID = S3XML.value("UploadId", in: Substring(created.bodyText)) else {
            throw StoreError.verificationFailed(key: key, reason: "the store started no multipart upload: \(created.bodyText.prefix(200))")
        }
        return uploadID
    }

    /// The parts of an upload in progress that can stay: the right size, and the store's digest
    /// of them is the recorded one (its SHA-256 where ListParts gives it, else its ETag, S3's MD5
    /// of the part).
    static func reusable(_ listed: [ListedPart], of parts: [Part], digests: [MultipartResumeRecord.PartDigest]) -> [Int: UploadedPart] {
        var kept: [Int: UploadedPart] = [:]
        for stored in listed where stored.number >= 1 && stored.number <= parts.count && stored.number <= digests.count {
            let part = parts[stored.number - 1]
            let digest = digests[stored.number - 1]
            guard stored.size == part.length else { continue }
            let matches: Bool
            if let sha256 = stored.sha256 {
                matches = sha256 == digest.sha256.base64
            } else {
                matches = stored.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased() == digest.md5
            }
            if matches { kept[stored.number] = UploadedPart(number: stored.number, etag: stored.etag, checksum: digest.sha256) }
        }
        return kept
    }

    /// ListParts of `uploadID`, every page; throws when the upload is gone.
    private func listParts(uploadID: String) throws -> [ListedPart] {
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

    /// Uploads of this key in progress other than `kept` can never complete, yet their parts stay
    /// billed. The run lock keeps other runs off this key, so they are aborted; failing
    /// that only leaves them as they were.
    private func abortStaleUploads(except kept: String?) {
        for stale in (try? store.inProgressUploads(of: key)) ?? [] where stale != kept {
            _ = try? store.perform("abort a stopped run's multipart upload of \(key)", "DELETE", key: key, query: [("uploadId", stale)])
        }
    }

    /// Sends the parts not in `kept`, each with its recorded SHA-256 where there is a record (the
    /// store then refuses a part whose bytes changed), and returns all of them in order.
    private func uploadParts(
        _ parts: [Part], uploadID: String, digests: [MultipartResumeRecord.PartDigest]?, kept: [Int: UploadedPart]
    ) throws -> [UploadedPart] {
        let missing = parts.filter { kept[$0.number] == nil }
        let state = PartQueue(count: missing.count)
        let helpers = transfers ?? TransferBudget(limit: max(1, store.settings.parallelParts - 1))
        let crew = PartCrew(queue: state, helpers: helpers) { index in
            let part = missing[index]
            state.finish(index, with: try upload(part, uploadID: uploadID, checksum: digests?[part.number - 1].sha256))
            try FaultPoint.uploadAfterPart.reach()
        }
        crew.work()
        crew.waitForHelpers()
        let sent = Dictionary(uniqueKeysWithValues: try state.result().map { ($0.number, $0) })
        return parts.compactMap { kept[$0.number] ?? sent[$0.number] }
    }

    private func upload(_ part: Part, uploadID: String, checksum recorded: Checksum?) throws -> UploadedPart {
        let checksum = try recorded ?? Checksum.ofRange(path, offset: part.offset, length: part.length)
        let response = try store.perform(
            "upload part \(part.number) of \(key)", "PUT", key: key,
            query: [("partNumber", String(part.number)), ("uploadId", uploadID)],
            headers: [("x-amz-checksum-sha256", checksum.base64)],
            body: .file(path: path, offset: part.offset, length: part.length), payloadHash: checksum.hex, onRetry: onRetry,
            progress: progress)
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
            BlockingThreads.start {
                self.work()
                self.helpers.release()
                self.group.leave()
            }
        }
    }
}

/// Hands out part indexes to the workers and collects their results; the first error stops the rest.
private final class PartQueue: Sendable {
    private struct State {
        var nextIndex = 0
        var results: [MultipartUpload.UploadedPart?]
        var firstError: (any Error)?
    }

    private let state: Locked<State>

    init(count: Int) {
        state = Locked(State(results: Array(repeating: nil, count: count)))
    }

    func next() -> Int? {
        state.withLock { state in
            guard state.firstError == nil, state.nextIndex < state.results.count else { return nil }
            state.nextIndex += 1
            return state.nextIndex - 1
        }
    }

    /// Parts not yet handed out.
    var unclaimed: Int {
        state.withLock { $0.firstError == nil ? $0.results.count - $0.nextIndex : 0 }
    }

    func finish(_ index: Int, with part: MultipartUpload.UploadedPart) {
        state.withLock { $0.results[index] = part }
    }

    func fail(_ error: any Error) {
        state.withLock { state in
            if state.firstError == nil { state.firstError = error }
        }
    }

    func result() throws -> [MultipartUpload.UploadedPart] {
        try state.withLock { state in
            if let firstError = state.firstError { throw firstError }
            return state.results.compactMap { $0 }
        }
    }
}
