import ArgumentParser
import Dispatch
import Foundation
import LogArchive
import Logging

extension LogArchiveCommand {
    struct Capture: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a command and log its output into the issue's log, still showing it.",
            discussion: """
                Standard output and error go to the terminal as they come, and line by line, with \
                timestamps, into the issue's log for the type: logs/builds/123-build.log, \
                logs/deployments/123-deployment.log, logs/debug/123-debug.log, or a new \
                logs/sessions/session-123-<UTC time>.md whose front matter records the command, \
                started, ended, duration and exit code. Exits with the command's exit code (128 + N \
                when a signal N ended it; 127 when the command is not found, as a shell does).

                Examples:
                  logarchive capture 123 -- swift build
                  logarchive capture 123 --type deployment -- ./deploy.sh staging
                  logarchive capture 123 --type session -- claude --print "fix the failing test"
                """
        )

        @Argument(help: "The issue (or pull request) number.")
        var issue: String

        @Option(help: "The log type: build, deployment, debug or session.")
        var type: LogType = .build

        @OptionGroup var location: LogsLocationOptions

        @Flag(name: [.short, .long], help: "Print the command's output only, not the line saying where it was logged.")
        var quiet = false

        @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
        var command: [String] = []

        func validate() throws {
            _ = try parseIssue(issue)
            guard !command.isEmpty else {
                throw ValidationError("give the command to run after --, for example: logarchive capture \(issue) -- swift build")
            }
        }

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            let logger = logging.logger(in: context)
            let outcome: CommandCapture.Outcome
            var forwarders: [DispatchSourceSignal] = []
            do {
                let capture = CommandCapture(
                    issue: try parseIssue(issue), type: type, command: command, logsDirectory: try location.resolve(in: context),
                    environment: context.childEnvironment, directory: context.childDirectory)
                outcome = try capture.run { stream, bytes in
                    (stream == .output ? context.standardOutput : context.standardError).write(Data(bytes))
                } started: { child in
                    logger.debug(
                        "capture: \(command.map(ShellQuoting.quote).joined(separator: " ")) started as pid \(child.pid); its output goes to the issue's \(type.rawValue) log")
                    // Ctrl-C reaches the command through the terminal; we stay to log its end.
                    // A SIGTERM or SIGHUP sent to us alone is passed on.
                    signal(SIGINT, SIG_IGN)
                    forwarders = [SIGTERM, SIGHUP].map { number in
                        signal(number, SIG_IGN)
                        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                        source.setEventHandler { child.signal(number) }
                        source.resume()
                        return source
                    }
                }
            } catch let error as ArchiveError {
                throw fail(error, in: context)
            }
            forwarders.forEach { $0.cancel() }
            logger.debug(
                "capture: the command ended with status \(outcome.exitCode); \(outcome.lines) lines appended to \(outcome.logPath)",
                metadata: ["started": "\(outcome.started.iso8601)", "ended": "\(outcome.ended.iso8601)"])
            let shown = Paths.relative(outcome.logPath, to: context.currentDirectory) ?? outcome.logPath
            if !quiet {
                context.error("logarchive: \(Wording.count(outcome.lines, "line")) logged to \(shown) (exit \(outcome.exitCode))")
            }
            if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
        }
    }

    struct Log: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Append one timestamped line to the issue's log.",
            discussion: """
                A message with line breaks is logged as several lines, each with the timestamp \
                and [log] prefix. An empty message is refused (exit 64). A message of `-` is read \
                from standard input (up to 1 MiB; one final line break is dropped).

                Examples:
                  logarchive log 123 "retrying the flaky integration test"
                  logarchive log 123 --type deployment "promoted build 42 to production"
                  logarchive log 123 --type session "decided to keep the old schema"
                  git log -1 --format=%B | logarchive log 123 -
                """
        )

        @Argument(help: "The issue (or pull request) number.")
        var issue: String

        @Option(help: "The log type: build, deployment, debug (the default) or session.")
        var type: LogType = .debug

        @OptionGroup var location: LogsLocationOptions

        @Argument(help: "The message, or - to read it from standard input.")
        var message: String

        /// The message given, or standard input's for `-`.
        private func text(in context: CommandContext) throws(ArchiveError) -> String {
            guard message == "-" else { return message }
            let data = context.readInput((1 << 20) + 1)
            guard data.count <= 1 << 20 else { throw .badInput("the message on standard input is over 1 MiB; log a file with capture instead") }
            guard let read = String(data: data, encoding: .utf8) else { throw .badInput("the message on standard input is not UTF-8 text") }
            return read.hasSuffix("\n") ? String(read.dropLast()) : read
        }

        func validate() throws {
            _ = try parseIssue(issue)
        }

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            let logger = logging.logger(in: context)
            do {
                let message = try text(in: context)
                let path = try IssueLogAppender.append(
                    message, issue: try parseIssue(issue), type: type, logsDirectory: try location.resolve(in: context))
                logger.debug("log: \(message.split(separator: "\n", omittingEmptySubsequences: false).count) lines appended to \(path) in one write")
                context.output("\(Paths.relative(path, to: context.currentDirectory) ?? path)\n")
            } catch let error as ArchiveError {
                throw fail(error, in: context)
            }
        }
    }
}
