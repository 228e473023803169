import Glibc

/// A failed system call on a path, with the operation and the system's reason.
public struct FileSystemError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let errorNumber: Int32
    /// `path` is a symlink where the archive follows none (`NoFollow`): bad input, exit 64.
    public let isSymlink: Bool

    public init(_ operation: String, path: String, errorNumber: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.errorNumber = errorNumber
        isSymlink = false
    }

    private init(symlinkAt path: String, operation: String) {
        self.operation = operation
        self.path = path
        errorNumber = ELOOP
        isSymlink = true
    }

    public static func symlink(_ operation: String, path: String) -> FileSystemError {
        FileSystemError(symlinkAt: path, operation: operation)
    }

    public var isNoSuchFile: Bool { errorNumber == ENOENT }
    public var isNoSpace: Bool { errorNumber == ENOSPC || errorNumber == EDQUOT || errorNumber == EFBIG }

    public var description: String {
        if isSymlink {
            return "cannot \(operation) \(path): it is a symlink, and logarchive follows no symlink inside the logs dir "
                + "or the store; remove it"
        }
        let reason = String(cString: strerror(errorNumber))
        return "cannot \(operation) \(path): \(reason)"
    }
}
