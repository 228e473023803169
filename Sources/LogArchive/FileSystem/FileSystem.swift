import Glibc

/// Directory and rename operations that must reach the disk before the archive moves on. Each
/// goes through `NoFollow`: no component of a path is followed if it is a symlink.
public enum FileSystem {
    /// Whether something (a link included) is at `path`, reached through folders that are not links.
    public static func exists(_ path: String) -> Bool {
        (try? NoFollow.status(path)) != nil
    }

    public static func isDirectory(_ path: String) -> Bool {
        (try? FileStatus.of(path, followSymlinks: true).kind) == .directory
    }

    /// Makes a folder and its missing parents.
    public static func createDirectories(_ path: String, mode: mode_t = 0o755) throws(FileSystemError) {
        if isDirectory(path) { return }
        let parent = Paths.parent(of: path)
        if parent != path, !parent.isEmpty { try createDirectories(parent, mode: mode) }
        try NoFollow.makeFolder(path, mode: mode)
    }

    /// `rename(2)`: atomic replacement on the same file system.
    public static func rename(_ source: String, to destination: String) throws(FileSystemError) {
        try NoFollow.rename(source, to: destination)
    }

    /// Makes a rename or a new entry in `directory` durable.
    public static func syncDirectory(_ directory: String) throws(FileSystemError) {
        let descriptor = try NoFollow.openFolder(directory, for: "open folder")
        defer { _ = close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileSystemError("sync folder", path: directory) }
    }

    public static func remove(_ path: String) throws(FileSystemError) {
        do {
            try NoFollow.unlink(path)
        } catch where error.isNoSuchFile {
            return
        }
    }

    public static func removeIfPresent(_ path: String) {
        try? NoFollow.unlink(path)
    }

    /// Names in a folder, without `.` and `..`, sorted so that every run sees the same order.
    public static func contents(of directory: String) throws(FileSystemError) -> [String] {
        let descriptor = try NoFollow.openFolder(directory, for: "list")
        guard let stream = fdopendir(descriptor) else {
            let failure = FileSystemError("list", path: directory)
            _ = close(descriptor)
            throw failure
        }
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

    /// `path` with the links of its longest existing prefix resolved (`realpath`) and the rest,
    /// not yet created, kept as written: how a folder a person names is taken, once, at start.
    public static func resolvedAncestry(_ path: String) -> String {
        var prefix = path
        var rest: [String] = []
        while true {
            if let resolved = resolvedPath(prefix) {
                return rest.reversed().reduce(resolved) { Paths.join($0, $1) }
            }
            let parent = Paths.parent(of: prefix)
            if parent == prefix || prefix.isEmpty { return path }
            rest.append(Paths.lastComponent(of: prefix))
            prefix = parent
        }
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
        do {
            try NoFollow.makeFolder(probe, mode: 0o700)
        } catch {
            throw FileSystemError("create a folder in", path: directory, errorNumber: error.errorNumber)
        }
        try? NoFollow.removeFolder(probe)
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
        do {
            try NoFollow.link(source, to: destination)
        } catch where !error.isSymlink && [EPERM, ENOTSUP, EXDEV, EMLINK].contains(error.errorNumber) {
            try copyFile(source, to: destination)
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
        try PosixFile.openForReading(path).stream(chunkSize: chunkSize, into: sink)
    }

    /// The whole file, refused up front when its size is over `limit` (a huge or sparse file is
    /// not read into memory first), and again if it grows past `limit` while being read.
    public static func readAll(
        _ path: String, limit: Int = 256 << 20, followingLinks: Bool = false
    ) throws(FileSystemError) -> [UInt8] {
        let file = try PosixFile.openForReading(path, followSymlinks: followingLinks)
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
        try PosixFile.openForReading(path).readPrefix(count)
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
