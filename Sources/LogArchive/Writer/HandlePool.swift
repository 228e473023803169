import Synchronization

import Glibc

/// Open `O_APPEND` files of the writer's files, at most `limit` at once. Used by the
/// flusher thread alone; the counts may be read from anywhere.
final class HandlePool: @unchecked Sendable {
    private struct Handle {
        let file: PosixFile
        var lastUse: UInt64
    }

    private let limit: Int
    private let idleTimeout: Double
    private var open: [String: Handle] = [:]
    private let openGauge = Atomic<Int>(0)
    private let evictionCount = Atomic<Int64>(0)

    init(limit: Int, idleTimeout: Double) {
        self.limit = max(1, limit)
        self.idleTimeout = idleTimeout
    }

    var openCount: Int { openGauge.load(ordering: .relaxed) }
    var evictions: Int64 { evictionCount.load(ordering: .relaxed) }

    func file(for path: String) throws(FileSystemError) -> PosixFile {
        let now = MonotonicClock.nanoseconds()
        if let handle = open[path] {
            open[path]?.lastUse = now
            return handle.file
        }
        if open.count >= limit { evictLeastRecentlyUsed(1) }
        let file = try openForAppend(path)
        open[path] = Handle(file: file, lastUse: now)
        openGauge.store(open.count, ordering: .relaxed)
        return file
    }

    /// Opens for appending, creating the folders; when the process is out of descriptors, gives
    /// back half of ours and tries again.
    private func openForAppend(_ path: String) throws(FileSystemError) -> PosixFile {
        var createdFolders = false
        while true {
            do {
                return try PosixFile.openForAppending(path, create: true)
            } catch {
                let failure = error.errorNumber
                if failure == EINTR { continue }
                if (failure == EMFILE || failure == ENFILE), !open.isEmpty {
                    evictLeastRecentlyUsed(max(1, open.count / 2))
                    continue
                }
                if failure == ENOENT, !createdFolders {
                    createdFolders = true
                    try FileSystem.createDirectories(Paths.parent(of: path))
                    continue
                }
                throw FileSystemError("open for appending", path: path, errorNumber: failure)
            }
        }
    }

    private func evictLeastRecentlyUsed(_ count: Int) {
        let victims = open.sorted { $0.value.lastUse < $1.value.lastUse }.prefix(count)
        for (path, handle) in victims {
            try? handle.file.close()
            open[path] = nil
            evictionCount.add(1, ordering: .relaxed)
        }
        openGauge.store(open.count, ordering: .relaxed)
    }

    func closeIdle() {
        let cutoff = MonotonicClock.nanoseconds() &- UInt64(idleTimeout * 1e9)
        for (path, handle) in open where handle.lastUse < cutoff {
            try? handle.file.close()
            open[path] = nil
        }
        openGauge.store(open.count, ordering: .relaxed)
    }

    func closeAll() {
        for handle in open.values { try? handle.file.close() }
        open = [:]
        openGauge.store(0, ordering: .relaxed)
    }
}
