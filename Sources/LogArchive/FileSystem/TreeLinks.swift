/// Refuses, before any command changes anything, a symlink where the archive keeps its own files:
/// in the logs dir, every `.archive-*` name (the index, its `.tmp`, `.backup` and `.lock`, the
/// `.archive-index/` folder and each file in it, issue locks, journals, multipart records,
/// manifest temporaries) and the type folders; in a local store, its folders down to the issues'.
/// `NoFollow` already makes every operation on such a path fail rather than follow the link; this
/// check makes the refusal a clean one (exit 64, the path named, nothing written first) instead of
/// a failure halfway through a run. A link planted after it is still refused by `NoFollow`.
public enum TreeLinks {
    public static func refuse(inLogsDirectory logs: String, store: StoreLocation) throws(ArchiveError) {
        if FileSystem.isDirectory(logs) {
            let names = (try? FileSystem.contents(of: logs)) ?? []
            let folders = Set(LogType.allCases.map(\.folder))
            for name in names where name.hasPrefix(".archive") || folders.contains(name) {
                let path = Paths.join(logs, name)
                try refuseLink(at: path)
                if name == IndexLayout.folderName, let inner = try? FileSystem.contents(of: path) {
                    for file in inner { try refuseLink(at: Paths.join(path, file)) }
                }
            }
        }
        if case .local(let root) = store { try refuseLinks(inStoreFolder: root, depth: 0) }
    }

    /// `archive/logs/YYYY/MM/<issue>/` are folders five deep; an object below is opened through
    /// `NoFollow` by the store itself.
    private static func refuseLinks(inStoreFolder folder: String, depth: Int) throws(ArchiveError) {
        try refuseLink(at: folder)
        guard depth < 5, FileSystem.isDirectory(folder), let names = try? FileSystem.contents(of: folder) else {
            return
        }
        for name in names {
            let path = Paths.join(folder, name)
            guard let status = try? FileStatus.of(path) else { continue }
            if status.kind == .symlink { try refuseLink(at: path) }
            if status.kind == .directory { try refuseLinks(inStoreFolder: path, depth: depth + 1) }
        }
    }

    private static func refuseLink(at path: String) throws(ArchiveError) {
        guard (try? FileStatus.of(path))?.kind == .symlink else { return }
        let target = FileSystem.resolvedPath(path).map { " (to \($0))" } ?? ""
        throw .badInput(
            "\(path) is a symlink\(target): logarchive follows no symlink inside the logs dir or the store; remove it")
    }
}
