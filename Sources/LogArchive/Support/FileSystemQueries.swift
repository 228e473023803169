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
            throw .failure("cannot list \(folder): \(error)")
        }
    }
}
