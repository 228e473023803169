import Glibc

/// An open file descriptor with the few operations the archive needs, each turning a failed
/// system call into a `FileSystemError` that names the path. Closed on `deinit` if not before.
public final class PosixFile {
    public let path: String
    public private(set) var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }

    /// Opens for reading without following a symlink in any component (`NoFollow`) unless asked
    /// (a file a person keeps as a link outside the trees: the config, AWS credentials), and
    /// without blocking on a FIFO.
    public static func openForReading(_ path: String, followSymlinks: Bool = false) throws(FileSystemError)
        -> PosixFile
    {
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK
        let descriptor = followSymlinks ? Glibc.open(path, flags) : try NoFollow.open(path, flags: flags)
        guard descriptor >= 0 else { throw FileSystemError("open", path: path) }
        let file = PosixFile(path: path, descriptor: descriptor)
        // Reads should block normally once we know it is a regular file.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return file
    }

    /// Opens for reading the file `collected` describes, and only it: the descriptor's device and
    /// inode must be the ones taken when it was collected, so a log swapped for another file (or
    /// a link) between collect and this open is refused rather than read.
    public static func openForReading(_ path: String, expecting collected: FileStatus?) throws(FileSystemError)
        -> PosixFile
    {
        let file = try openForReading(path)
        guard let collected else { return file }
        let opened = try file.status()
        guard opened.device == collected.device, opened.inode == collected.inode else {
            throw FileSystemError(
                "read (it was replaced by another file after it was collected)", path: path, errorNumber: ESTALE)
        }
        return file
    }

    /// Creates a new file that must not exist yet (`O_EXCL`), so two writers never share a temporary.
    public static func createExclusive(_ path: String, mode: mode_t = 0o644) throws(FileSystemError) -> PosixFile {
        try open(path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode)
    }

    /// Opens for appending (`O_APPEND`: each write lands at the end, whoever else appends),
    /// creating the file when asked.
    public static func openForAppending(_ path: String, create: Bool) throws(FileSystemError) -> PosixFile {
        try open(path, flags: O_WRONLY | O_APPEND | (create ? O_CREAT : 0))
    }

    /// Opens for reading and writing in place (not appending: `write(_:at:)` lands where it is told).
    public static func openForUpdating(_ path: String) throws(FileSystemError) -> PosixFile {
        try open(path, flags: O_RDWR)
    }

    /// A descriptor this process already has (a pipe's end), closed with the returned file.
    public static func adopting(_ descriptor: Int32, describedAs path: String) -> PosixFile {
        PosixFile(path: path, descriptor: descriptor)
    }

    /// `open(2)` through `NoFollow`: no component may be a symlink.
    public static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(FileSystemError) -> PosixFile {
        let operation = flags & O_CREAT != 0 ? "create" : "open"
        let descriptor = try NoFollow.open(path, flags: flags, mode: mode, for: operation)
        return PosixFile(path: path, descriptor: descriptor)
    }

    /// Reads up to `buffer.count` bytes; 0 means end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileSystemError) -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw FileSystemError("read", path: path)
        }
    }

    /// Hands the rest of the file to `sink` in chunks of up to `chunkSize` bytes, never holding
    /// more: the one loop that streams a file (`FileSystem.stream`, checksums, copies, gzip).
    public func stream(chunkSize: Int = 1 << 20, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try read(into: buffer)
            if count == 0 { break }
            try sink(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`, leaving the file position alone; 0 at the end.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(FileSystemError) -> Int {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw FileSystemError("read", path: path)
        }
    }

    /// The file's first `count` bytes, or fewer when it is shorter; the file position is left alone.
    public func readPrefix(_ count: Int) throws(FileSystemError) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        while filled < count {
            let read = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), at: Int64(filled))
            if read == 0 { break }
            filled += read
        }
        return Array(buffer[0..<filled])
    }

    /// Writes all of `bytes`, retrying short writes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileSystemError) {
        if let failure = writeAsMuch(bytes).failure { throw failure }
    }

    /// Writes as much of `bytes` as the file takes: the count written, and the error that stopped
    /// it, nil when every byte landed. A failure after a short write leaves exactly
    /// `bytes[written...]` unwritten, for the caller to keep.
    public func writeAsMuch(_ bytes: UnsafeRawBufferPointer) -> (written: Int, failure: FileSystemError?) {
        PosixFile.writeAsMuch(bytes, to: descriptor, describedAs: path)
    }

    /// The same, to a descriptor this process holds and this type does not own (standard output),
    /// so that it is never closed here; `path` names it in the error.
    public static func writeAsMuch(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, describedAs path: String)
        -> (written: Int, failure: FileSystemError?)
    {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                return (offset, FileSystemError("write", path: path))
            }
            offset += count
        }
        return (offset, nil)
    }

    public enum LockKind {
        /// Many holders at once: appenders.
        case shared
        /// One holder: rotation, the session log's closing, the index.
        case exclusive

        var operation: Int32 { self == .shared ? LOCK_SH : LOCK_EX }
    }

    /// Waits for a `flock` of `kind` on the file. The kernel drops it when the file is closed or
    /// the process dies, so a killed holder never leaves it held.
    public func lock(_ kind: LockKind) throws(FileSystemError) {
        while flock(descriptor, kind.operation) != 0 {
            guard errno == EINTR else { throw FileSystemError("lock", path: path) }
        }
    }

    /// Takes a `flock` of `kind` only if nobody holds a conflicting one; false when someone does.
    public func tryLock(_ kind: LockKind) -> Bool {
        flock(descriptor, kind.operation | LOCK_NB) == 0
    }

    public func unlock() {
        _ = flock(descriptor, LOCK_UN)
    }

    public func write(_ bytes: [UInt8]) throws(FileSystemError) {
        var failure: FileSystemError?
        bytes.withUnsafeBytes { buffer in
            do throws(FileSystemError) { try write(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes all of `bytes` at `offset` (`pwrite`, retrying short writes and EINTR), leaving the
    /// file position alone. On an `O_APPEND` descriptor Linux appends instead: open without it.
    public func write(_ bytes: [UInt8], at offset: Int64) throws(FileSystemError) {
        var failure: FileSystemError?
        bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let count = pwrite(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + Int64(done)))
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = FileSystemError("write", path: path)
                    return
                }
                done += count
            }
        }
        if let failure { throw failure }
    }

    public func sync() throws(FileSystemError) {
        guard fsync(descriptor) == 0 else { throw FileSystemError("sync", path: path) }
    }

    public func status() throws(FileSystemError) -> FileStatus {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileSystemError("inspect", path: path) }
        return FileStatus(info)
    }

    public func truncate(to length: Int64) throws(FileSystemError) {
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw FileSystemError("truncate", path: path) }
    }

    public func close() throws(FileSystemError) {
        guard descriptor >= 0 else { return }
        let result = Glibc.close(descriptor)
        descriptor = -1
        // close after a successful fsync reports deferred write errors (NFS, full disks).
        guard result == 0 else { throw FileSystemError("close", path: path) }
    }
}

/// A file open for reading that several threads read at once, each at its own offset (`pread`
/// keeps no shared position). It stays readable after the file is renamed or unlinked: parts of a
/// `.gz` still being written are sent from its temporary name, which is renamed when it is done.
/// Closed when the last holder lets go.
public final class SharedReadFile: @unchecked Sendable {
    let file: PosixFile

    public init(_ path: String) throws(FileSystemError) {
        file = try PosixFile.openForReading(path)
    }

    public var path: String { file.path }
}
