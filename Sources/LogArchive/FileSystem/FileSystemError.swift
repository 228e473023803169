import Glibc

/// A failed system call on a path, with the operation and the system's reason.
public struct FileSystemError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let errorNumber: Int32

    public init(_ operation: String, path: String, errorNumber: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.errorNumber = errorNumber
    }

    public var isNoSuchFile: Bool { errorNumber == ENOENT }
    public var isNoSpace: Bool { errorNumber == ENOSPC || errorNumber == EDQUOT || errorNumber == EFBIG }

    public var description: String {
        let reason = String(cString: strerror(errorNumber))
        return "cannot \(operation) \(path): \(reason)"
    }
}
