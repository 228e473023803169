import Crypto
import Logging
import Synchronization

import Glibc

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
        /// Counts the bytes compressed, for a progress line.
        public var progress: ProgressMeter?
        /// Hears each decision at debug (over or under the threshold, a resumed rotation, the
        /// passes, the lock, late writers, the truncation).
        public var logger = Logger.discarding
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
    public func rotate(_ named: String, cancellation: Cancellation? = nil) throws(ArchiveError) -> Outcome {
        // The folders a person names are resolved once; inside them no link is followed (`NoFollow`).
        let name = Paths.lastComponent(of: named)
        let path = Paths.join(FileSystem.resolvedAncestry(Paths.parent(of: named)), name)
        let archiveDirectory = FileSystem.resolvedAncestry(options.archiveDirectory ?? Paths.parent(of: path))
        // A log reached through a symlink (logs/debug/123-agent.log → agents/agent-7.log) is rotated
        // where its bytes are, named and archived as the link, as long as the target stays inside
        // the link's folder: a link out of it could make rotate truncate any file.
        if (try? FileStatus.of(path))?.kind == .symlink {
            let folder = Paths.parent(of: path)
            guard let target = FileSystem.resolvedPath(path), let root = FileSystem.resolvedPath(folder),
                Paths.relative(target, to: root) != nil
            else {
                throw .badInput("cannot rotate \(path): it is a symlink to a file outside \(folder)")
            }
            return try rotate(target, name: name, archiveDirectory: archiveDirectory, cancellation: cancellation)
        }
        return try rotate(path, name: name, archiveDirectory: archiveDirectory, cancellation: cancellation)
    }

    private func rotate(_ path: String, name: String, archiveDirectory: String, cancellation: Cancellation?) throws(ArchiveError)
        -> Outcome
    {
        let status: FileStatus
        do {
            status = try FileStatus.of(path)
        } catch {
            throw .badInput("cannot rotate \(path): \(error)")
        }
        guard status.kind == .regular else {
            throw .badInput("cannot rotate \(path): it is a \(status.kind), not a regular file")
        }
        let state = RotationState.path(archiveDirectory: archiveDirectory, name: name)
        // A rotation killed between naming its archive and truncating the log left this record:
        // the log's first bytes are in that archive already, so they are neither archived again
        // nor lost; only what came after them is rotated, whatever the threshold.
        let resumed = RotationState.read(state, matching: path, status: status)
        let logger = options.logger
        guard resumed != nil || status.size > options.threshold else {
            logger.debug("rotate: \(path) left as it is: \(status.size) bytes, not over the \(options.threshold)-byte threshold")
            return .belowThreshold(size: status.size)
        }
        if let resumed {
            logger.debug("rotate: \(path): resuming a rotation stopped before its truncation; its first \(resumed.bytes) bytes are in \(resumed.archive)")
        } else {
            logger.debug("rotate: \(path) is \(status.size) bytes, over the \(options.threshold)-byte threshold: rotating")
        }

        // One missing folder is made; a missing path of several is more likely a typo than a plan.
        if !FileSystem.isDirectory(archiveDirectory) {
            guard FileSystem.isDirectory(Paths.parent(of: archiveDirectory)) else {
                throw .badInput(
                    "the archive folder \(archiveDirectory) does not exist, nor does its parent \(Paths.parent(of: archiveDirectory)); create it first"
                )
            }
            do {
                try FileSystem.createDirectories(archiveDirectory)
            } catch {
                throw .failure("cannot create the archive folder: \(error)")
            }
        }
        if let resumed, status.size == resumed.bytes {
            return try finishInterrupted(resumed, path: path, state: state)
        }
        let stem = "\(UTCInstant.now().basicISO8601)_\(name)"
        let temporary = Paths.join(archiveDirectory, ".\(stem).gz.\(getpid()).tmp")
        var linked: String?
        do {
            let source = try PosixFile.openForUpdating(path)
            guard try source.status().inode == status.inode else {
                throw RotationError.replaced
            }
            let archive = try PosixFile.createExclusive(temporary)
            let job = RotationJob(
                source: source, archive: archive, level: options.level, cancellation: cancellation,
                continuing: resumed.map { ($0.bytes, $0.crc32) } ?? (0, 0), progress: options.progress)
            options.progress?.begin("compress", total: status.size)
            defer { options.progress?.end() }
            try job.copyWhileGrowing()
            try archive.sync()
            logger.debug("rotate: \(path): \(job.consumed) bytes compressed in \(job.passes) passes while writers went on; locking the log")

            try job.lockSource()
            try job.copyToEnd()
            try job.finishMember()
            try archive.sync()
            let final = try ArchiveName.link(temporary, in: archiveDirectory, stem: stem, suffix: ".gz")
            linked = final
            logger.debug("rotate: \(path): \(job.consumed) bytes archived as \(final) (\(job.compressedBytes) bytes), synced")
            FileSystem.removeIfPresent(temporary)
            try FileSystem.syncDirectory(archiveDirectory)
            guard FileSystem.isSameFile(path, as: status) else { throw RotationError.replaced }
            let record = { (consumed: Int64, crc: UInt32) throws in
                try RotationState(
                    device: status.device, inode: status.inode, bytes: consumed, crc32: crc, archive: final
                ).write(to: state)
            }
            try job.recordState(record)
            try FaultPoint.rotateBeforeTruncate.reach()
            try job.truncateWhenSettled(recording: record)
            FileSystem.removeIfPresent(state)
            logger.debug(
                "rotate: \(path) truncated to 0 once its size was what the archive holds",
                metadata: ["late_members": "\(job.lateMembers)", "bytes": "\(job.consumed)"])
            return .rotated(
                Rotation(
                    source: path, archive: final, originalBytes: job.consumed - (resumed?.bytes ?? 0), compressedBytes: job.compressedBytes,
                    checksum: job.checksum, passes: job.passes, lateMembers: job.lateMembers))
        } catch {
            FileSystem.removeIfPresent(temporary)
            if let linked {
                FileSystem.removeIfPresent(linked)
                // The record names the removed archive: the log's bytes are not archived after all.
                if RotationState.read(state, matching: path, status: status)?.archive == linked { FileSystem.removeIfPresent(state) }
            }
            logger.debug("rotate: \(path): the rotation failed (\(error)); its archive was removed and the log left as it was")
            if let reason = error as? RotationError {
                throw reason.archiveError(path)
            }
            throw .failure("cannot rotate \(path): \(error); the log was left as it was and no archive was kept")
        }
    }
}

