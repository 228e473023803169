import Foundation
import LogArchive

/// Shows a `ProgressMeter` that the work is handed on the terminal: one line on stderr, redrawn at most five times a
/// second, cleared when the work ends. Only when both stdout and stderr are terminals and the
/// output is not JSON: piped or scripted runs never see it.
final class ProgressDisplay: @unchecked Sendable {
    /// Handed to the work it shows.
    let meter = ProgressMeter()
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// The line on screen now; held while drawing or while output is written past it.
    private let shown = Locked<String>("")
    /// Where the line is drawn: the command's stderr.
    private let errors: OutputSink

    private init(errors: OutputSink) {
        self.errors = errors
    }

    /// Starts showing progress on the context's stderr, or returns nil when it should not be shown.
    static func start(json: Bool, in context: CommandContext) -> ProgressDisplay? {
        guard !json, context.standardOutput.isTerminal, context.standardError.isTerminal else { return nil }
        let display = ProgressDisplay(errors: context.standardError)
        let thread = Thread { display.loop() }
        thread.start()
        return display
    }

    private func loop() {
        while stopped.wait(timeout: .now() + 0.2) == .timedOut {
            let line = meter.snapshot.line() ?? ""
            shown.withLock { shown in
                if line != shown {
                    errors.write(Data(("\r\u{1B}[2K" + line).utf8))
                    shown = line
                }
            }
        }
        shown.withLock { shown in
            if !shown.isEmpty { errors.write(Data("\r\u{1B}[2K".utf8)) }
            shown = ""
        }
        finished.signal()
    }

    /// Writes output to the terminal the line is on: the line is cleared first and redrawn on
    /// the next tick, so results never land in the middle of it.
    func printing(_ write: () throws -> Void) throws {
        try shown.withLock { shown in
            if !shown.isEmpty {
                errors.write(Data("\r\u{1B}[2K".utf8))
                shown = ""
            }
            try write()
        }
    }

    /// Clears the line and stops; call before printing the result.
    func stop() {
        stopped.signal()
        finished.wait()
    }
}
