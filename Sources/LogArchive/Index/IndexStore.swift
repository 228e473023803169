/// Reads and rewrites the archive index so that it is never half-written and concurrent runs for
/// different issues lose nothing.
///
/// A write takes the lock, re-reads the current index (another run may have added an entry since
/// we last looked), applies the change, copies the old file to `.backup`, writes `.tmp` in the same
/// folder, fsyncs it, parses it back, renames it over the index, fsyncs the folder and removes the
/// backup. On any failure the backup is put back. Nothing is ever written outside the logs dir.
public struct IndexStore: Sendable {
    public let path: String

    public init(logsDirectory: String) {
        path = Paths.join(logsDirectory, ".archive-index.json")
    }

    public var lockPath: String { path + ".lock" }
    public var backupPath: String { path + ".backup" }
    public var temporaryPath: String { path + ".tmp" }

    /// The index as it is on disk; an empty index when there is no file yet.
    public func read() throws(ArchiveError) -> ArchiveIndex {
        guard FileSystem.exists(path) else { return ArchiveIndex() }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(path)
        } catch {
            throw .failure("cannot read the archive index: \(error)")
        }
        do {
            return try ArchiveIndex(fileBytes: bytes)
        } catch {
            throw corrupt(error.description)
        }
    }

    private func corrupt(_ problem: String) -> ArchiveError {
        let backupNote =
            FileSystem.exists(backupPath)
            ? "a backup from the last write is at \(backupPath)"
            : "there is no backup at \(backupPath)"
        return .failure(
            "the archive index \(path) \(problem). It was left untouched; \(backupNote). Repair or restore it, then run again."
        )
    }

    /// Applies `change` to the current index under the lock and writes the result durably.
    /// Returns the index as written.
    @discardableResult
    public func update(_ change: (inout ArchiveIndex) throws -> Void) throws -> ArchiveIndex {
        let lock = try IndexLock.acquire(at: lockPath)
        defer { lock.release() }
        var index = try read()
        try change(&index)
        index.lastUpdated = UTCTimestamp.now().iso8601
        try write(index)
        return index
    }

    private func write(_ index: ArchiveIndex) throws(ArchiveError) {
        let hadIndex = FileSystem.exists(path)
        let bytes = index.fileBytes
        do {
            if hadIndex {
                try FileSystem.copyFile(path, to: backupPath)
            }
            try FaultPoint.indexAfterBackup.reach()
            FileSystem.removeIfPresent(temporaryPath)
            let temporary = try PosixFile.createExclusive(temporaryPath)
            try temporary.write(bytes)
            try temporary.sync()
            try temporary.close()
            try FaultPoint.indexAfterTemporaryWrite.reach()
            try verifyReadsBack(bytes)
            try FileSystem.rename(temporaryPath, to: path)
            try FaultPoint.indexAfterRename.reach()
            try FileSystem.syncDirectory(Paths.parent(of: path))
        } catch {
            restore(hadIndex: hadIndex)
            throw .failure("cannot write the archive index \(path): \(error); the previous index was kept")
        }
        FileSystem.removeIfPresent(backupPath)
    }

    /// The file on disk must hold exactly what we meant to write, and read as an index, before it
    /// replaces the index.
    private func verifyReadsBack(_ expected: [UInt8]) throws(FileSystemError) {
        let written = try FileSystem.readAll(temporaryPath)
        guard written == expected, (try? ArchiveIndex(fileBytes: written)) != nil else {
            throw FileSystemError("verify (the written index does not read back)", path: temporaryPath, errorNumber: 5)
        }
    }

    private func restore(hadIndex: Bool) {
        FileSystem.removeIfPresent(temporaryPath)
        if hadIndex {
            // rename is atomic: the index is either the new file or the backup, never a mix.
            if (try? FileSystem.rename(backupPath, to: path)) != nil {
                try? FileSystem.syncDirectory(Paths.parent(of: path))
            }
        } else {
            FileSystem.removeIfPresent(path)
        }
    }
}
