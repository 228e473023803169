import Dispatch
import Foundation

import Glibc

/// `logarchive log`: one timestamped line into the issue's log for a type (a session's most
/// recent file, or a new one).
///
/// The line goes in with one `write` to an `O_APPEND` descriptor under a shared `flock`, the lock
/// `rotate` waits on; no `LogWriter`, so no flusher thread, for a single line.
public enum IssueLogAppender {
    @discardableResult
    public static func append(_ message: String, issue: IssueNumber, type: LogType, logsDirectory: String) throws(ArchiveError) -> String {
        let now = UTCInstant.now()
        let line = try lines(message, at: now)
        if type != .session {
            let path = IssueLogPath.path(issue: issue, type: type, logsDirectory: logsDirectory, started: now)
            do {
                try appendLine(line, to: path, create: true)
            } catch {
                throw .failure("cannot append to \(path): \(error)")
            }
            return path
        }
        // The latest session; a new one when there is none, or when it went (archived) meanwhile.
        for _ in 0..<3 {
            let path: String
            if let latest = IssueLogPath.latestSession(issue: issue, logsDirectory: logsDirectory) {
                path = latest
            } else {
                let opening = Array(SessionFrontMatter.opening(issue: issue, command: "logarchive log", started: now.timestamp).utf8)
                do {
                    path = try IssueLogPath.createSession(issue: issue, logsDirectory: logsDirectory, started: now, contents: opening)
                } catch {
                    throw .failure("cannot create a session log for issue \(issue) in \(logsDirectory): \(error)")
                }
            }
            do {
                try appendLine(line, to: path, create: false)
                return path
            } catch let error where error.isNoSuchFile {
                continue
            } catch {
                throw .failure("cannot append to \(path): \(error)")
            }
        }
        throw .failure("cannot append to a session log of issue \(issue): its files keep disappearing")
    }

    /// The bytes `log` appends for `message`: one timestamped line per line of the message (split
    /// at `\n`, `\r\n` and `\r`; a final line break ends the last line), each with the same
    /// prefix, so a message can never pass for lines of its own. A message with nothing but
    /// whitespace in it is refused.
    static func lines(_ message: String, at time: UTCInstant) throws(ArchiveError) -> [UInt8] {
        guard message.contains(where: { !$0.isWhitespace }) else {
            throw .badInput("the message is empty: give the text to log, for example: logarchive log 123 \"retrying the flaky test\"")
        }
        var parts = message.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        if parts.count > 1, parts.last?.isEmpty == true { parts.removeLast() }
        var bytes: [UInt8] = []
        for part in parts {
            bytes += Array(IssueLogPath.line(part, source: "log", at: time).utf8)
            bytes.append(10)
        }
        return bytes
    }

    /// One `write` of `line` to an `O_APPEND` descriptor under a shared `flock`.
    static func appendLine(_ line: [UInt8], to path: String, create: Bool) throws(FileSystemError) {
        let file: PosixFile
        do {
            file = try PosixFile.openForAppending(path, create: create)
        } catch where create && error.isNoSuchFile {
            try FileSystem.createDirectories(Paths.parent(of: path))
            file = try PosixFile.openForAppending(path, create: create)
        }
        try file.lock(.shared)
        try file.write(line)
        try file.close()
    }
}
