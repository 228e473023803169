import Foundation
import Testing
@testable import LogArchive

@Suite struct ProgressTests {
    @Test func theLineShowsBytesPercentRateAndTimeLeft() throws {
        let now: UInt64 = 10_000_000_000
        let snapshot = ProgressMeter.Snapshot(phase: "upload", done: 50 << 20, total: 100 << 20, started: now - 2_000_000_000)
        #expect(snapshot.line(now: now) == "upload     50 MiB / 100 MiB  50%  25 MiB/s  ETA 2s")
        let idle = ProgressMeter.Snapshot(phase: "", done: 0, total: 0, started: 0)
        #expect(idle.line(now: now) == nil)
    }

    @Test func aRetriedTransferNeverShowsMoreThanTheTotal() {
        let meter = ProgressMeter()
        meter.begin("upload", total: 100)
        meter.advance(80)
        meter.advance(80)
        #expect(meter.snapshot.done == 100)
        meter.end()
        #expect(meter.snapshot.line() == nil)
    }

    /// On a terminal (a pseudo-terminal from `script`) the archive draws its progress line; piped,
    /// or with --json, not a byte of it.
    @Test func progressIsDrawnOnATerminalOnly() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/31-build.log", Sandbox.logText(bytes: 120_000_000))
        let onTerminal = try sandbox.shell("script -qec '\(LogArchiveBinary.path) 31 --no-commit' /dev/null")
        #expect(onTerminal.status == 0, "\(onTerminal.output)")
        // Which phase is caught by the first redraw (after 0.2 s) depends on the machine's speed.
        #expect(
            onTerminal.output.contains("\r\u{1B}[2Kcompress ") || onTerminal.output.contains("\r\u{1B}[2Kupload "),
            "\(onTerminal.output.prefix(400))")
        #expect(onTerminal.output.contains("Logs archived for issue #31"))

        try sandbox.write("logs/builds/32-build.log", Sandbox.logText(bytes: 40_000_000))
        let piped = try LogArchiveBinary.run(["32", "--no-commit"], in: sandbox)
        #expect(piped.status == 0)
        #expect(!(piped.output + piped.errorOutput).contains("\u{1B}"))

        try sandbox.write("logs/builds/33-build.log", Sandbox.logText(bytes: 40_000_000))
        let json = try sandbox.shell("script -qec '\(LogArchiveBinary.path) 33 --no-commit --json' /dev/null")
        #expect(json.status == 0)
        #expect(!json.output.contains("\u{1B}"))
    }
}

extension ProgressTests {
    /// search draws its progress between matches on a terminal, and the matches stay whole lines.
    @Test func searchShowsProgressAndKeepsItsMatchesIntact() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/builds/41-build.log", Sandbox.logText(bytes: 30_000_000) + "the needle line\n")
        #expect(try LogArchiveBinary.run(["41", "--no-commit"], in: sandbox).status == 0)
        let result = try sandbox.shell("script -qec '\(LogArchiveBinary.path) search \"needle line\"' /dev/null")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("logs/builds/41-build.log:"))
        // The match is on a line of its own: whatever progress was drawn was cleared before it,
        // and nothing was drawn into it.
        let segment = result.output.components(separatedBy: "\r\n").first { $0.contains("needle") } ?? ""
        let visible = String(segment.split(separator: "\r").last ?? "")
            .replacingOccurrences(of: "\u{1B}\\[[0-9;]*[A-Za-z]", with: "", options: .regularExpression)
        #expect(visible.hasPrefix("logs/builds/41-build.log:") && visible.hasSuffix(":the needle line"), "\(segment.debugDescription)")
    }
}