extension LogRotator {
    /// The interrupted rotation's archive holds the whole log: truncate it (only if it has not
    /// grown meanwhile, under the same lock writers honour) and report that archive.
    func finishInterrupted(_ resumed: RotationState, path: String, state: String) throws(ArchiveError) -> Outcome {
        do {
            let source = try PosixFile.openForUpdating(path)
            try source.lock(.exclusive)
            guard try source.status().size == resumed.bytes else {
                throw RotationError.shrank(expected: resumed.bytes, found: try source.status().size)
            }
            try source.truncate(to: 0)
            FileSystem.removeIfPresent(state)
            let (checksum, size, _) = try Checksum.ofFile(resumed.archive)
            return .rotated(
                Rotation(
                    source: path, archive: resumed.archive, originalBytes: resumed.bytes, compressedBytes: size, checksum: checksum,
                    passes: 0, lateMembers: 0))
        } catch {
            throw .failure("cannot finish the interrupted rotation of \(path): \(error); the log was left as it was")
        }
    }
}

/// What a rotation leaves beside its archive between naming it and truncating the log: which file,
/// how many of its first bytes the archive holds, and their CRC-32, so that a run after a crash at
/// that instant neither archives those bytes twice nor loses any.
struct RotationState: Equatable {
    let device: UInt64
    let inode: UInt64
    let bytes: Int64
    let crc32: UInt32
    let archive: String

