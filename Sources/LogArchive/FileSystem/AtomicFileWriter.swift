import Glibc

/// A file that appears whole or not at all: bytes go to a temporary file beside it, and only
/// `commit` (fsync, rename, folder fsync) gives it its name. `read --output FILE` writes through
/// one, so a damaged object never leaves a file that looks complete.
public final class AtomicFileWriter {
    public let path: String
    private let temporaryPath: String
    private var file: PosixFile?

    /// Starts the temporary file; the folder must exist. An existing file at `path` stays until
    /// `commit` replaces it.
    public init(path: String) throws(ArchiveError) {
        self.path = path
        // A file a person names: the links on its way are theirs to keep (see `NoFollow`).
        let folder = FileSystem.resolvedAncestry(Paths.parent(of: path))
        guard FileSystem.isDirectory(folder) else { throw .badInput("cannot write \(path): the folder \(folder) does not exist") }
        temporaryPath = Paths.join(folder, ".\(Paths.lastComponent(of: path)).tmp-\(getpid())")
        FileSystem.removeIfPresent(temporaryPath)
        do {
            file = try PosixFile.createExclusive(temporaryPath)
        } catch {
            throw .failure("cannot write \(path): \(error)")
        }
    }

    deinit { discard() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        guard let file else { return }
        do {
            try file.write(bytes)
        } catch {
            discard()
            throw .failure("cannot write \(path): \(error)")
        }
    }

    /// Gives the file its name, durably.
    public func commit() throws(ArchiveError) {
        guard let file else { throw .failure("cannot write \(path): it was discarded") }
        do {
            try file.sync()
            try file.close()
            self.file = nil
            let folder = Paths.parent(of: temporaryPath)
            try FileSystem.rename(temporaryPath, to: Paths.join(folder, Paths.lastComponent(of: path)))
            try FileSystem.syncDirectory(folder)
        } catch {
            discard()
            throw .failure("cannot write \(path): \(error)")
        }
    }

    /// Removes the temporary file; `path` is left as it was.
    public func discard() {
        if let file { try? file.close() }
        file = nil
        FileSystem.removeIfPresent(temporaryPath)
    }
}
