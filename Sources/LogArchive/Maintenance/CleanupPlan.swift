/// What `logarchive cleanup` decided about the files it looked at: what goes, and what stays and why.
public struct CleanupPlan: Sendable {
    public var removals: [CleanupItem] = []
    public var kept: [KeptFile] = []
    /// Why the store could not be asked about logs `--older-than` would have looked at (it is
    /// unreachable or refused): those logs are in `kept`, and the cleanup fails so a cron job notices.
    public var storeFailure: String?

    public init() {}

    public var removalBytes: Int64 { removals.reduce(0) { $0 + $1.sizeBytes } }
}

/// A file the cleanup removes, with the rule that allows it.
public struct CleanupItem: Sendable, Equatable {
    public enum Rule: String, Sendable {
        /// A `.gz` older than 7 days that no index entry claims.
        case orphanArchive = "orphan_gz"
        /// A `*.tmp` older than 24 hours.
        case staleTemporary = "stale_tmp"
        /// A `*.lock` older than 1 hour whose process is gone and that nobody holds.
        case staleLock = "stale_lock"
        /// A local log the store holds, verified, older than `--older-than`.
        case archivedLog = "archived_log"
    }

    public let path: String
    public let rule: Rule
    public let reason: String
    public let sizeBytes: Int64
    /// The file as it was when it was judged; it is removed only if it is still that file.
    public let status: FileStatus

    /// Removes the file if it is still the one that was judged; returns why not otherwise.
    func removeIfUnchanged() -> String? {
        if rule == .staleLock {
            return StaleLock.remove(path, ifStillTheFile: status) ? nil : "the lock was taken or changed meanwhile; kept"
        }
        guard let current = try? FileStatus.of(path), current.isUnchanged(comparedTo: status) else {
            return "changed since it was checked; kept"
        }
        do {
            try FileSystem.remove(path)
            return nil
        } catch {
            return "\(error)"
        }
    }
}

/// A file a rule looked at and spared, and why: `--dry-run` shows these so a person can see the
/// rules at work.
public struct KeptFile: Sendable, Equatable {
    public let path: String
    public let reason: String
}

/// Ages as the rules state them.
enum FileAge {
    static func describe(seconds: Int64) -> String {
        if seconds >= 2 * 86_400 { return "\(seconds / 86_400) days" }
        if seconds >= 2 * 3600 { return "\(seconds / 3600) hours" }
        if seconds >= 120 { return "\(seconds / 60) minutes" }
        return "\(max(0, seconds)) seconds"
    }
}

extension ArchivedLog {
    /// Where this log lives on disk: `local_path` is written relative to the logs dir's parent
    /// (`logs/builds/123-build.log`), so its first component is the logs dir's own name. A path
    /// that climbs out with `..` is not trusted: the file is then looked for by type and name.
    public func localFile(inLogsDirectory logsDirectory: String) -> String {
        let folderName = Paths.lastComponent(of: logsDirectory) + "/"
        let inside = localPath.dropFirst(folderName.count)
        if localPath.hasPrefix(folderName), !inside.split(separator: "/").contains("..") {
            return Paths.join(logsDirectory, String(inside))
        }
        return Paths.join(logsDirectory, type.folder + "/" + filename)
    }
}
