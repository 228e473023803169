extension FileSystem {
    /// Whether `path` still names the file `status` was taken of (same device and inode).
    public static func isSameFile(_ path: String, as status: FileStatus) -> Bool {
        guard let current = try? FileStatus.of(path) else { return false }
        return current.device == status.device && current.inode == status.inode
    }
}

extension FileSystem {
    /// A folder's names, sorted, or an error a person can act on.
    public static func names(in folder: String) throws(ArchiveError) -> [String] {
        do {
            return try contents(of: folder)
        } catch {
            throw .failure("cannot list \(folder): \(error)", cause: error)
        }
    }
}

extension FileSystem {
    /// Each folder under `root`, itself first, with its names sorted. `.git`, the `skipped` folders
    /// and symlinks to folders are not entered.
    public static func walkFolders(
        in root: String, skipping skipped: Set<String> = [], _ visit: (_ folder: String, _ names: [String]) throws(ArchiveError) -> Void
    ) throws(ArchiveError) {
        let names = try FileSystem.names(in: root)
        try visit(root, names)
        for name in names where name != ".git" {
            let path = Paths.join(root, name)
            guard !skipped.contains(path), (try? FileStatus.of(path))?.kind == .directory else { continue }
            try walkFolders(in: path, skipping: skipped, visit)
        }
    }
}
