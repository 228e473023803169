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

    typealias UploadedPart = MultipartRequests.UploadedPart
    typealias ListedPart = MultipartRequests.ListedPart

    var requests: MultipartRequests { MultipartRequests(store: store, key: key) }

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
            let listed = try? requests.listParts(uploadID: savedID)
        {
            record = saved
            uploadID = savedID
            kept = Self.reusable(listed, of: parts, digests: saved.parts, in: path)
        }
        // Uploads of this key this run will not complete can never complete, yet their parts stay
        // billed: before, those a stopped run left (unless resumed); after, one this run started
        // without hearing the answer (a create retried after its response was lost).
        requests.abortStaleUploads(except: uploadID)
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
                uploadID = try requests.create(wholeObject: expected)
                if resumable, let resumeRecord {
                    record?.uploadID = uploadID
                    resumable = (try? record?.write(to: resumeRecord)) != nil
                }
            }
        } catch {
            requests.abortStaleUploads(except: nil)
            forgetRecord()
            throw error
        }
        guard let uploadID else { throw StoreError.verificationFailed(key: key, reason: "the store started no multipart upload") }
        defer { requests.abortStaleUploads(except: uploadID) }
        do {
            let uploaded = try uploadParts(parts, uploadID: uploadID, digests: record?.parts, kept: kept)
            try requests.complete(uploadID: uploadID, parts: uploaded, onRetry: onRetry)
            let confirmed: Bool
            do {
                confirmed = try requests.verifyComposite(of: uploaded)
            } catch {
                resumable = false  // the assembled object is wrong: resuming would assemble it again
                throw error
            }
            forgetRecord()
            // The store verified each part's SHA-256 and assembled exactly those parts: as good as a read-back.
            return StoredObject(key: key, size: size, checksum: expected, confirmedByStore: confirmed)
        } catch {
            if !resumable {
                // Best effort: the upload failed already, the abort only frees the stored parts.
                requests.abort(uploadID: uploadID)
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

    /// The parts of an upload in progress that can stay: the right size, and the store's digest
    /// of them is the part's (its SHA-256 against the recorded one where ListParts gives it, else
    /// its ETag, S3's MD5 of the part, against the part's MD5; see `MultipartResumeRecord`).
    static func reusable(
        _ listed: [ListedPart], of parts: [Part], digests: [MultipartResumeRecord.PartDigest], in path: String
    ) -> [Int: UploadedPart] {
        var kept: [Int: UploadedPart] = [:]
        for stored in listed where stored.number >= 1 && stored.number <= parts.count && stored.number <= digests.count {
            let part = parts[stored.number - 1]
            let digest = digests[stored.number - 1]
            guard stored.size == part.length else { continue }
            let matches: Bool
            if let sha256 = stored.sha256 {
                matches = sha256 == digest.sha256.base64
            } else {
                let md5 = digest.md5 ?? (try? MultipartResumeRecord.md5(of: path, offset: part.offset, length: part.length))
                matches = md5 != nil && stored.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased() == md5
            }
            if matches { kept[stored.number] = UploadedPart(number: stored.number, etag: stored.etag, checksum: digest.sha256) }
        }
        return kept
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
        return try requests.uploadPart(
            part.number, uploadID: uploadID, body: .file(path: path, offset: part.offset, length: part.length), checksum: checksum,
            onRetry: onRetry, progress: progress)
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
