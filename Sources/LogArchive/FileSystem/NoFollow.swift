import Glibc

/// The one rule for every path the archive opens, creates, renames, links or deletes: no
/// component of it is followed if it is a symlink. Each folder on the way is opened with
/// `openat(pathOnly | O_DIRECTORY | O_NOFOLLOW)` from the one before, and the last component is
/// acted on relative to its folder's descriptor (`openat` with `O_NOFOLLOW`, `renameat`,
/// `unlinkat`, `mkdirat`, `linkat`), so a link planted or swapped in at any moment is refused by
/// the kernel rather than by an earlier `lstat` that a race could outrun.
///
/// The folders a person names (the logs dir, the store, `rotate`'s file) may be reached through
/// links: they are resolved once, at start (`FileSystem.resolvedAncestry`), and from there on
/// the paths the archive builds inside them hold no link. Files outside any tree that a person
/// keeps as links (the config file, AWS credentials) are read with `followingLinks: true`.
public enum NoFollow {
    /// `O_PATH` (Linux): a folder opened only to walk through, which needs no read permission.
    /// Glibc's module hides it behind `_GNU_SOURCE`; the value is the kernel's, the same on every
    /// architecture Swift builds for on Linux.
    private static let pathOnly: Int32 = 0o10000000
    /// A folder descriptor for `path`'s parent and the last component, for an `*at` call.
    struct Parent: ~Copyable {
        let descriptor: Int32
        let name: String
        deinit { _ = close(descriptor) }
    }

    static func parent(of path: String, for operation: String) throws(FileSystemError) -> Parent {
        var components = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let name = components.popLast() ?? "."
        let descriptor = try folder(components, absolute: path.hasPrefix("/"), whole: path, for: operation)
        return Parent(descriptor: descriptor, name: name)
    }

