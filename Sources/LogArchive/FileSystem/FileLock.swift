import Glibc

/// An exclusive `flock` on a lock file that holds the owner's pid: an index file's (`IndexLock`)
/// or an issue's run (`IssueRunLock`). The kernel drops a flock when its process dies, so a lock
/// left by a killed run is never held: it is stale by construction and the next run takes it.
public final class FileLock {
    public let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { release() }

    /// Waits up to `timeoutSeconds` for the lock.
    public static func acquire(at path: String, timeoutSeconds: Double = 120, guarding what: String = "the archive index")
        throws(ArchiveError) -> FileLock
    {
        let deadline = MonotonicClock.nanoseconds() + UInt64(timeoutSeconds * 1e9)
        var pause: UInt32 = 2_000
        while true {
            // Never through a link: a planted `x.lock -> /elsewhere` would be truncated and written.
            let descriptor: Int32
            do {
                descriptor = try NoFollow.open(path, flags: O_RDWR | O_CREAT, mode: 0o644, for: "open the lock")
            } catch {
                throw .failure("\(error)", cause: error)
            }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
                // Whoever held it before may have deleted the file: then this lock guards nothing.
                var held = stat()
                if fstat(descriptor, &held) == 0, held.st_mode & S_IFMT == S_IFREG,
                    let current = try? NoFollow.status(path), held.st_ino == current.st_ino, held.st_dev == current.st_dev
                {
                    let pid = Array("\(getpid())\n".utf8)
                    _ = ftruncate(descriptor, 0)
                    _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
                    return FileLock(path: path, descriptor: descriptor)
                }
                close(descriptor)
                continue
            }
            let failure = errno
            close(descriptor)
            guard failure == EWOULDBLOCK || failure == EINTR else {
                throw .failure("cannot lock \(path): \(String(cString: strerror(failure)))")
            }
            if MonotonicClock.nanoseconds() > deadline {
                let holder = (try? FileSystem.readAll(path, limit: 64)).map { String(decoding: $0, as: UTF8.self) }
                let pid = holder?.trimmingWhitespace() ?? ""
                throw .failure(
                    "\(what) is locked by another logarchive run\(pid.isEmpty ? "" : " (pid \(pid))"); gave up after \(Int(timeoutSeconds)) s"
                )
            }
            usleep(pause)
            pause = min(pause * 2, 100_000)
        }
    }

    /// Removes the lock file while still holding it (so nobody else can be inside), then unlocks.
    public func release() {
        guard descriptor >= 0 else { return }
        try? NoFollow.unlink(path)
        close(descriptor)
        descriptor = -1
    }
}
