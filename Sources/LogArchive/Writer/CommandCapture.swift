import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where an issue's lines of each type go, in the layout the archive collects from.
public enum IssueLogPath {
    /// `builds/123-build.log`, `deployments/123-deployment.log`, `debug/123-debug.log`; a session
    /// gets a file of its own, `sessions/session-123-20250115T090000.123Z.md` (see `createSession`).
    public static func path(issue: IssueNumber, type: LogType, logsDirectory: String, started: UTCInstant) -> String {
        let name: String
        switch type {
        case .session: name = sessionName(issue: issue, started: started, attempt: 1)
        case .build, .deployment, .debug: name = "\(issue)-\(type.rawValue).log"
        }
        return Paths.join(Paths.join(logsDirectory, type.folder), name)
    }

    /// `session-123-20250115T090000.123Z.md`, then `…123Z_2.md`, `…123Z_3.md` for later sessions
    /// started in the same millisecond.
    static func sessionName(issue: IssueNumber, started: UTCInstant, attempt: Int) -> String {
        "session-\(issue)-\(started.basicISO8601)\(attempt > 1 ? "_\(attempt)" : "").md"
    }

    /// Creates a new session file holding `contents`, never one that exists already: the bytes go
    /// into a hidden temporary first, which is then hard-linked under the name (`link` fails with
    /// EEXIST rather than replace, as `O_EXCL` does), so nobody sees the file before its front
    /// matter. A session started in the same millisecond as another takes the next suffix; no
    /// session ever writes into another's file. Returns its path.
    public static func createSession(
        issue: IssueNumber, logsDirectory: String, started: UTCInstant, contents: [UInt8]
    ) throws(FileSystemError) -> String {
        let folder = Paths.join(logsDirectory, LogType.session.folder)
        try FileSystem.createDirectories(folder)
        let first = sessionName(issue: issue, started: started, attempt: 1)
        let temporary = Paths.join(folder, ".\(first).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        let file = try PosixFile.createExclusive(temporary)
        defer { FileSystem.removeIfPresent(temporary) }
        try file.write(contents)
        try file.close()
        var attempt = 1
        while true {
            let path = Paths.join(folder, sessionName(issue: issue, started: started, attempt: attempt))
            if link(temporary, path) == 0 { return path }
            let failure = errno
            if failure == EINTR { continue }
            guard failure == EEXIST else { throw FileSystemError("create", path: path, errorNumber: failure) }
            attempt += 1
        }
    }

    /// The issue's most recent session file, if there is one: by the time in its name, then its
    /// suffix (`_10` after `_9`).
    public static func latestSession(issue: IssueNumber, logsDirectory: String) -> String? {
        let folder = Paths.join(logsDirectory, LogType.session.folder)
        let prefix = "session-\(issue)-"
        let names = ((try? FileSystem.contents(of: folder)) ?? []).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".md") }
        return names.max { sessionOrder($0, prefix: prefix) < sessionOrder($1, prefix: prefix) }.map { Paths.join(folder, $0) }
    }

    /// `20250115T090000.123Z_2` sorts as ("20250115T090000.123", 2); an older name without
    /// milliseconds, `20250115T090000Z`, as ("20250115T090000.000", 1).
    static func sessionOrder(_ name: String, prefix: String) -> SessionOrder {
        var stem = name.dropFirst(prefix.count).dropLast(3)
        var attempt = 1
        if let underscore = stem.lastIndex(of: "_"), let number = Int(stem[stem.index(after: underscore)...]) {
            attempt = number
            stem = stem[..<underscore]
        }
        var time = String(stem.hasSuffix("Z") ? stem.dropLast() : stem)
        if !time.contains(".") { time += ".000" }
        return SessionOrder(time: time, attempt: attempt)
    }

    struct SessionOrder: Comparable {
        let time: String
        let attempt: Int
        static func < (lhs: SessionOrder, rhs: SessionOrder) -> Bool { (lhs.time, lhs.attempt) < (rhs.time, rhs.attempt) }
    }

    /// `2025-01-15T09:00:00.123Z [stdout] text`: each logged line carries when and where from.
    public static func line(_ text: some StringProtocol, source: String, at time: UTCInstant = .now()) -> String {
        "\(time.iso8601) [\(source)] \(text)"
    }
}