    static func path(archiveDirectory: String, name: String) -> String {
        Paths.join(archiveDirectory, ".\(name).rotation.json")
    }

    func write(to path: String) throws {
        var object = JSONObject()
        object["device"] = .integer(Int64(bitPattern: device))
        object["inode"] = .integer(Int64(bitPattern: inode))
        object["bytes"] = .integer(bytes)
        object["crc32"] = .integer(Int64(crc32))
        object["archive"] = .string(archive)
        try FileSystem.writeAtomically(Array(JSONWriter.compact(.object(object)).utf8), to: path)
    }

    /// The record for this very file whose archive still exists and whose bytes are still the
    /// log's first bytes; a record that does not match is stale and removed.
    static func read(_ path: String, matching log: String, status: FileStatus) -> RotationState? {
        guard FileSystem.exists(path) else { return nil }
        var state: RotationState?
        if let bytes = try? FileSystem.readAll(path, limit: 4096), let value = try? JSONParser.parse(bytes),
            case .object(let object) = value, case .integer(let device)? = object["device"],
            case .integer(let inode)? = object["inode"], case .integer(let count)? = object["bytes"],
            case .integer(let crc)? = object["crc32"], case .string(let archive)? = object["archive"]
        {
            state = RotationState(
                device: UInt64(bitPattern: device), inode: UInt64(bitPattern: inode), bytes: count,
                crc32: UInt32(truncatingIfNeeded: crc), archive: archive)
        }
        guard let state, state.device == status.device, state.inode == status.inode, status.size >= state.bytes,
            FileSystem.exists(state.archive), CRC32.ofFile(log, length: state.bytes) == state.crc32
        else {
            FileSystem.removeIfPresent(path)
            return nil
        }
        return state
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
    let progress: ProgressMeter?
    private var encoder: ParallelGzipEncoder?
    private(set) var consumed: Int64 = 0
    private(set) var passes = 0
    private(set) var lateMembers = 0

    /// CRC-32 of the log's first `archivedBytes` bytes: an earlier archive's part (when this run
    /// continues an interrupted rotation) and the finished members of this one.
    private var archivedCRC: UInt32
    private var archivedBytes: Int64

    /// `continuing`: how many of the log's first bytes an interrupted rotation archived, and their CRC.
    init(
        source: PosixFile, archive: PosixFile, level: Int32, cancellation: Cancellation?, continuing prefix: (bytes: Int64, crc: UInt32),
        progress: ProgressMeter?
    ) {
        self.progress = progress
        (archivedBytes, archivedCRC) = prefix
        consumed = prefix.bytes
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
            progress?.advance(count)
        }
        let size = try source.status().size
        if size < consumed { throw RotationError.shrank(expected: consumed, found: size) }
        return copied
    }

    func lockSource() throws {
        try source.lock(.exclusive)
    }

    /// Ends the current gzip member (an archive of an empty log is still a valid gzip file).
    func finishMember() throws {
        if encoder == nil {
            let sink = sink
            encoder = try ParallelGzipEncoder(level: level) { try sink.write($0) }
        }
        if let (bytes, crc) = try encoder?.finish() {
            archivedCRC = CRC32.combine(archivedCRC, crc, secondLength: bytes)
            archivedBytes += bytes
        }
        encoder = nil
    }

    /// Records how much of the log the synced archives hold (every member is finished by then, so
    /// that is `consumed`) and the CRC-32 of those bytes.
    func recordState(_ record: (Int64, UInt32) throws -> Void) throws {
        try record(archivedBytes, archivedCRC)
    }

    /// Truncates once the file's size is exactly what the archive holds; bytes that arrive past
    /// the lock go into the archive as another gzip member first.
    func truncateWhenSettled(recording record: (Int64, UInt32) throws -> Void) throws {
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
            try recordState(record)
        }
        throw RotationError.keepsGrowing
    }
}
