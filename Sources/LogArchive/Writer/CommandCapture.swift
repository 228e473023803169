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
    /// gets a file of its own, `sessions/session-123-20250115T090000Z.md`.
    public static func path(issue: IssueNumber, type: LogType, logsDirectory: String, started: UTCTimestamp) -> String {
        let name: String
        switch type {
        case .session: name = "session-\(issue)-\(started.basicISO8601).md"
        case .build, .deployment, .debug: name = "\(issue)-\(type.rawValue).log"
        }
        return Paths.join(Paths.join(logsDirectory, type.folder), name)
    }

    /// The issue's most recent session file, if there is one.
    public static func latestSession(issue: IssueNumber, logsDirectory: String) -> String? {
        let folder = Paths.join(logsDirectory, LogType.session.folder)
        let prefix = "session-\(issue)-"
        let names = ((try? FileSystem.contents(of: folder)) ?? []).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".md") }
        return names.last.map { Paths.join(folder, $0) }
    }

    /// `2025-01-15T09:00:00.123Z [stdout] text`: each logged line carries when and where from.
    public static func line(_ text: some StringProtocol, source: String, at time: UTCInstant = .now()) -> String {
        "\(time.iso8601) [\(source)] \(text)"
    }
}

/// Runs a command and logs its output into the issue's log for a type, line by line with
/// timestamps, while handing every byte on to the caller to show (`capture`).
///
/// A session log is a Markdown file with front matter: `started` and the command when the command
/// starts, and `ended`, the duration and the exit code added when it ends (the issue comment shows
/// the duration). A build, deployment or debug log gets a line before and after the command.
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

    public init(issue: IssueNumber, type: LogType, command: [String], logsDirectory: String) {
        self.issue = issue
        self.type = type
        self.command = command
        self.logsDirectory = logsDirectory
    }

    /// Runs the command to its end. `echo` receives its output as it comes, from two threads.
    /// `started` lets the caller forward signals to the child while it runs.
    public func run(
        echo: @escaping @Sendable (Stream, UnsafeRawBufferPointer) -> Void, started: (ChildProcess) -> Void = { _ in }
    ) throws(ArchiveError) -> Outcome {
        let start = UTCTimestamp.now()
        let path = IssueLogPath.path(issue: issue, type: type, logsDirectory: logsDirectory, started: start)
        let commandText = command.map(ShellQuoting.quote).joined(separator: " ")
        let writer = LogWriter()
        let file = writer.file(path)
        if type == .session {
            do {
                try FileSystem.createDirectories(Paths.parent(of: path))
                try FileSystem.writeAtomically(Array(SessionFrontMatter.opening(issue: issue, command: commandText, started: start).utf8), to: path)
            } catch {
                throw .failure("cannot create the session log \(path): \(error)")
            }
        } else {
            file.append(IssueLogPath.line("$ \(commandText)", source: "capture"))
        }
        let child = try ChildProcess(command)
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
        let end = UTCTimestamp.now()
        if type != .session {
            file.append(
                IssueLogPath.line("exit \(exitCode) after \(DurationText.format(seconds: end.seconds - start.seconds))", source: "capture"))
        }
        do {
            try writer.close()
            if type == .session {
                try SessionFrontMatter.close(path, ended: end, started: start, exitCode: exitCode)
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
enum SessionFrontMatter {
    static func opening(issue: IssueNumber, command: String, started: UTCTimestamp) -> String {
        "---\nissue: \(issue)\ncommand: \(yamlString(command))\nstarted: \(started.iso8601)\n---\n\n"
    }

    /// Rewrites the file with `ended`, the duration and the exit code in its front matter.
    static func close(_ path: String, ended: UTCTimestamp, started: UTCTimestamp, exitCode: Int32) throws {
        let bytes = try FileSystem.readAll(path, limit: Int.max)
        let text = String(decoding: bytes, as: UTF8.self)
        let marker = "\nstarted: \(started.iso8601)\n"
        guard let range = text.range(of: marker) else { return }
        let added =
            "ended: \(ended.iso8601)\nduration: \(DurationText.format(seconds: ended.seconds - started.seconds))\nexit_code: \(exitCode)\n"
        var updated = text
        updated.insert(contentsOf: added, at: range.upperBound)
        try FileSystem.writeAtomically(Array(updated.utf8), to: path)
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
public enum IssueLogAppender {
    @discardableResult
    public static func append(_ message: String, issue: IssueNumber, type: LogType, logsDirectory: String) throws(ArchiveError) -> String {
        let now = UTCInstant.now()
        var path = IssueLogPath.path(issue: issue, type: type, logsDirectory: logsDirectory, started: now.timestamp)
        let writer = LogWriter()
        if type == .session {
            if let latest = IssueLogPath.latestSession(issue: issue, logsDirectory: logsDirectory) {
                path = latest
            } else {
                do {
                    try FileSystem.createDirectories(Paths.parent(of: path))
                    try FileSystem.writeAtomically(Array(SessionFrontMatter.opening(issue: issue, command: "logarchive log", started: now.timestamp).utf8), to: path)
                } catch {
                    throw .failure("cannot create the session log \(path): \(error)")
                }
            }
        }
        writer.append(IssueLogPath.line(message, source: "log", at: now), to: path)
        do {
            try writer.close()
        } catch {
            throw .failure("cannot append to \(path): \(error)")
        }
        return path
    }
}
