import Crypto
import Foundation

/// An object sent in parts while its bytes are still being written: a large log's gzip, part by
/// part as the encoder finishes each, so that compressing and uploading overlap instead of adding
/// up (a 1 GB log at a 50 ms round trip: 7 s of compression, then 5 s of upload, before).
///
/// It hears the file as it is written (`started(writing:)`, then `wrote(_:)` for each chunk once it
/// is on disk), hashes each part as it goes by, and queues the part the moment its last byte is
/// written. Parts are read back from the file, never held in memory: a crew of threads sends them,
/// each taking a slot of the run's `transfers` budget for the part it sends, so the run's
/// connections stay within its concurrency.
///
/// Its metadata is fixed when the upload starts, before the last byte exists, so the object
/// carries no `x-amz-meta-sha256`: the store knows it by the composite of its parts' digests
/// (`CompositeChecksum`), which the index records. A part that fails after its retries stops the
/// rest; the caller then aborts this upload and sends the finished file the ordinary way.
public final class StreamedMultipartUpload: CompressedOutputObserver, @unchecked Sendable {
    public let key: String
    private let requests: MultipartRequests
    private let uploadID: String
    private let partSize: Int64
    private let transfers: TransferBudget
    private let onRetry: RetryObserver?
    private let condition = NSCondition()
    private let crew = DispatchGroup()

    // The writer's side, touched only by the thread that writes the file.
    private var file: SharedReadFile?
    private var written: Int64 = 0
    private var partStart: Int64 = 0
    private var partHasher = SHA256()
    private var digests: [Checksum] = []

    // Shared with the crew, under `condition`.
    private var queued: [(number: Int, offset: Int64, length: Int64, checksum: Checksum)] = []
    private var inputClosed = false
    private var sent: [Int: MultipartRequests.UploadedPart] = [:]
    private var firstError: (any Error)?
    /// Completed or aborted: nothing more to free.
    private var settled = false

    /// Starts the upload (after aborting any a stopped run left under `key`) and its crew.
    init(store: S3Store, key: String, transfers: TransferBudget, onRetry: RetryObserver?) throws {
        self.key = key
        requests = MultipartRequests(store: store, key: key)
        partSize = store.settings.partSize
        self.transfers = transfers
        self.onRetry = onRetry
        requests.abortStaleUploads(except: nil)
        uploadID = try requests.create(wholeObject: nil)
        for _ in 0..<transfers.limit {
            crew.enter()
            BlockingThreads.start { [self] in
                sendQueuedParts()
                crew.leave()
            }
        }
    }

    // MARK: The file as it is written

    /// The file now exists at `temporary`; it is opened once, so a rename when it is done does
    /// not stop the parts still to be read from it.
    public func started(writing temporary: String) throws {
        file = try SharedReadFile(temporary)
    }

    /// `chunk` has been written to the file, after everything before it.
    public func wrote(_ chunk: UnsafeRawBufferPointer) {
        var rest = chunk
        while !rest.isEmpty {
            let room = Int(partStart + partSize - written)
            let taken = UnsafeRawBufferPointer(rebasing: rest.prefix(room))
            partHasher.update(bufferPointer: taken)
            written += Int64(taken.count)
            rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(taken.count))
            if written == partStart + partSize { queuePart() }
        }
    }

    /// The file is complete: its last part is queued, and the composite of all the parts' digests
    /// is known (the crew may still be sending).
    public func closeInput() -> CompositeChecksum {
        if written > partStart || digests.isEmpty { queuePart() }
        condition.lock()
        inputClosed = true
        condition.broadcast()
        condition.unlock()
        return CompositeChecksum(parts: digests)
    }

    private func queuePart() {
        let checksum = Checksum(digest: partHasher.finalize())
        partHasher = SHA256()
        digests.append(checksum)
        condition.lock()
        queued.append((digests.count, partStart, written - partStart, checksum))
        condition.signal()
        condition.unlock()
        partStart = written
    }

    // MARK: Sending

    private func sendQueuedParts() {
        while let part = nextPart() {
            transfers.acquire()
            defer { transfers.release() }
            do {
                // Set before the first part was queued, under the same lock.
                guard let file else { throw StoreError.verificationFailed(key: key, reason: "a part was queued before its file was opened") }
                try FaultPoint.streamPart.reach()
                let uploaded = try requests.uploadPart(
                    part.number, uploadID: uploadID, body: .openFile(file, offset: part.offset, length: part.length),
                    checksum: part.checksum, onRetry: onRetry, progress: nil)
                condition.lock()
                sent[part.number] = uploaded
                condition.unlock()
            } catch {
                condition.lock()
                if firstError == nil { firstError = error }
                queued.removeAll()
                condition.unlock()
            }
        }
    }

    /// The next part to send; nil once the input is closed and every part handed out, or a part failed.
    private func nextPart() -> (number: Int, offset: Int64, length: Int64, checksum: Checksum)? {
        condition.lock()
        defer { condition.unlock() }
        while queued.isEmpty && !inputClosed && firstError == nil { condition.wait() }
        guard firstError == nil, !queued.isEmpty else { return nil }
        return queued.removeFirst()
    }

    // MARK: Completing

    /// Waits for every part, assembles the object and verifies it: by the store's composite
    /// checksum of the parts it verified, or, from a store that keeps none, by reading it back.
    /// `expected` is the SHA-256 of the whole file, `size` its length. Throws, leaving the upload
    /// for `abort`, when a part failed or the assembled object is not the file.
    public func complete(expected: Checksum, size: Int64) throws -> StoredObject {
        crew.wait()
        condition.lock()
        let failure = firstError
        let parts = sent
        condition.unlock()
        if let failure { throw failure }
        guard written == size, parts.count == digests.count else {
            throw StoreError.verificationFailed(key: key, reason: "\(parts.count) of \(digests.count) parts were sent for \(written) of \(size) bytes")
        }
        let ordered = (1...digests.count).compactMap { parts[$0] }
        try requests.complete(uploadID: uploadID, parts: ordered, onRetry: onRetry)
        condition.lock()
        settled = true
        condition.unlock()
        // A create retried after its answer was lost started an upload nobody will complete.
        requests.abortStaleUploads(except: uploadID)
        let composite = CompositeChecksum(parts: digests)
        if try requests.verifyComposite(of: ordered) {
            return StoredObject(key: key, size: size, checksum: expected, composite: composite.description, confirmedByStore: true)
        }
        var hasher = SHA256()
        var readBack: Int64 = 0
        try requests.store.read(key: key) { chunk in
            hasher.update(bufferPointer: chunk)
            readBack += Int64(chunk.count)
        }
        let found = Checksum(digest: hasher.finalize())
        guard readBack == size, found == expected else {
            throw StoreError.verificationFailed(key: key, reason: "read back \(readBack) bytes with \(found), expected \(size) bytes with \(expected)")
        }
        return StoredObject(key: key, size: size, checksum: expected, composite: composite.description, confirmedByStore: true)
    }

    /// Stops sending and frees what the store holds of this upload (best effort); nothing once it
    /// is completed or aborted already.
    public func abort() {
        condition.lock()
        if settled {
            condition.unlock()
            return
        }
        settled = true
        if firstError == nil { firstError = StoreError.verificationFailed(key: key, reason: "the streamed upload was abandoned") }
        queued.removeAll()
        inputClosed = true
        condition.broadcast()
        condition.unlock()
        crew.wait()
        requests.abort(uploadID: uploadID)
        requests.abortStaleUploads(except: nil)
    }
}
