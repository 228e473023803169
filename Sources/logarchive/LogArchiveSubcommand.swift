import ArgumentParser

/// A subcommand: it runs against a `CommandContext` rather than the process, and takes `-v`.
protocol LogArchiveSubcommand: ParsableCommand {
    var logging: LoggingOptions { get }

    func run(in context: CommandContext) throws
}

extension LogArchiveSubcommand {
    /// ArgumentParser's entry: the command runs against the real process.
    func run() throws { try run(in: .process) }
}
