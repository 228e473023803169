import Foundation
import Testing
import LogArchive

/// Every writer at once on one issue: `log` processes, `capture` sessions starting and ending, a
/// `LogWriter` on several threads and `rotate` of the same files, then the archive. Each line
/// written is found exactly once: in a log left behind, in a rotated archive or in the store.
/// `LOGARCHIVE_STRESS_SCALE=N` multiplies the load (1 in CI).
@Suite struct MixedWritersTests {
    static let scale = max(1, Int(ProcessInfo.processInfo.environment["LOGARCHIVE_STRESS_SCALE"] ?? "") ?? 1)

    /// Runs `script` with sh in the sandbox, `$BIN` naming the logarchive executable.
    static func shell(_ script: String, in sandbox: Sandbox) throws -> CommandResult {
        try CommandRunner.run(
            "/bin/sh", ["-c", script], in: sandbox.root, environment: LogArchiveBinary.environment(["BIN": LogArchiveBinary.path]))
    }

    @Test func noLineIsLostOrDoubledWithEveryWriterAtOnce() throws {
        let sandbox = try Sandbox()
        let logProcesses = 4
        let logLines = 15 * Self.scale
        let sessions = 3 * Self.scale
        let sessionLines = 40
        let writerThreads = 4
        let writerLines = 400 * Self.scale
        let started = Date()

        let group = DispatchGroup()
        let failures = Locked<[String]>([])
        func background(_ work: @escaping @Sendable () throws -> Void) {
            group.enter()
            Thread {
                do { try work() } catch { failures.withLock { $0.append("\(error)") } }
                group.leave()
            }.start()
        }
        let types = ["debug", "session", "build", "session"]
        for process in 0..<logProcesses {
            background {
                let result = try Self.shell(
                    "i=1; while [ $i -le \(logLines) ]; do \"$BIN\" log 15 --type \(types[process % types.count]) \"log-\(process)-$i\" >/dev/null || echo \"failed log-\(process)-$i\"; i=$((i+1)); done",
                    in: sandbox)
                if !result.output.isEmpty || result.status != 0 { failures.withLock { $0.append(result.output + result.errorOutput) } }
            }
        }
        for (label, type) in [("cap", "session"), ("bld", "build")] {
            background {
                for session in 0..<sessions {
                    let result = try Self.shell(
                        "\"$BIN\" capture 15 --type \(type) -- sh -c 'i=1; while [ $i -le \(sessionLines) ]; do echo \(label)-\(session)-$i; i=$((i+1)); done' >/dev/null",
                        in: sandbox)
                    if result.status != 0 { failures.withLock { $0.append(result.errorOutput) } }
                }
            }
        }
        let writer = LogWriter(configuration: {
            var configuration = LogWriter.Configuration()
            configuration.flushInterval = 0.02
            configuration.bufferSize = 512
            return configuration
        }())
        for thread in 0..<writerThreads {
            background {
                let path = sandbox.path(thread % 2 == 0 ? "logs/debug/15-debug.log" : "logs/builds/15-build.log")
                for line in 1...writerLines {
                    writer.append("lw-\(thread)-\(line)", to: path)
                    if line % 50 == 0 { usleep(1000) }
                }
            }
        }
        let writing = DispatchGroup()
        writing.enter()
        let done = Locked(false)
        let rotations = Locked(0)
        Thread {
            // Rotates every file of the issue, sessions too, until the writers are done.
            while !done.withLock({ $0 }) {
                if let result = try? Self.shell(
                    "for f in logs/debug/15-debug.log logs/builds/15-build.log logs/sessions/session-15-*.md; do [ -f \"$f\" ] && \"$BIN\" rotate \"$f\" --threshold 0 --archive-dir rotated >/dev/null; done; true",
                    in: sandbox)
                {
                    if result.status != 0 { failures.withLock { $0.append(result.errorOutput) } }
                }
                rotations.withLock { $0 += 1 }
            }
            writing.leave()
        }.start()
        group.wait()
        try writer.close()
        done.withLock { $0 = true }
        writing.wait()
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")

        let archive = try LogArchiveBinary.run(["15", "--no-commit"], in: sandbox)
        #expect(archive.status == 0, "\(archive.errorOutput)")

        // Every token, wherever it ended up.
        let everything = try Self.shell(
            "{ find logs -type f ! -name '.*' -exec cat {} +; find rotated .logarchive-store -type f ! -name '*.json' -exec zcat -f {} + 2>/dev/null; } | grep -oE '(log|cap|bld|lw)-[0-9]+-[0-9]+$' | sort | uniq -c | awk '{print $2\" \"$1}'",
            in: sandbox)
        var counts: [String: Int] = [:]
        for line in everything.output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { counts[String(parts[0])] = Int(parts[1]) }
        }
        var expected: [String] = []
        for process in 0..<logProcesses { for line in 1...logLines { expected.append("log-\(process)-\(line)") } }
        for label in ["cap", "bld"] { for session in 0..<sessions { for line in 1...sessionLines { expected.append("\(label)-\(session)-\(line)") } } }
        for thread in 0..<writerThreads { for line in 1...writerLines { expected.append("lw-\(thread)-\(line)") } }
        let missing = expected.filter { counts[$0] == nil }
        let doubled = expected.filter { (counts[$0] ?? 0) > 1 }
        #expect(missing.isEmpty, "\(missing.count) lines lost: \(missing.prefix(20))")
        #expect(doubled.isEmpty, "\(doubled.count) lines twice: \(doubled.prefix(20))")
        #expect(counts.count == expected.count)
        // The figures for docs/reliability.md.
        print(
            "mixed writers: \(expected.count) lines (\(logProcesses * logLines) by log processes, \(2 * sessions * sessionLines) by captures, \(writerThreads * writerLines) by a LogWriter), \(rotations.withLock { $0 }) rotation rounds, \(try FileManager.default.contentsOfDirectory(atPath: sandbox.path("rotated")).count) archives, \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
        )
    }
}
