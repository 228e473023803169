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
                  logarchive init --claude-hooks           only adds `logarchive hook claude` to
                                                           .claude/settings.json (SessionEnd, PreCompact)
                """
        )

        @Option(help: "Where to write it.", completion: .file(extensions: ["json"]))
        var path: String = SettingsResolver.configFileName

        @Flag(help: "Replace an existing file.")
        var force = false

        @Flag(help: "Add the session hook to the repository's .claude/settings.json instead (merged, idempotent).")
        var claudeHooks = false

        @OptionGroup var logging: LoggingOptions

        func run(in context: CommandContext) throws {
            if claudeHooks {
                let root = SessionDiscovery.repositoryRoot(of: context.currentDirectory) ?? context.currentDirectory
                let settings = Paths.join(root, ".claude/settings.json")
                do {
                    let added = try ClaudeHookSettings.install(in: settings)
                    context.output(
                        added.isEmpty
                            ? "\(settings) already runs `\(ClaudeHookSettings.command)`\n"
                            : "Added `\(ClaudeHookSettings.command)` to \(settings) (\(added.joined(separator: ", ")))\n")
                } catch {
                    throw fail(error, in: context)
                }
                return
            }
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