/// Runs a command and logs its output into the issue's log for a type, line by line with
/// timestamps, while handing every byte on to the caller to show (`capture`).
///
/// A session log is a Markdown file of its own (created `O_EXCL`, see `IssueLogPath.createSession`)
/// with front matter: `started` and the command when the command starts, and a fixed-size slot
/// that `ended`, the duration and the exit code fill in place when it ends (the issue comment shows
/// the duration). Every log, a session's too, gets a line before (not a session: its front matter
/// names the command) and after the command.
public struct CommandCapture: Sendable {
    public struct Outcome: Sendable {
        public let exitCode: Int32
        public let logPath: String
        public let lines: Int
        public let started: UTCTimestamp
        public let ended: UTCTimestamp
    }

    public enum Stream: Sendable { case output, errors }

    public let issue: IssueNumber
    public let type: LogType
    public let command: [String]
    public let logsDirectory: String
    /// The wall clock; tests set one that stands still.
    let clock: @Sendable () -> UTCInstant

    public init(issue: IssueNumber, type: LogType, command: [String], logsDirectory: String) {
        self.init(issue: issue, type: type, command: command, logsDirectory: logsDirectory, clock: UTCInstant.now)
    }

    init(issue: IssueNumber, type: LogType, command: [String], logsDirectory: String, clock: @escaping @Sendable () -> UTCInstant) {
        self.issue = issue
        self.type = type
        self.command = command
        self.logsDirectory = logsDirectory
        self.clock = clock
    }

    /// Runs the command to its end. `echo` receives its output as it comes, from two threads.
    /// `started` lets the caller forward signals to the child while it runs.
    public func run(
        echo: @escaping @Sendable (Stream, UnsafeRawBufferPointer) -> Void, started: (ChildProcess) -> Void = { _ in }
    ) throws(ArchiveError) -> Outcome {
        let startInstant = clock()
        let start = startInstant.timestamp
        var path = IssueLogPath.path(issue: issue, type: type, logsDirectory: logsDirectory, started: startInstant)
        let commandText = command.map(ShellQuoting.quote).joined(separator: " ")
        let opening = Array(SessionFrontMatter.opening(issue: issue, command: commandText, started: start).utf8)
        if type == .session {
            do {
                path = try IssueLogPath.createSession(issue: issue, logsDirectory: logsDirectory, started: startInstant, contents: opening)
            } catch {
                throw .failure("cannot create the session log \(path): \(error)")
            }
        }
        let writer = LogWriter()
        let file = writer.file(path)
        if type != .session {
            file.append(IssueLogPath.line("$ \(commandText)", source: "capture"))
        }
        let child: ChildProcess
        do {
            child = try ChildProcess(command)
        } catch {
            // Not started (not found: 127, not executable: 126): its end is logged as any other.
            guard case .commandNotRun(let exitCode) = error.kind else { throw error }
            let end = clock().timestamp
            file.append(IssueLogPath.line("exit \(exitCode): \(error.message)", source: "capture"))
            do {
                try writer.close()
                if type == .session {
                    try SessionFrontMatter.close(path, opening: opening, ended: end, started: start, exitCode: exitCode)
                }
            } catch {
                throw .failure("the command did not run (exit \(exitCode)) and its log \(path) could not be written: \(error)")
            }
            throw error
        }
        started(child)
        let lines = Locked(0)
        let readers = DispatchGroup()
        for (stream, descriptor, label) in [(Stream.output, child.output, "stdout"), (Stream.errors, child.errors, "stderr")] {
            readers.enter()
            let thread = Thread {
                LineSplitter.read(descriptor) { chunk in echo(stream, chunk) } line: { text in
                    file.append(IssueLogPath.line(text, source: label))
                    lines.withLock { $0 += 1 }
                }
                close(descriptor)
                readers.leave()
            }
            thread.start()
        }
        readers.wait()
        let exitCode = child.wait()
        let end = clock().timestamp
        // In a session's body too: the end stays on record even if a rotation took the front
        // matter away meanwhile.
        file.append(IssueLogPath.line("exit \(exitCode) after \(DurationText.format(seconds: end.seconds - start.seconds))", source: "capture"))
        do {
            try writer.close()
            if type == .session {
                try SessionFrontMatter.close(path, opening: opening, ended: end, started: start, exitCode: exitCode)
            }
        } catch {
            throw .failure("the command ran (exit \(exitCode)) but its log \(path) could not be written: \(error)")
        }
        return Outcome(exitCode: exitCode, logPath: path, lines: lines.withLock { $0 }, started: start, ended: end)
    }
}

