import ArgumentParser
import LogArchive

extension LogArchiveCommand {
    struct Init: LogArchiveSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a commented starting config file (.logarchive.json).",
            discussion: """
                Examples:
                  logarchive init                          writes ./.logarchive.json (and, in a git work
                                                           tree, adds .logarchive-store/ to .gitignore)
                  logarchive init --path ci/logarchive.json
                """
        )

        @Option(help: "Where to write it.", completion: .file(extensions: ["json"]))
        var path: String = SettingsResolver.configFileName

        @Flag(help: "Replace an existing file.")
        var force = false

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            let target = Paths.absolute(path, relativeTo: context.currentDirectory)
            let ignored: Bool
            do {
                try ConfigWriter.writeTemplate(to: target, replacing: force)
                ignored = try ConfigWriter.ignoreDefaultStore(in: context.currentDirectory)
            } catch {
                throw fail(error, in: context)
            }
            context.output("Wrote \(path)\n")
            if ignored { context.output("Added .logarchive-store/ (the embedded store) to .gitignore\n") }
        }
    }
}
