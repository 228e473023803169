import Foundation

/// The executable users run: the release build inside the tarball scripts/test.sh packs (passed in
/// LOGARCHIVE_TEST_RELEASE_BIN), else the debug build beside the tests. The hostile suites run it,
/// so that what they prove holds for the optimized binary, not only for the one the tests built.
/// Fault points that run a command (`exec:`) exist only in debug builds: tests that need one use
/// `LogArchiveBinary`.
enum ReleaseBinary {
    static let path: String = {
        let given = ProcessInfo.processInfo.environment["LOGARCHIVE_TEST_RELEASE_BIN"] ?? ""
        return given.isEmpty ? LogArchiveBinary.path : given
    }()

    static func run(_ arguments: [String], in sandbox: Sandbox, environment extra: [String: String] = [:]) throws
        -> CommandResult
    {
        try CommandRunner.run(path, arguments, in: sandbox.root, environment: LogArchiveBinary.environment(extra))
    }
}
