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
}