/// Reads a descriptor to its end, handing on each chunk as read and each complete line (a last
/// line without a newline too), without the newline.
enum LineSplitter {
    static func read(_ descriptor: Int32, chunk: (UnsafeRawBufferPointer) -> Void, line: (String) -> Void) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var partial: [UInt8] = []
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            chunk(bytes)
            var start = 0
            for index in 0..<count where bytes[index] == 10 {
                partial.append(contentsOf: bytes[start..<index])
                line(String(decoding: partial, as: UTF8.self))
                partial.removeAll(keepingCapacity: true)
                start = index + 1
            }
            partial.append(contentsOf: bytes[start..<count])
        }
        if !partial.isEmpty { line(String(decoding: partial, as: UTF8.self)) }
    }
}

/// The front matter of a captured session log.
///
/// It is written once, when the session starts, with a slot of `slotSize` bytes for the end
/// values. Closing fills the slot in place (`pwrite`) under the exclusive `flock` that appenders
/// and `rotate` honour, and only if the file still begins with the very bytes written at the start:
/// the file is never rewritten or replaced, so a line appended at any moment survives. When the
/// head is gone (a rotation truncated the log meanwhile), the slot is left alone; the body's
/// `[capture] exit … after …` line still records the end.
enum SessionFrontMatter {
    /// Room for `ended:`, `duration:` and `exit_code:` lines, padded with spaces.
    static let slotSize = 120
    static let placeholder = "# ended, duration and exit_code: filled in when the session ends"

    static func opening(issue: IssueNumber, command: String, started: UTCTimestamp) -> String {
        "---\nissue: \(issue)\ncommand: \(yamlString(command))\nstarted: \(started.iso8601)\n\(padded(placeholder))---\n\n"
    }

    /// `text` padded with spaces to `slotSize` bytes, the last one a newline.
    static func padded(_ text: String) -> String {
        let bytes = text.utf8.count
        return text + String(repeating: " ", count: max(0, slotSize - 1 - bytes)) + "\n"
    }

    static func ending(ended: UTCTimestamp, started: UTCTimestamp, exitCode: Int32) -> String {
        let full = "ended: \(ended.iso8601)\nduration: \(DurationText.format(seconds: ended.seconds - started.seconds))\nexit_code: \(exitCode)"
        if full.utf8.count < slotSize { return padded(full) }
        // The duration is derived from started and ended; it goes first when room runs out.
        return padded("ended: \(ended.iso8601)\nexit_code: \(exitCode)")
    }

    /// Fills the slot of the file that begins with `opening`. Returns false, changing nothing, when
    /// the file no longer begins with it.
    @discardableResult
    static func close(_ path: String, opening: [UInt8], ended: UTCTimestamp, started: UTCTimestamp, exitCode: Int32) throws -> Bool {
        let slot = Array(padded(placeholder).utf8)
        let closing = Array("---\n\n".utf8)
        let slotOffset = opening.count - closing.count - slot.count
        let filled = Array(ending(ended: ended, started: started, exitCode: exitCode).utf8)
        guard slotOffset > 0, filled.count == slot.count else { return false }
        // Not O_APPEND: on Linux a pwrite to an O_APPEND descriptor appends.
        let file = try PosixFile.open(path, flags: O_RDWR)
        while flock(file.descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw FileSystemError("lock", path: path) }
        }
        // Closing the file (below, or on the way out) releases the lock.
        var head = [UInt8](repeating: 0, count: opening.count)
        var read = 0
        while read < head.count {
            let count = try head.withUnsafeMutableBytes { buffer in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[read...]), at: Int64(read))
            }
            if count == 0 { break }
            read += count
        }
        guard read == opening.count, head == opening else { return false }
        try file.write(filled, at: Int64(slotOffset))
        try file.close()
        return true
    }

    /// A YAML double-quoted string: safe for any command line.
    static func yamlString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}

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
        let flags = O_WRONLY | O_APPEND | (create ? O_CREAT : 0)
        let file: PosixFile
        do {
            file = try PosixFile.open(path, flags: flags)
        } catch where create && error.isNoSuchFile {
            try FileSystem.createDirectories(Paths.parent(of: path))
            file = try PosixFile.open(path, flags: flags)
        }
        while flock(file.descriptor, LOCK_SH) != 0 {
            guard errno == EINTR else { throw FileSystemError("lock", path: path) }
        }
        try file.write(line)
        try file.close()
    }
}
