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
            DBArchive.self, Init.self, Reindex.self,
        ],
        defaultSubcommand: Archive.self
    )

    /// `logarchive -5` would otherwise read as an unknown flag; say what is actually wrong.
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "archive" { arguments.removeFirst() }
        if let first = arguments.first, first.count > 1, first.hasPrefix("-"), first.dropFirst().allSatisfy(\.isNumber) {
            Terminal.error("Error: invalid issue number '\(first)': issue numbers are positive integers such as 123")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        // A file-size limit (ulimit -f) must fail a write with EFBIG, reported like a full disk,
        // rather than kill the process halfway through.
        signal(SIGXFSZ, SIG_IGN)
        main(nil)
    }
}
