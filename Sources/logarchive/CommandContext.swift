import Foundation
import LogArchive

/// All a command reads from the process it runs in, and where it writes: the environment, the
/// current directory, standard input, output and error. Commands take it rather than reading the
/// process, so a test can run one in-process, in a folder and with buffers of its own.
struct CommandContext: Sendable {
    let environment: [String: String]
    let currentDirectory: String
    /// Reads at most `count` bytes of standard input: fewer only at its end.
    let readInput: @Sendable (_ count: Int) -> Data
    let standardOutput: OutputSink
    let standardError: OutputSink
    /// The width usage and help text is wrapped to; nil: ArgumentParser's choice for the process
    /// (`COLUMNS`, else the terminal's width, else 80).
    let helpWidth: Int?
    /// Set for the real process only: a command it starts (`capture`) gets the process's own
    /// environment block and directory, whose order and bytes `environment` does not keep.
    private let startsChildrenAsTheProcess: Bool
}

// In an extension, so that the struct keeps the memberwise initializer `process` uses.
extension CommandContext {
    /// A context of the caller's own; help is wrapped to 80 columns, as on a pipe.
    init(
        environment: [String: String], currentDirectory: String, readInput: @escaping @Sendable (Int) -> Data,
        standardOutput: OutputSink, standardError: OutputSink, helpWidth: Int = 80
    ) {
        self.init(
            environment: environment, currentDirectory: currentDirectory, readInput: readInput,
            standardOutput: standardOutput, standardError: standardError, helpWidth: helpWidth,
            startsChildrenAsTheProcess: false)
    }

    /// The process the executable runs as.
    static var process: CommandContext {
        CommandContext(
            environment: ProcessInfo.processInfo.environment, currentDirectory: Paths.currentDirectory(),
            readInput: { FileHandle.standardInput.readData(ofLength: $0) },
            standardOutput: .descriptor(STDOUT_FILENO, handle: .standardOutput, name: "standard output"),
            standardError: .descriptor(STDERR_FILENO, handle: .standardError, name: "standard error"), helpWidth: nil,
            startsChildrenAsTheProcess: true)
    }

    /// The environment a started command gets; nil: the process's own.
    var childEnvironment: [String: String]? { startsChildrenAsTheProcess ? nil : environment }

    /// The directory a started command runs in; nil: the process's own.
    var childDirectory: String? { startsChildrenAsTheProcess ? nil : currentDirectory }

    /// The settings flags, this environment, the config file and the defaults decide.
    func settings(_ overrides: SettingsOverrides) throws(ArchiveError) -> Settings {
        try SettingsResolver(environment: environment, currentDirectory: currentDirectory).resolve(overrides)
    }

    /// Colour for standard output when it is a terminal that wants it.
    var outputStyle: TerminalStyle { .forOutput(isTerminal: standardOutput.isTerminal, environment: environment) }

    /// Results go to stdout; errors and warnings to stderr, so `--json` stays parseable. Whatever a
    /// command prints (summaries, tables, JSON, errors) passes the one URL redaction on its way out
    /// (`LogRedaction.text`), so that no `user:password@` or signed query reaches a terminal or a
    /// CI log; the logs `read` and `search` stream go by `writeBytes`, as stored.
    func output(_ text: String) {
        standardOutput.write(Data(LogRedaction.text(text).utf8))
    }

    /// One line on stderr (or ArgumentParser's usage, a few): no control character of what a line
    /// quotes reaches the terminal (`Wording.oneLine` on each line; stderr is never coloured).
    func error(_ text: String) {
        let text = LogRedaction.text(text).split(separator: "\n", omittingEmptySubsequences: false)
            .map { Wording.oneLine(String($0)) }.joined(separator: "\n")
        standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}

/// Where standard output or standard error goes.
struct OutputSink: Sendable {
    /// Text and a captured command's output. A failure to write is not the command's to handle.
    let write: @Sendable (Data) -> Void
    /// Bulk bytes: the logs `read` and `search` stream, log records. Throws when they cannot be
    /// written, so that `read` can stop and say so.
    let writeBytes: @Sendable (UnsafeRawBufferPointer) throws -> Void
    /// A person is watching: only then are a progress line and colours shown.
    let isTerminal: Bool

    /// A descriptor of the process: text through Foundation's `handle`, bulk bytes by `write(2)`.
    static func descriptor(_ descriptor: Int32, handle: FileHandle, name: String) -> OutputSink {
        OutputSink(
            write: { handle.write($0) },
            writeBytes: { bytes in
                // Straight to the descriptor, without Foundation's copies: `read` and `search`
                // stream gigabytes to stdout, and a log record goes to stderr in one write.
                if let failure = PosixFile.writeAsMuch(bytes, to: descriptor, describedAs: name).failure { throw failure }
            },
            isTerminal: isatty(descriptor) == 1)
    }
}
