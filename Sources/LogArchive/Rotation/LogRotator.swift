import Crypto
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Size-triggered archival of one growing log: the file is streamed through gzip into
/// `<archive-dir>/<UTC timestamp>_<name>.gz` (`20251115T140000.123Z_app.log.gz`) and then truncated to 0 (not deleted: writers keep
/// their handle), without losing a line a writer appends meanwhile.
///
/// How no line is lost:
/// 1. Compress from the start to the end of the file, again and again while it grows, until a
///    pass finds little new (the bulk of the work runs with writers going at full speed).
/// 2. Take an exclusive `flock` on the file. Writers that honour it (`LogWriter`, `capture`, `log`,
///    or any writer taking a shared `flock` around its appends) now wait.
/// 3. Compress the tail to the end, finish the gzip member, fsync it and link it under its final
///    name (never over an existing archive), fsync the folder.
/// 4. Just before truncating, look at the size once more: if it grew (a writer that ignores the
///    lock), compress the new bytes as one more gzip member appended to the archive, fsync, and
///    look again. Truncate only when the size is exactly what the archive holds.
///
/// For writers that honour the lock nothing can be lost. For a writer that ignores it, the window
/// left is the one between step 4's `fstat` and `ftruncate`, two system calls apart. Any failure
/// before the truncation removes the archive and leaves the original untouched.
public struct LogRotator: Sendable {
    public struct Options: Sendable {
        /// Rotate when the file is strictly larger than this.
        public var threshold: Int64 = 100 << 20
        /// Where archives go; the log's own folder when nil.
        public var archiveDirectory: String?
        public var level: Int32 = 6
        public init() {}
    }

    public struct Rotation: Sendable {
        public let source: String
        public let archive: String
        /// Bytes taken from the log (what the archive decompresses to).
        public let originalBytes: Int64
        public let compressedBytes: Int64
        public let checksum: Checksum
        /// Passes over the growing file before the lock was taken.
        public let passes: Int
        /// Extra gzip members for bytes appended by writers that ignore the lock.
        public let lateMembers: Int
    }

    public enum Outcome: Sendable {
        case belowThreshold(size: Int64)
        case rotated(Rotation)
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Rotates `path` when it is over the threshold. `cancellation`, when set, stops the work
    /// before the truncation and cleans up as a failure would.
    public func rotate(_ path: String, cancellation: Cancellation? = nil) throws(ArchiveError) -> Outcome {
        let status: FileStatus
        do {
            status = try FileStatus.of(path)
        } catch {
            throw .badInput("cannot rotate \(path): \(error)")
        }
        guard status.kind == .regular else {
            throw .badInput("cannot rotate \(path): it is a \(status.kind), not a regular file")
        }
        guard status.size > options.threshold else { return .belowThreshold(size: status.size) }

        let archiveDirectory = options.archiveDirectory ?? Paths.parent(of: path)
        do {
            try FileSystem.createDirectories(archiveDirectory)
        } catch {
            throw .failure("cannot create the archive folder: \(error)")
        }
        let name = Paths.lastComponent(of: path)
        let stem = "\(ArchiveName.timestamp())_\(name)"
        let temporary = Paths.join(archiveDirectory, ".\(stem).gz.\(getpid()).tmp")
        var linked: String?
        do {
            let source = try PosixFile.open(path, flags: O_RDWR)
            guard try source.status().inode == status.inode else {
                throw RotationError.replaced
            }
            let archive = try PosixFile.createExclusive(temporary)
            let job = RotationJob(source: source, archive: archive, level: options.level, cancellation: cancellation)
            ProgressMeter.shared?.begin("compress", total: status.size)
            defer { ProgressMeter.shared?.end() }
            try job.copyWhileGrowing()
            try archive.sync()

            try job.lockSource()
            try job.copyToEnd()
            try job.finishMember()
            try archive.sync()
            let final = try ArchiveName.link(temporary, in: archiveDirectory, stem: stem, suffix: ".gz")
            linked = final
            FileSystem.removeIfPresent(temporary)
            try FileSystem.syncDirectory(archiveDirectory)
            guard FileSystem.isSameFile(path, as: status) else { throw RotationError.replaced }
            try FaultPoint.rotateBeforeTruncate.reach()
            try job.truncateWhenSettled()
            return .rotated(
                Rotation(
                    source: path, archive: final, originalBytes: job.consumed, compressedBytes: job.compressedBytes,
                    checksum: job.checksum, passes: job.passes, lateMembers: job.lateMembers))
        } catch {
            FileSystem.removeIfPresent(temporary)
            if let linked { FileSystem.removeIfPresent(linked) }
            if let reason = error as? RotationError {
                throw reason.archiveError(path)
            }
            throw .failure("cannot rotate \(path): \(error); the log was left as it was and no archive was kept")
        }
    }
}

/// Lets another thread stop a rotation (or any long job that checks it) at its next step.
public final class Cancellation: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func cancel() { flag.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

enum RotationError: Error {
    case replaced
    case shrank(expected: Int64, found: Int64)
    case cancelled
    case keepsGrowing

