import ArgumentParser
import LogArchive

extension LogArchiveCommand {
    struct Init: ParsableCommand {
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

        func run() throws {
            let environment = ProcessEnvironment.current
            let target = Paths.absolute(path, relativeTo: environment.currentDirectory)
            let ignored: Bool
            do {
                try ConfigWriter.writeTemplate(to: target, replacing: force)
                ignored = try ConfigWriter.ignoreDefaultStore(in: environment.currentDirectory)
            } catch {
                throw fail(error)
            }
            Terminal.output("Wrote \(path)\n")
            if ignored { Terminal.output("Added .logarchive-store/ (the embedded store) to .gitignore\n") }
        }
    }
}

extension LogArchiveCommand.Init: LoggingCommand {}
