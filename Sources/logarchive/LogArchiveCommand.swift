import Foundation
import ArgumentParser
import LogArchive

@main
struct LogArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logarchive",
        abstract: "Archive the logs of a GitHub issue when its work ends, and never lose a log.",
        discussion: """
            `logarchive 123` collects the logs of issue 123 under logs/{sessions,builds,deployments,debug}, \
            gzips the large ones, checksums them, uploads them to the store, records them in \
            logs/.archive-index.json, and deletes the local copies the store holds verified.

            Exit status: 0 done (also: already archived, no logs), 1 failure, 3 partial archive, \
            4 refused by the lifecycle check, 64 bad usage or input.
            """,
        version: "logarchive \(LogArchiveVersion.current) (\(CurlLibrary.version); zlib \(ZlibLibrary.version))",
        subcommands: [
            Archive.self, Status.self, Read.self, Search.self, Cleanup.self, Capture.self, Log.self, Rotate.self, Watch.self,
            DBArchive.self, Init.self, Reindex.self, Doctor.self,
        ],
        defaultSubcommand: Archive.self
    )

    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "archive" { arguments.removeFirst() }
        // `logarchive -5` would otherwise read as an unknown flag; say what is actually wrong.
        if let first = arguments.first, first.count > 1, first.hasPrefix("-"), first.dropFirst().allSatisfy(\.isNumber) {
            fail("invalid issue number '\(first)': issue numbers are positive integers such as 123")
        }
        // `logarchive stauts` would otherwise read as an issue number.
        if let first = arguments.first, let word = first.first, word.isLetter {
            let names = configuration.subcommands.map { $0._commandName }
            if !names.contains(first), (try? IssueNumber(validating: first)) == nil {
                let hint = Suggestion.closest(to: first, among: names).map { "; did you mean '\($0)'?" }
                    ?? "; the commands are \(names.joined(separator: ", ")), or an issue number"
                fail("unknown command '\(first)'\(hint)")
            }
        }
        // A file-size limit (ulimit -f) must fail a write with EFBIG, reported like a full disk,
        // rather than kill the process halfway through.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            startLogging(for: command)
            try command.run()
        } catch {
            // ArgumentParser's own errors get the prefix every other error has.
            let message = fullMessage(for: error)
            let code = exitCode(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
            } else if !message.isEmpty {
                let text = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
                // Usage errors too: `--json` promises one object on stdout whatever the outcome.
                if CommandLine.arguments.dropFirst().contains("--json") {
                    let reason = text.split(separator: "\n").first.map(String.init) ?? text
                    Terminal.output(JSONWriter.compact(ArchiveError(.badInput, reason).json) + "\n")
                }
                Terminal.error(message.hasPrefix("Error: ") ? "logarchive: error: " + text : message)
            }
            Foundation.exit(code.rawValue)
        }
    }

    /// Bootstraps logging once, before the command runs, at the level `-v` and
    /// `LOGARCHIVE_LOG_LEVEL` ask for; a command without `-v` (help, version) logs at the default.
    private static func startLogging(for command: any ParsableCommand) {
        let verbosity = (command as? any LoggingCommand)?.logging.verbose ?? 0
        do {
            LogOutput.bootstrap(level: try LogOutput.level(verbosity: verbosity, environment: ProcessInfo.processInfo.environment))
        } catch {
            fail(error.message)
        }
    }

    private static func fail(_ message: String) -> Never {
        if CommandLine.arguments.dropFirst().contains("--json") {
            Terminal.output(JSONWriter.compact(ArchiveError(.badInput, message).json) + "\n")
        }
        Terminal.error("logarchive: error: \(message)")
        Foundation.exit(ExitCode.validationFailure.rawValue)
    }
}
