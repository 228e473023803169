#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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

    /// Opens for reading without following a symlink at the last component unless asked, and
    /// without blocking on a FIFO.
    public static func openForReading(_ path: String, followSymlinks: Bool = true) throws(FileSystemError) -> PosixFile {
        var flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK
        if !followSymlinks { flags |= O_NOFOLLOW }
        let descriptor = Glibc.open(path, flags)
        guard descriptor >= 0 else { throw FileSystemError("open", path: path) }
        let file = PosixFile(path: path, descriptor: descriptor)
        // Reads should block normally once we know it is a regular file.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return file
    }

    /// Creates a new file that must not exist yet (`O_EXCL`), so two writers never share a temporary.
    public static func createExclusive(_ path: String, mode: mode_t = 0o644) throws(FileSystemError) -> PosixFile {
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw FileSystemError("create", path: path) }
        return PosixFile(path: path, descriptor: descriptor)
    }

    public static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(FileSystemError) -> PosixFile {
        let descriptor = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw FileSystemError("open", path: path) }
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

    /// Reads up to `buffer.count` bytes at `offset`, leaving the file position alone; 0 at the end.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(FileSystemError) -> Int {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw FileSystemError("read", path: path)
        }
    }

    /// Writes all of `bytes`, retrying short writes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileSystemError) {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("write", path: path)
            }
            offset += count
        }
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

/// The parts of `stat` the archive relies on. Two statuses with the same identity describe the
/// same, unchanged file: that is how a log that changed mid-run is caught.
public struct FileStatus: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case regular, directory, symlink, fifo, socket, device, other }

    public let kind: Kind
    public let size: Int64
    public let device: UInt64
    public let inode: UInt64
    public let linkCount: UInt64
    public let modificationSeconds: Int64
    public let modificationNanoseconds: Int64
    public let changeSeconds: Int64
    public let changeNanoseconds: Int64

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        case S_IFCHR, S_IFBLK: kind = .device
        default: kind = .other
        }
        size = Int64(info.st_size)
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        linkCount = UInt64(info.st_nlink)
        modificationSeconds = Int64(info.st_mtim.tv_sec)
        modificationNanoseconds = Int64(info.st_mtim.tv_nsec)
        changeSeconds = Int64(info.st_ctim.tv_sec)
        changeNanoseconds = Int64(info.st_ctim.tv_nsec)
    }

    /// Same file, same content as far as the kernel can tell without reading it.
    public func isUnchanged(comparedTo other: FileStatus) -> Bool {
        device == other.device && inode == other.inode && size == other.size
            && modificationSeconds == other.modificationSeconds
            && modificationNanoseconds == other.modificationNanoseconds
    }

    public static func of(_ path: String, followSymlinks: Bool = false) throws(FileSystemError) -> FileStatus {
        var info = stat()
        let result = followSymlinks ? stat(path, &info) : lstat(path, &info)
        guard result == 0 else { throw FileSystemError("inspect", path: path) }
        return FileStatus(info)
    }
}

