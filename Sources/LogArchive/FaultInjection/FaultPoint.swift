import Glibc

/// Named points where tests stop or disturb a run, to prove that a crash or a change at that
/// instant loses nothing. Set `LOGARCHIVE_FAULT_POINT` to a point's name and
/// `LOGARCHIVE_FAULT_ACTION` to `kill` (SIGKILL, as a power cut would), `fail` (an I/O error), or
/// `exec:COMMAND` (run a shell command, then go on). `LOGARCHIVE_FAULT_SKIP=N` lets the point pass
/// N times before it fires (kill after the third upload). Unset, a point costs one comparison.
///
/// `exec:` exists only in debug builds, which the tests use: a release binary never runs a command
/// named by its environment, and there the action does nothing. No test can see this, since
/// `swift test` builds in debug; `swift build -c release` proves that the `system()` call is gone.
public enum FaultPoint: String, Sendable, CaseIterable {
    case afterCollect = "after-collect"
    case compressMid = "compress-mid"
    case afterCompress = "after-compress"
    case afterChecksum = "after-checksum"
    case beforeUpload = "before-upload"
    case uploadMid = "upload-mid"
    case uploadAfterPart = "upload-after-part"
    /// Before each part of a log sent while it is compressed.
    case streamPart = "stream-part"
    case afterUpload = "after-upload"
    case indexAfterBackup = "index-after-backup"
    case indexAfterTemporaryWrite = "index-after-tmp-write"
    case indexAfterRename = "index-after-rename"
    case afterIndex = "after-index"
    case afterComment = "after-comment"
    case beforeClean = "before-clean"
    case beforeCommit = "before-commit"
    case beforePush = "before-push"
    case rotateMidCompress = "rotate-mid-compress"
    case rotateBeforeTruncate = "rotate-before-truncate"
    case beforeTablePurge = "before-table-purge"
    case tablePurgeBeforeCommit = "table-purge-before-commit"

    private static let armed: (point: FaultPoint, action: String, skip: Int)? = {
        guard let name = getenv("LOGARCHIVE_FAULT_POINT").map({ String(cString: $0) }),
            let point = FaultPoint(rawValue: name)
        else { return nil }
        let action = getenv("LOGARCHIVE_FAULT_ACTION").map { String(cString: $0) } ?? "kill"
        let skip = getenv("LOGARCHIVE_FAULT_SKIP").flatMap { Int(String(cString: $0)) } ?? 0
        return (point, action, skip)
    }()

    private static let passes = FaultCounter()

    /// Reached once per MiB crossed by a stream that has read `total` bytes, the last `count` of
    /// them just now: a kill "inside" a long step lands on a block boundary. Unset, a shift and a
    /// comparison.
    public func reach(afterStreaming count: Int, total: Int64) throws(FileSystemError) {
        guard total >> 20 != (total - Int64(count)) >> 20 else { return }
        try reach()
    }

    /// Called by the code at this point; does nothing unless a test armed it.
    public func reach() throws(FileSystemError) {
        guard let armed = FaultPoint.armed, armed.point == self else { return }
        guard FaultPoint.passes.increment() > armed.skip else { return }
        if armed.action == "kill" {
            kill(getpid(), SIGKILL)
        } else if armed.action == "fail" {
            throw FileSystemError("continue past fault point \(rawValue) (injected)", path: rawValue, errorNumber: EIO)
        } else if armed.action.hasPrefix("exec:") {
            #if DEBUG
                _ = system(String(armed.action.dropFirst(5)))
            #endif
        }
    }
}

/// Counts how often the armed point was reached, across threads.
private final class FaultCounter: Sendable {
    private let count = Locked(0)

    func increment() -> Int {
        count.withLock { count in
            count += 1
            return count
        }
    }
}