    func archiveError(_ path: String) -> ArchiveError {
        switch self {
        case .replaced:
            .failure("cannot rotate \(path): the file was replaced (renamed or deleted) while it was being archived; no archive was kept")
        case .shrank(let expected, let found):
            .failure(
                "cannot rotate \(path): it shrank from \(expected) to \(found) bytes while it was being archived (another rotation?); the log was left as it was and no archive was kept"
            )
        case .cancelled:
            .failure("rotation of \(path) was stopped; the log was left as it was and no archive was kept")
        case .keepsGrowing:
            .failure("cannot rotate \(path): a writer that ignores the lock kept appending; the log was left as it was and no archive was kept")
        }
    }
}

/// The archive file and the running SHA-256 and size of what was written to it.
private final class ArchiveSink {
    let file: PosixFile
    private(set) var hasher = SHA256()
    private(set) var bytes: Int64 = 0

    init(file: PosixFile) { self.file = file }

    func write(_ chunk: UnsafeRawBufferPointer) throws {
        try file.write(chunk)
        hasher.update(bufferPointer: chunk)
        bytes += Int64(chunk.count)
    }
}

/// The state of one rotation: how far into the log the archive reaches, and the archive's bytes.
private final class RotationJob {
    let source: PosixFile
    let sink: ArchiveSink
    let level: Int32
    let cancellation: Cancellation?
    private var encoder: ParallelGzipEncoder?
    private(set) var consumed: Int64 = 0
    private(set) var passes = 0
    private(set) var lateMembers = 0

    init(source: PosixFile, archive: PosixFile, level: Int32, cancellation: Cancellation?) {
        self.source = source
        sink = ArchiveSink(file: archive)
        self.level = level
        self.cancellation = cancellation
    }

    var compressedBytes: Int64 { sink.bytes }
    var checksum: Checksum { Checksum(digest: sink.hasher.finalize()) }

    /// Passes over the file while it grows, until a pass finds less than a block of new bytes.
    func copyWhileGrowing() throws {
        while true {
            passes += 1
            let copied = try copyToEnd()
            if copied < 1 << 20 || passes >= 64 { return }
        }
    }

    /// Compresses from where the archive ends to the current end of the file; returns the bytes.
    @discardableResult
    func copyToEnd() throws -> Int64 {
        var copied: Int64 = 0
        while true {
            if cancellation?.isCancelled == true { throw RotationError.cancelled }
            try FaultPoint.rotateMidCompress.reach()
            if encoder == nil {
                let sink = sink
                encoder = try ParallelGzipEncoder(level: level) { try sink.write($0) }
            }
            let count = try encoder!.write(readingWith: { [source, consumed] space in
                try source.read(into: space, at: consumed)
            })
            if count == 0 { break }
            consumed += Int64(count)
            copied += Int64(count)
            ProgressMeter.shared?.advance(count)
        }
        let size = try source.status().size
        if size < consumed { throw RotationError.shrank(expected: consumed, found: size) }
        return copied
    }

    func lockSource() throws {
        while flock(source.descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw FileSystemError("lock", path: source.path) }
        }
    }

    /// Ends the current gzip member (an archive of an empty log is still a valid gzip file).
    func finishMember() throws {
        if encoder == nil {
            let sink = sink
            encoder = try ParallelGzipEncoder(level: level) { try sink.write($0) }
        }
        try encoder?.finish()
        encoder = nil
    }

    /// Truncates once the file's size is exactly what the archive holds; bytes that arrive past
    /// the lock go into the archive as another gzip member first.
    func truncateWhenSettled() throws {
        for _ in 0..<100 {
            let size = try source.status().size
            if size == consumed {
                try source.truncate(to: 0)
                return
            }
            if size < consumed { throw RotationError.shrank(expected: consumed, found: size) }
            lateMembers += 1
            try copyToEnd()
            try finishMember()
            try sink.file.sync()
        }
        throw RotationError.keepsGrowing
    }
}
