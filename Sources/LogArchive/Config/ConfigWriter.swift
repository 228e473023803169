import Foundation

/// `logarchive init`: writes the commented template, never over an existing file unless asked.
public enum ConfigWriter {
    public static func writeTemplate(to path: String, replacing: Bool) throws(ArchiveError) {
        if FileSystem.exists(path), !replacing {
            throw .badInput("\(path) already exists; use --force to replace it")
        }
        guard FileSystem.isDirectory(Paths.parent(of: path)) else {
            throw .badInput("cannot write \(path): the folder \(Paths.parent(of: path)) does not exist")
        }
        do {
            try FileSystem.writeAtomically(Array(ConfigFile.template.utf8), to: path)
        } catch {
            throw .failure("cannot write \(path): \(error)")
        }
    }

    /// The embedded default store, beside the logs dir, holds copies of every archived log: it is
    /// not for git. Adds `.logarchive-store/` to the `.gitignore` of `folder` when that folder is
    /// a git work tree (or has a `.gitignore`) and the line is not there yet. Returns whether it
    /// added it.
    public static func ignoreDefaultStore(in folder: String) throws(ArchiveError) -> Bool {
        let ignore = Paths.join(folder, ".gitignore")
        let line = ".logarchive-store/"
        guard FileSystem.exists(ignore) || FileSystem.exists(Paths.join(folder, ".git")) else { return false }
        var text = FileSystem.exists(ignore) ? String(decoding: (try? FileSystem.readAll(ignore, limit: 1 << 20)) ?? [], as: UTF8.self) : ""
        let present = text.split(separator: "\n").contains { ["/.logarchive-store/", ".logarchive-store/", ".logarchive-store", "/.logarchive-store"].contains($0.trimmingCharacters(in: .whitespaces)) }
        guard !present else { return false }
        if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
        text += "# logarchive's embedded store: copies of archived logs, not for git\n\(line)\n"
        do {
            try FileSystem.writeAtomically(Array(text.utf8), to: ignore)
        } catch {
            throw .failure("cannot add \(line) to \(ignore): \(error)")
        }
        return true
    }
}