/// Directory and rename operations that must reach the disk before the archive moves on.
public enum FileSystem {
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        (try? FileStatus.of(path, followSymlinks: true).kind) == .directory
    }

    /// Makes a folder and its missing parents.
    public static func createDirectories(_ path: String, mode: mode_t = 0o755) throws(FileSystemError) {
        if isDirectory(path) { return }
        let parent = Paths.parent(of: path)
        if parent != path, !parent.isEmpty { try createDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw FileSystemError("create folder", path: path) }
    }

    /// `rename(2)`: atomic replacement on the same file system.
    public static func rename(_ source: String, to destination: String) throws(FileSystemError) {
        guard Glibc.rename(source, destination) == 0 else {
            throw FileSystemError("rename to \(destination)", path: source)
        }
    }

    /// Makes a rename or a new entry in `directory` durable.
    public static func syncDirectory(_ directory: String) throws(FileSystemError) {
        let descriptor = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError("open folder", path: directory) }
        defer { _ = Glibc.close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileSystemError("sync folder", path: directory) }
    }

    public static func remove(_ path: String) throws(FileSystemError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw FileSystemError("delete", path: path) }
    }

    public static func removeIfPresent(_ path: String) {
        _ = unlink(path)
    }

    /// Names in a folder, without `.` and `..`, sorted so that every run sees the same order.
    public static func contents(of directory: String) throws(FileSystemError) -> [String] {
        guard let stream = opendir(directory) else { throw FileSystemError("list", path: directory) }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The canonical absolute path with every symlink resolved, or nil if it does not resolve.
    public static func resolvedPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    public static func isWritableDirectory(_ path: String) -> Bool {
        isDirectory(path) && access(path, W_OK | X_OK) == 0
    }

    /// The bytes this process may still write on the file system holding `path` (root may use
    /// the blocks reserved for it); nil when that cannot be asked.
    public static func freeBytes(at path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let blocks = geteuid() == 0 ? info.f_bfree : info.f_bavail
        return Int64(blocks) * Int64(info.f_frsize)
    }

    /// Makes and removes a folder in `directory`: `access(2)` says yes where the kernel still
    /// refuses to create anything (`/proc` and `/sys` as root, some FUSE and network mounts).
    public static func probeCreating(in directory: String) throws(FileSystemError) {
        let probe = Paths.join(directory, ".logarchive-probe-\(getpid())")
        guard mkdir(probe, 0o700) == 0 || errno == EEXIST else { throw FileSystemError("create a folder in", path: directory) }
        _ = rmdir(probe)
    }

    /// Copies a file's bytes; used for the index backup, which must be synced before we rely on it.
    public static func copyFile(_ source: String, to destination: String) throws(FileSystemError) {
        let input = try PosixFile.openForReading(source)
        FileSystem.removeIfPresent(destination)
        let output = try PosixFile.createExclusive(destination)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try input.read(into: buffer)
            if count == 0 { break }
            try output.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        try output.sync()
        try output.close()
    }

    /// Gives `source`'s bytes a second name. A hard link costs no copy and no fsync (the bytes are
    /// the old file's, already on disk), which matters for an index backup made on every write; a
    /// file system without hard links gets a synced copy instead.
    public static func linkOrCopy(_ source: String, to destination: String) throws(FileSystemError) {
        FileSystem.removeIfPresent(destination)
        if Glibc.link(source, destination) == 0 { return }
        switch errno {
        case EPERM, ENOTSUP, EXDEV, EMLINK: try copyFile(source, to: destination)
        default: throw FileSystemError("link", path: destination)
        }
    }

    /// Hands the bytes `offset..<offset+length` of a file to `sink` in chunks of 256 KiB (a
    /// multipart part), read with `pread`; a file that got shorter is an error.
    public static func streamRange(
        _ path: String, offset: Int64, length: Int64, into sink: (UnsafeRawBufferPointer) -> Void
    ) throws(FileSystemError) {
        let file = try PosixFile.openForReading(path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { buffer.deallocate() }
        var position = offset
        var remaining = length
        while remaining > 0 {
            let wanted = Int(min(Int64(buffer.count), remaining))
            let count = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]), at: position)
            if count == 0 { throw FileSystemError("read (the file got shorter)", path: path, errorNumber: EIO) }
            sink(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            position += Int64(count)
            remaining -= Int64(count)
        }
    }

    /// Hands a file's bytes to `sink` in chunks of `chunkSize`, never holding more.
    public static func stream(_ path: String, chunkSize: Int = 1 << 20, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let file = try PosixFile.openForReading(path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try file.read(into: buffer)
            if count == 0 { break }
            try sink(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// The whole file, refused up front when its size is over `limit` (a huge or sparse file is
    /// not read into memory first), and again if it grows past `limit` while being read.
    public static func readAll(_ path: String, limit: Int = 256 << 20) throws(FileSystemError) -> [UInt8] {
        let file = try PosixFile.openForReading(path)
        let size = try file.status().size
        if size > Int64(limit) {
            throw FileSystemError(
                "read (it is \(ByteCount.format(size)), over the \(ByteCount.format(Int64(limit))) this reads)", path: path,
                errorNumber: EFBIG)
        }
        // Read straight into an array of the file's size: growing one 64 KiB at a time copied a
        // 2 MB index shard about twenty times over, and faulted in every copy's pages.
        var bytes = [UInt8](repeating: 0, count: Int(size) + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                // Grown since the size was taken: keep reading, within the limit.
                if filled > limit { throw FileSystemError("read (larger than \(limit) bytes)", path: path, errorNumber: EFBIG) }
                bytes.append(contentsOf: repeatElement(0, count: max(1 << 16, filled / 2)))
            }
            let count = try bytes.withUnsafeMutableBytes { buffer in
                Result { () throws(FileSystemError) in try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])) }
            }.get()
            if count == 0 { break }
            filled += count
        }
        if filled > limit { throw FileSystemError("read (larger than \(limit) bytes)", path: path, errorNumber: EFBIG) }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// Whether the file holds exactly `expected`, compared a block at a time without reading it
    /// into memory whole.
    public static func contentEquals(_ path: String, _ expected: [UInt8]) throws(FileSystemError) -> Bool {
        let file = try PosixFile.openForReading(path)
        guard try file.status().size == Int64(expected.count) else { return false }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        while true {
            let count = try file.read(into: buffer)
            if count == 0 { return offset == expected.count }
            guard offset + count <= expected.count else { return false }
            let same = expected.withUnsafeBytes { memcmp($0.baseAddress! + offset, buffer.baseAddress!, count) == 0 }
            guard same else { return false }
            offset += count
        }
    }

    /// At most the first `count` bytes: for a header (front matter) of a file of any size.
    public static func readPrefix(_ path: String, count: Int) throws(FileSystemError) -> [UInt8] {
        let file = try PosixFile.openForReading(path)
        var bytes: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        defer { buffer.deallocate() }
        while bytes.count < count {
            let read = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(count - bytes.count)]))
            if read == 0 { break }
            bytes.append(contentsOf: buffer[0..<read])
        }
        return bytes
    }

    /// Writes a whole small file durably: tmp name, fsync, rename, folder fsync.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileSystemError) {
        let temporary = path + ".tmp-\(getpid())"
        FileSystem.removeIfPresent(temporary)
        do {
            let file = try PosixFile.createExclusive(temporary)
            try file.write(bytes)
            try file.sync()
            try file.close()
            try rename(temporary, to: path)
            try syncDirectory(Paths.parent(of: path))
        } catch {
            FileSystem.removeIfPresent(temporary)
            throw error
        }
    }
}

/// String path helpers: the archive works with POSIX paths, not URLs, because file names may be
/// any bytes but `/` and NUL.
public enum Paths {
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    public static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    public static func join(_ base: String, _ component: String) -> String {
        if base.hasSuffix("/") { return base + component }
        return base + "/" + component
    }

    /// An absolute, normalised path (`.` and `..` folded) without resolving symlinks.
    public static func absolute(_ path: String, relativeTo base: String) -> String {
        let full = path.hasPrefix("/") ? path : join(base, path)
        var parts: [Substring] = []
        for part in full.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    public static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "/" }
        defer { free(cwd) }
        return String(cString: cwd)
    }

    /// `child` relative to `base` when it lies inside it, else nil.
    public static func relative(_ child: String, to base: String) -> String? {
        let prefix = base.hasSuffix("/") ? base : base + "/"
        guard child.hasPrefix(prefix) else { return child == base ? "" : nil }
        return String(child.dropFirst(prefix.count))
    }
}
