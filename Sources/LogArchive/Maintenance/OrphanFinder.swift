import Glibc

/// The original workflow's orphan rules, applied to the logs dir:
/// - a `.gz` older than 7 days that no record claims (`ClaimedFiles`: an index entry, a journal or
///   a multipart record names it, as a log or as a log's `.gz`), that
///   is not the compressed copy of a log still beside it (an archive run in progress or to be
///   retried), and that is not a `rotate` or `db-archive` archive (those are archives in their own
///   right, named with a UTC timestamp);
/// - a `*.tmp` (or `*.tmp-<pid>`) older than 24 hours;
/// - a `*.lock` older than 1 hour that nobody holds (`flock` succeeds) and whose pid is gone
///   (`kill(pid, 0)` fails with ESRCH).
public struct OrphanFinder: Sendable {
    public static let archiveAge: Int64 = 7 * 86_400
    public static let temporaryAge: Int64 = 86_400
    public static let lockAge: Int64 = 3600

    public let logsDirectory: String
    /// The files some record names.
    let claimed: ClaimedFiles
    /// A local store inside the logs dir is the store's business, never an orphan.
    let skippedFolders: Set<String>
    let now: Int64

    public init(logsDirectory: String, index: ArchiveIndex, localStore: String?, now: UTCTimestamp = .now())
        throws(ArchiveError)
    {
        self.logsDirectory = logsDirectory
        claimed = try ClaimedFiles(logsDirectory: logsDirectory, index: index)
        skippedFolders = Set([localStore].compactMap { $0 })
        self.now = now.seconds
    }

    public func plan(into plan: inout CleanupPlan) throws(ArchiveError) {
        guard FileSystem.isDirectory(logsDirectory) else {
            throw .badInput("logs directory \(logsDirectory) does not exist or is not a directory")
        }
        try FileSystem.walkFolders(in: logsDirectory, skipping: skippedFolders) { folder, names throws(ArchiveError) in
            let siblings = Set(names)
            for name in names {
                let path = Paths.join(folder, name)
                // Symlinks, FIFOs and the like are never ours to remove.
                guard let status = try? FileStatus.of(path), status.kind == .regular else { continue }
                judge(path, name: name, status: status, siblings: siblings, into: &plan)
            }
        }
    }

    private func judge(_ path: String, name: String, status: FileStatus, siblings: Set<String>, into plan: inout CleanupPlan) {
        let age = now - status.modificationSeconds
        if name.hasSuffix(".gz") {
            judgeArchive(path, name: name, status: status, age: age, siblings: siblings, into: &plan)
        } else if OrphanFinder.isTemporary(name) {
            guard age > OrphanFinder.temporaryAge else {
                plan.kept.append(KeptFile(path: path, reason: "temporary file only \(FileAge.describe(seconds: age)) old (the rule is 24 hours)"))
                return
            }
            plan.removals.append(
                CleanupItem(
                    path: path, rule: .staleTemporary, reason: "temporary file \(FileAge.describe(seconds: age)) old",
                    sizeBytes: status.size, status: status))
        } else if name.hasSuffix(".lock") {
            guard age > OrphanFinder.lockAge else {
                plan.kept.append(KeptFile(path: path, reason: "lock only \(FileAge.describe(seconds: age)) old (the rule is 1 hour)"))
                return
            }
            switch StaleLock.inspect(path) {
            case .stale(let pid):
                plan.removals.append(
                    CleanupItem(
                        path: path, rule: .staleLock,
                        reason: "lock \(FileAge.describe(seconds: age)) old, its process \(pid) is gone and nobody holds it",
                        sizeBytes: status.size, status: status))
            case .kept(let reason):
                plan.kept.append(KeptFile(path: path, reason: reason))
            }
        }
    }

