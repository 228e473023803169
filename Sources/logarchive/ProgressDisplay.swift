import Foundation
import LogArchive

/// Shows `ProgressMeter.shared` on the terminal: one line on stderr, redrawn at most five times a
/// second, cleared when the work ends. Only when both stdout and stderr are terminals and the
/// output is not JSON: piped or scripted runs never see it.
final class ProgressDisplay: @unchecked Sendable {
    private let meter = ProgressMeter()
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts showing progress, or returns nil when it should not be shown.
    static func start(json: Bool) -> ProgressDisplay? {
        guard !json, isatty(STDOUT_FILENO) == 1, isatty(STDERR_FILENO) == 1 else { return nil }
        let display = ProgressDisplay()
        ProgressMeter.shared = display.meter
        let thread = Thread { display.loop() }
        thread.start()
        return display
    }

    private func loop() {
        var shown = ""
        while stopped.wait(timeout: .now() + 0.2) == .timedOut {
            let line = meter.snapshot.line() ?? ""
            if line != shown {
                FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
                shown = line
            }
        }
        if !shown.isEmpty { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        finished.signal()
    }

    /// Clears the line and stops; call before printing the result.
    func stop() {
        ProgressMeter.shared = nil
        stopped.signal()
        finished.wait()
    }
}
