import Foundation
import LogArchive

@testable import logarchive

/// One stream a command writes, kept in memory: the test reads what the command printed.
final class CapturedOutput: Sendable {
    private let bytes = Locked(Data())

    /// A sink for a `CommandContext`; `isTerminal` says whether the command takes it for a
    /// terminal (colours, the progress line).
    func sink(isTerminal: Bool = false) -> OutputSink {
        OutputSink(
            write: { data in self.bytes.withLock { $0.append(data) } },
            writeBytes: { buffer in self.bytes.withLock { $0.append(contentsOf: buffer) } },
            isTerminal: isTerminal)
    }

    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
}

/// A context of a test's own: a folder as the current directory, the environment the binary's
/// tests give (`LogArchiveBinary.environment`), standard input from `input`, and buffers for
/// stdout and stderr. Nothing of the test process's own directory, environment or streams is used.
struct InProcessContext {
    let output = CapturedOutput()
    let errors = CapturedOutput()
    let context: CommandContext

    init(directory: String, environment extra: [String: String] = [:], input: Data = Data()) {
        context = CommandContext(
            environment: LogArchiveBinary.environment(extra), currentDirectory: directory,
            readInput: { count in input.prefix(count) }, standardOutput: output.sink(), standardError: errors.sink())
    }

    /// Runs a command line as the executable does (`logarchive ARGUMENTS`), in this process. The
    /// result holds all this context's buffers got: one context for each run.
    func run(_ arguments: [String]) -> InProcessResult {
        let status = LogArchiveCommand.run(arguments, in: context)
        return InProcessResult(status: status, output: output.text, errorOutput: errors.text)
    }
}

struct InProcessResult {
    let status: Int32
    let output: String
    let errorOutput: String
}