    /// Opens the folders `components` in turn without following a link; the last one's descriptor.
    private static func folder(_ components: [String], absolute: Bool, whole: String, for operation: String)
        throws(FileSystemError) -> Int32
    {
        var descriptor = Glibc.open(absolute ? "/" : ".", pathOnly | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(operation, path: whole) }
        var reached = absolute ? "" : "."
        for component in components where component != "." {
            reached = reached.isEmpty && absolute ? "/" + component : Paths.join(reached, component)
            let next = openat(descriptor, component, pathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 {
                let failure = errno
                let isLink = isSymlink(component, in: descriptor)
                _ = close(descriptor)
                if isLink { throw FileSystemError.symlink(operation, path: reached) }
                throw FileSystemError(
                    operation, path: failure == ENOENT || failure == ENOTDIR ? whole : reached, errorNumber: failure)
            }
            _ = close(descriptor)
            descriptor = next
        }
        return descriptor
    }

    private static func isSymlink(_ name: String, in folder: Int32) -> Bool {
        var info = stat()
        return fstatat(folder, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & S_IFMT == S_IFLNK
    }

    /// Turns a failed call on the last component into the error to throw: a link is named as one.
    private static func failure(_ operation: String, path: String, in parent: borrowing Parent, errorNumber: Int32)
        -> FileSystemError
    {
        if errorNumber == ELOOP || errorNumber == ENOTDIR || errorNumber == EEXIST || errorNumber == EMLINK,
            isSymlink(parent.name, in: parent.descriptor)
        {
            return .symlink(operation, path: path)
        }
        return FileSystemError(operation, path: path, errorNumber: errorNumber)
    }

    /// `open(2)` with `O_NOFOLLOW` on every component. A link at the last one fails with ELOOP.
    public static func open(_ path: String, flags: Int32, mode: mode_t = 0o644, for operation: String = "open")
        throws(FileSystemError) -> Int32
    {
        let parent = try parent(of: path, for: operation)
        let descriptor = openat(parent.descriptor, parent.name, flags | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure(operation, path: path, in: parent, errorNumber: errno) }
        return descriptor
    }

    /// The status of the file itself (a link is reported as one, never followed), reached
    /// through folders that are not links.
    public static func status(_ path: String) throws(FileSystemError) -> stat {
        let parent = try parent(of: path, for: "inspect")
        var info = stat()
        guard fstatat(parent.descriptor, parent.name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw FileSystemError("inspect", path: path)
        }
        return info
    }

    /// Removes a file (or a link itself, never its target).
    public static func unlink(_ path: String) throws(FileSystemError) {
        let parent = try parent(of: path, for: "delete")
        guard unlinkat(parent.descriptor, parent.name, 0) == 0 else { throw FileSystemError("delete", path: path) }
    }

    /// Removes `path` only while it is still the file `identity` was taken of: the clean stage
    /// never deletes something put in place of what it archived. (Linux has no unlink by
    /// descriptor; the check and the unlink are on the same folder descriptor, so a swapped
    /// folder cannot redirect it.)
    public static func unlink(_ path: String, ifStill identity: FileStatus) throws(FileSystemError) {
        let parent = try parent(of: path, for: "delete")
        var info = stat()
        guard fstatat(parent.descriptor, parent.name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw FileSystemError("delete", path: path)
        }
        let current = FileStatus(info)
        guard current.kind == .regular, current.device == identity.device, current.inode == identity.inode else {
            if current.kind == .symlink { throw FileSystemError.symlink("delete", path: path) }
            throw FileSystemError("delete (it was replaced after it was archived)", path: path, errorNumber: ESTALE)
        }
        guard unlinkat(parent.descriptor, parent.name, 0) == 0 else { throw FileSystemError("delete", path: path) }
    }

    public static func removeFolder(_ path: String) throws(FileSystemError) {
        let parent = try parent(of: path, for: "delete folder")
        guard unlinkat(parent.descriptor, parent.name, AT_REMOVEDIR) == 0 else {
            throw FileSystemError("delete folder", path: path)
        }
    }

    public static func rename(_ source: String, to destination: String) throws(FileSystemError) {
        let from = try parent(of: source, for: "rename")
        let to = try parent(of: destination, for: "rename to")
        guard renameat(from.descriptor, from.name, to.descriptor, to.name) == 0 else {
            throw failure("rename to \(destination)", path: source, in: from, errorNumber: errno)
        }
    }

    /// `link(2)` without following a link at `source` (`linkat` with no flags).
    public static func link(_ source: String, to destination: String) throws(FileSystemError) {
        let from = try parent(of: source, for: "link")
        let to = try parent(of: destination, for: "link")
        guard linkat(from.descriptor, from.name, to.descriptor, to.name, 0) == 0 else {
            let failure = errno
            var info = stat()
            if fstatat(from.descriptor, from.name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFLNK {
                throw FileSystemError.symlink("link", path: source)
            }
            throw FileSystemError("link", path: destination, errorNumber: failure)
        }
    }

    /// `mkdir(2)`; an existing folder is fine, an existing link is refused.
    public static func makeFolder(_ path: String, mode: mode_t) throws(FileSystemError) {
        let parent = try parent(of: path, for: "create folder")
        if mkdirat(parent.descriptor, parent.name, mode) == 0 { return }
        let failure = errno
        var info = stat()
        if failure == EEXIST, fstatat(parent.descriptor, parent.name, &info, AT_SYMLINK_NOFOLLOW) == 0 {
            if info.st_mode & S_IFMT == S_IFDIR { return }
            if info.st_mode & S_IFMT == S_IFLNK { throw FileSystemError.symlink("create folder", path: path) }
        }
        throw FileSystemError("create folder", path: path, errorNumber: failure)
    }

    /// A folder opened for listing or syncing (`O_RDONLY | O_DIRECTORY`), never through a link.
    public static func openFolder(_ path: String, for operation: String) throws(FileSystemError) -> Int32 {
        try open(path, flags: O_RDONLY | O_DIRECTORY, for: operation)
    }
}
