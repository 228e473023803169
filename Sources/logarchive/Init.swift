import ArgumentParser
import LogArchive

extension LogArchiveCommand {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a commented starting config file (.logarchive.json).",
            discussion: """
                Examples:
                  logarchive init                          writes ./.logarchive.json
                  logarchive init --path ci/logarchive.json
                """
        )

        @Option(help: "Where to write it.", completion: .file(extensions: ["json"]))
        var path: String = SettingsResolver.configFileName

        @Flag(help: "Replace an existing file.")
        var force = false

        func run() throws {
            let environment = ProcessEnvironment.current
            let target = Paths.absolute(path, relativeTo: environment.currentDirectory)
            do {
                try ConfigWriter.writeTemplate(to: target, replacing: force)
            } catch {
                throw fail(error)
            }
            Terminal.output("Wrote \(path)\n")
        }
    }
}
