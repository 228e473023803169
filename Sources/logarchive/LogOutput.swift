import ArgumentParser
import Foundation
import LogArchive
import Logging

/// `-v/--verbose`: every subcommand takes it, so a failing CI run can be run again with `-v`.
struct LoggingOptions: ParsableArguments {
    @Flag(
        name: .shortAndLong,
        help: """
            Print each request (method, key, status, bytes, duration, attempt), retry, decision and git command \
            on stderr, secrets redacted; -vv adds the request headers. Also LOGARCHIVE_LOG_LEVEL=debug.
            """)
    var verbose: Int

    /// The logger the command hands to the library: records at the level `-v` and
    /// `LOGARCHIVE_LOG_LEVEL` ask for, one line each on the context's stderr.
    func logger(in context: CommandContext) -> Logger {
        let level = level(in: context)
        let errors = context.standardError
        return Logger(label: "logarchive") { label in
            StandardErrorLogHandler(label: label, logLevel: level, output: errors)
        }
    }

    /// Records are being printed: a progress line redrawn between them would garble both.
    func isVerbose(in context: CommandContext) -> Bool { level(in: context) <= .debug }

    private func level(in context: CommandContext) -> Logger.Level {
        // An unknown LOGARCHIVE_LOG_LEVEL was refused (LogArchiveCommand.run) before the command ran.
        (try? LogOutput.level(verbosity: verbose, environment: context.environment)) ?? LogOutput.defaultLevel
    }
}

/// The commands' logging: one line per record on stderr, never stdout (`--json` keeps stdout one
/// object). Each command makes its logger from its context (`LoggingOptions.logger(in:)`), so
/// `LoggingSystem` is never bootstrapped and commands run in one process log apart; the library
/// logs to the `Logger` it is given.
enum LogOutput {
    /// By default nothing is printed that was not printed before: the library logs its requests
    /// and decisions at debug and trace only.
    static let defaultLevel = Logger.Level.warning

    /// The level `-v` (debug), `-vv` (trace) and `LOGARCHIVE_LOG_LEVEL` ask for: the more verbose
    /// of the two. An unknown `LOGARCHIVE_LOG_LEVEL` is bad input, named.
    static func level(verbosity: Int, environment: [String: String]) throws(ArchiveError) -> Logger.Level {
        var level = defaultLevel
        if let text = environment["LOGARCHIVE_LOG_LEVEL"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            if ["off", "none"].contains(text.lowercased()) {
                level = .critical
            } else if let named = Logger.Level(rawValue: text.lowercased()) {
                level = named
            } else {
                let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw .badInput("invalid LOGARCHIVE_LOG_LEVEL '\(text)': use one of \(names), or off")
            }
        }
        if verbosity >= 2 { level = min(level, .trace) } else if verbosity == 1 { level = min(level, .debug) }
        return level
    }
}
