import Glibc

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
        guard followSymlinks else { return FileStatus(try NoFollow.status(path)) }
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileSystemError("inspect", path: path) }
        return FileStatus(info)
    }
}
