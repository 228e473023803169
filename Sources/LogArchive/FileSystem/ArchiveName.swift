import Glibc

/// Gives a finished temporary file its final name without ever replacing an existing file:
/// `stem + suffix`, else `stem-1 + suffix`, `stem-2 + suffix`, … `link(2)` fails when the name is
/// taken, so two processes finishing in the same second both keep their archives.
public enum ArchiveName {
    public static func link(_ temporary: String, in directory: String, stem: String, suffix: String) throws(FileSystemError) -> String {
        for attempt in 0..<10_000 {
            let name = attempt == 0 ? stem + suffix : "\(stem)-\(attempt)\(suffix)"
            let candidate = Paths.join(directory, name)
            do {
                try NoFollow.link(temporary, to: candidate)
                return candidate
            } catch where error.errorNumber == EEXIST && !error.isSymlink {
                continue
            }
        }
        throw FileSystemError("find a free archive name", path: Paths.join(directory, stem + suffix), errorNumber: EEXIST)
    }
}
