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
            DBArchive.self, Init.self, Reindex.self, Doctor.self, Sessions.self, Hook.self,
        ],
        defaultSubcommand: Archive.self
    )

    static func main() {
        // A file-size limit (ulimit -f) must fail a write with EFBIG, reported like a full disk,
        // rather than kill the process halfway through.
        signal(SIGXFSZ, SIG_IGN)
        Foundation.exit(run(Array(CommandLine.arguments.dropFirst()), in: .process))
    }

    /// Runs the command line `arguments` (without the program's name) against `context`, printing
    /// what the executable prints, and returns the exit status. Tests run commands in-process here.
    static func run(_ arguments: [String], in context: CommandContext) -> Int32 {
        // `logarchive archive 5` is checked as `logarchive 5`; ArgumentParser gets the words as given.
        let words = arguments.first == "archive" ? Array(arguments.dropFirst()) : arguments
        // `logarchive -5` would otherwise read as an unknown flag; say what is actually wrong.
        if let first = words.first, first.count > 1, first.hasPrefix("-"), first.dropFirst().allSatisfy(\.isNumber) {
            let message = "invalid issue number '\(first)': issue numbers are positive integers such as 123"
            return refuse(message, arguments, in: context)
        }
        // `logarchive stauts` would otherwise read as an issue number.
        if let first = words.first, let word = first.first, word.isLetter {
            let names = configuration.subcommands.map { $0._commandName }
            if !names.contains(first), (try? IssueNumber(validating: first)) == nil {
                let hint = Suggestion.closest(to: first, among: names).map { "; did you mean '\($0)'?" }
                    ?? "; the commands are \(names.joined(separator: ", ")), or an issue number"
                return refuse("unknown command '\(first)'\(hint)", arguments, in: context)
            }
        }
        do {
            var command = try parseAsRoot(arguments)
            let subcommand = command as? any LogArchiveSubcommand
            // An unknown LOGARCHIVE_LOG_LEVEL is refused before anything runs; a command without
            // `-v` (ArgumentParser's `help`) is checked at the default verbosity.
            do {
                _ = try LogOutput.level(verbosity: subcommand?.logging.verbose ?? 0, environment: context.environment)
            } catch {
                return refuse(error.message, arguments, in: context)
            }
            if let subcommand {
                try subcommand.run(in: context)
            } else {
                // ArgumentParser's own `help`: it prints by throwing.
                try command.run()
            }
            return ExitCode.success.rawValue
        } catch {
            // ArgumentParser's own errors get the prefix every other error has.
            let message = fullMessage(for: error, columns: context.helpWidth)
            let code = exitCode(for: error)
            if code == .success {
                if !message.isEmpty { context.output(message + "\n") }
            } else if !message.isEmpty {
                let text = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
                // Usage errors too: `--json` promises one object on stdout whatever the outcome.
                if arguments.contains("--json") {
                    let reason = text.split(separator: "\n").first.map(String.init) ?? text
                    context.output(JSONWriter.compact(ArchiveError(.badInput, reason).json) + "\n")
                }
                context.error(message.hasPrefix("Error: ") ? "logarchive: error: " + text : message)
            }
            return code.rawValue
        }
    }

    /// Refuses bad usage before any command runs: exit 64, the reason on stderr (and with
    /// `--json`, as the one object on stdout).
    private static func refuse(_ message: String, _ arguments: [String], in context: CommandContext) -> Int32 {
        if arguments.contains("--json") {
            context.output(JSONWriter.compact(ArchiveError(.badInput, message).json) + "\n")
        }
        context.error("logarchive: error: \(message)")
        return ExitCode.validationFailure.rawValue
    }
}
