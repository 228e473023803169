import Dispatch
import Foundation

import Glibc

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
    /// The command's whole environment and working directory; nil: this process's own.
    public let environment: [String: String]?
    public let directory: String?
    /// The wall clock; tests set one that stands still.
    let clock: @Sendable () -> UTCInstant

    public init(
        issue: IssueNumber, type: LogType, command: [String], logsDirectory: String, environment: [String: String]? = nil,
        directory: String? = nil
    ) {
        self.init(
            issue: issue, type: type, command: command, logsDirectory: logsDirectory, environment: environment,
            directory: directory, clock: UTCInstant.now)
    }

    init(
        issue: IssueNumber, type: LogType, command: [String], logsDirectory: String, environment: [String: String]? = nil,
        directory: String? = nil, clock: @escaping @Sendable () -> UTCInstant
    ) {
        self.issue = issue
        self.type = type
        self.command = command
        self.logsDirectory = logsDirectory
        self.environment = environment
        self.directory = directory
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
            child = try ChildProcess(command, environment: environment, directory: directory)
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
                let pipe = PosixFile.adopting(descriptor, describedAs: "the command's \(label)")
                LineSplitter.read(pipe) { chunk in echo(stream, chunk) } line: { text in
                    file.append(IssueLogPath.line(text, source: label))
                    lines.withLock { $0 += 1 }
                }
                try? pipe.close()
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
