import Glibc
import Crypto

/// The embedded store: objects are files under a root folder, at their key's path. Each object is
/// written to a temporary file beside its final name, synced, and renamed, so a reader never sees
/// half an object; it is then read back and its size and SHA-256 compared before it counts.
public struct LocalDirectoryStore: ObjectStore {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public var location: String { "file://" + root }

    public func url(for key: String) -> String { "file://" + path(for: key) }

    public func publicURL(for key: String) -> String? { nil }

    func path(for key: String) -> String { Paths.join(root, key) }

    public func checkWritable(onRetry: RetryObserver?) throws(ArchiveError) {
        // The store folder may not exist yet: the nearest existing ancestor must let us create it.
        var candidate = root
        while !FileSystem.exists(candidate) {
            let parent = Paths.parent(of: candidate)
            if parent == candidate { break }
            candidate = parent
        }
        guard FileSystem.isDirectory(candidate) else {
            throw .failure("the local store \(root) cannot be created: \(candidate) is not a directory")
        }
        guard FileSystem.isWritableDirectory(candidate) else {
            throw .failure("the local store \(root) is not writable (no write permission on \(candidate))")
        }
        do {
            try FileSystem.probeCreating(in: candidate)
        } catch {
            throw .failure("the local store \(root) is not writable: \(error)")
        }
    }

    public func put(
        fileAt source: String, key: String, expected: Checksum, size: Int64, transfers: TransferBudget?,
        resumeRecord: String?, progress: ProgressMeter?, onRetry: RetryObserver?
    ) throws -> StoredObject {
        let destination = path(for: key)
        try FileSystem.createDirectories(Paths.parent(of: destination))
        let temporary = destination + ".part"
        FileSystem.removeIfPresent(temporary)
        do {
            let (checksum, copiedSize) = try copy(source, to: temporary, isUpload: true, progress: progress)
            guard checksum == expected, copiedSize == size else {
                throw StoreError.contentChanged(path: source, expected: expected, found: checksum)
            }
            try FileSystem.rename(temporary, to: destination)
            try FileSystem.syncDirectory(Paths.parent(of: destination))
            return StoredObject(key: key, size: size, checksum: checksum)
        } catch {
            FileSystem.removeIfPresent(temporary)
            throw error
        }
    }

    public func put(bytes: [UInt8], key: String) throws {
        let destination = path(for: key)
        let folder = Paths.parent(of: destination)
        try FileSystem.createDirectories(folder)
        try FileSystem.writeAtomically(bytes, to: destination)
        // A run killed while writing this key (a manifest, under the run lock) left its
        // temporary, `name.tmp-PID`: the key is whole now, so what is left of that is junk.
        let leftover = Paths.lastComponent(of: destination) + ".tmp-"
        for name in (try? FileSystem.contents(of: folder)) ?? [] where name.hasPrefix(leftover) {
            FileSystem.removeIfPresent(Paths.join(folder, name))
        }
    }

    public func head(key: String) throws -> StoredObject? {
        let objectPath = path(for: key)
        guard FileSystem.exists(objectPath) else { return nil }
        let (checksum, size, _) = try Checksum.ofFile(objectPath)
        return StoredObject(key: key, size: size, checksum: checksum)
    }

    public func get(key: String, to destination: String) throws {
        let source = path(for: key)
        guard FileSystem.exists(source) else { throw FileSystemError("download", path: source, errorNumber: ENOENT) }
        _ = try copy(source, to: destination, replacing: true)
    }

    public func read(key: String, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        // Opened, not looked at first: a link on the way is refused as one (`NoFollow`), not "missing".
        do {
            try FileSystem.stream(path(for: key), into: sink)
        } catch let error as FileSystemError where error.isNoSuchFile && !error.isSymlink {
            throw StoreError.missing(key: key)
        }
    }

    public func list(prefix: String) throws -> [ListedObject] {
        var objects: [ListedObject] = []
        func walk(_ relative: String) throws {
            let folder = relative.isEmpty ? root : Paths.join(root, relative)
            guard FileSystem.isDirectory(folder) else { return }
            for name in try FileSystem.contents(of: folder) {
                let key = relative.isEmpty ? name : relative + "/" + name
                let status = try FileStatus.of(Paths.join(root, key))
                if status.kind == .directory {
                    // Only descend into folders that can hold keys with the prefix.
                    if prefix.hasPrefix(key + "/") || (key + "/").hasPrefix(prefix) { try walk(key) }
                } else if status.kind == .regular, key.hasPrefix(prefix), !name.hasSuffix(".part"), !name.contains(".tmp-") {
                    objects.append(ListedObject(key: key, size: status.size))
                }
            }
        }
        try walk("")
        return objects
    }

    public func delete(key: String) throws {
        try FileSystem.remove(path(for: key))
    }

    /// Copies and hashes in one pass; the copy is synced before it is renamed into place.
    private func copy(_ source: String, to destination: String, replacing: Bool = false, isUpload: Bool = false, progress: ProgressMeter? = nil) throws
        -> (Checksum, Int64)
    {
        let input = try PosixFile.openForReading(source)
        if replacing { FileSystem.removeIfPresent(destination) }
        let output = try PosixFile.createExclusive(destination)
        var hasher = SHA256()
        var size: Int64 = 0
        try input.stream(chunkSize: 1 << 18) { chunk in
            hasher.update(bufferPointer: chunk)
            try output.write(chunk)
            size += Int64(chunk.count)
            if isUpload {
                progress?.advance(chunk.count)
                try FaultPoint.uploadMid.reach(afterStreaming: chunk.count, total: size)
            }
        }
        try output.sync()
        try output.close()
        return (Checksum(digest: hasher.finalize()), size)
    }
}