    private func judgeArchive(
        _ path: String, name: String, status: FileStatus, age: Int64, siblings: Set<String>, into plan: inout CleanupPlan
    ) {
        if let claimant = claimed.claimant(of: path) {
            plan.kept.append(KeptFile(path: path, reason: claimant))
        } else if siblings.contains(String(name.dropLast(3))) {
            plan.kept.append(KeptFile(path: path, reason: "the compressed copy of \(name.dropLast(3)), which is still here"))
        } else if OrphanFinder.isTimestampedArchive(name) {
            plan.kept.append(KeptFile(path: path, reason: "an archive made by rotate, watch or db-archive"))
        } else if age <= OrphanFinder.archiveAge {
            plan.kept.append(KeptFile(path: path, reason: "not in the index but only \(FileAge.describe(seconds: age)) old (the rule is 7 days)"))
        } else {
            plan.removals.append(
                CleanupItem(
                    path: path, rule: .orphanArchive, reason: "not in the index, \(FileAge.describe(seconds: age)) old",
                    sizeBytes: status.size, status: status))
        }
    }

    /// `x.tmp`, and `x.tmp-1234` as `FileSystem.writeAtomically` and `db-archive` name theirs.
    static func isTemporary(_ name: String) -> Bool {
        if name.hasSuffix(".tmp") { return true }
        guard let dash = name.lastIndex(of: "-") else { return false }
        let pid = name[name.index(after: dash)...]
        return name[..<dash].hasSuffix(".tmp") && !pid.isEmpty && pid.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// `20251115T140000.123Z_agent.log.gz` (rotate) and `agent_logs_20251115T140000Z.json.gz`
    /// (db-archive) carry the UTC time they were made, in ISO 8601 basic form.
    static func isTimestampedArchive(_ name: String) -> Bool {
        let characters = Array(name.utf8)
        func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
        guard characters.count >= 16 else { return false }
        for start in 0...(characters.count - 16) {
            let window = characters[start..<start + 15]
            let digitsOK = window.enumerated().allSatisfy { offset, byte in offset == 8 ? byte == UInt8(ascii: "T") : isDigit(byte) }
            guard digitsOK else { continue }
            let next = characters[start + 15]
            if next == UInt8(ascii: "Z") || next == UInt8(ascii: ".") { return true }
        }
        return false
    }
}

/// A lock file judged without ever taking a lock from a live process.
enum StaleLock {
    enum Verdict: Equatable {
        case stale(pid: Int32)
        case kept(String)
    }

    /// Looks under a non-blocking exclusive `flock`, released before returning.
    static func inspect(_ path: String) -> Verdict {
        withExclusiveLock(path) { _ in verdict(path) } ?? .kept("held by a running process (flock)")
    }

    /// Removes the lock file only while holding its `flock`, so no process can be inside it; a
    /// process waiting on the old file notices the unlink (IndexLock compares inodes) and retries.
    /// Returns whether it was removed.
    static func remove(_ path: String, ifStillTheFile expected: FileStatus) -> Bool {
        withExclusiveLock(path) { file in
            guard case .stale = verdict(path), let held = try? file.status(), held.inode == expected.inode,
                held.device == expected.device, FileSystem.isSameFile(path, as: expected)
            else { return false }
            return (try? FileSystem.remove(path)) != nil
        } ?? false
    }

    private static func verdict(_ path: String) -> Verdict {
        let text = (try? FileSystem.readAll(path, limit: 64)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard let pid = Int32(text.trimmingWhitespace()), pid > 0 else {
            return .kept("no process id in it; left for a person to judge")
        }
        if ProcessLiveness.isRunning(pid) {
            return .kept("its process \(pid) is still running")
        }
        return .stale(pid: pid)
    }

    /// Runs `body` holding `LOCK_EX | LOCK_NB` on the file; nil when someone else holds it.
    private static func withExclusiveLock<Result>(_ path: String, _ body: (PosixFile) -> Result) -> Result? {
        guard let file = try? PosixFile.openForReading(path, followSymlinks: false), file.tryLock(.exclusive) else { return nil }
        defer { try? file.close() }
        return body(file)
    }
}
