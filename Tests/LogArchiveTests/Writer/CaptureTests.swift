import Foundation
import Testing
@testable import LogArchive

@Suite struct CaptureTests {
    static func text(_ sandbox: Sandbox, _ relative: String) throws -> String {
        String(decoding: try sandbox.read(relative), as: UTF8.self)
    }

    @Test func aFailingCommandsOutputIsShownAndLoggedAndItsExitCodePassedThrough() throws {
        let sandbox = try Sandbox()
        let result = try LogArchiveBinary.run(
            ["capture", "77", "--", "sh", "-c", "echo built part one; echo 'warning: careful' >&2; printf 'no newline'; exit 3"],
            in: sandbox)
        #expect(result.status == 3)
        #expect(result.output.contains("built part one\n"))
        #expect(result.output.contains("no newline"))
        #expect(result.errorOutput.contains("warning: careful"))
        let log = try Self.text(sandbox, "logs/builds/77-build.log")
        let lines = log.split(separator: "\n")
        #expect(lines.first?.hasSuffix("[capture] $ sh -c 'echo built part one; echo '\\''warning: careful'\\'' >&2; printf '\\''no newline'\\''; exit 3'") == true, "\(log)")
        #expect(lines.contains { $0.hasSuffix("[stdout] built part one") })
        #expect(lines.contains { $0.hasSuffix("[stderr] warning: careful") })
        #expect(lines.contains { $0.hasSuffix("[stdout] no newline") })
        #expect(lines.last?.contains("[capture] exit 3 after") == true)
        // Each line starts with a UTC timestamp to the millisecond.
        #expect(lines.allSatisfy { $0.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \["#, options: .regularExpression) != nil })
    }

    @Test func aSessionLogCarriesFrontMatterTheIssueCommentReads() throws {
        let sandbox = try Sandbox()
        let result = try LogArchiveBinary.run(["capture", "78", "--type", "session", "--", "sh", "-c", "echo thinking; sleep 1.2"], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        let sessions = try FileManager.default.contentsOfDirectory(atPath: sandbox.path("logs/sessions"))
        let name = try #require(sessions.first)
        #expect(name.range(of: #"^session-78-\d{8}T\d{6}\.\d{3}Z\.md$"#, options: .regularExpression) != nil, "\(name)")
        let text = try Self.text(sandbox, "logs/sessions/\(name)")
        #expect(text.hasPrefix("---\nissue: 78\ncommand: \"sh -c 'echo thinking; sleep 1.2'\"\nstarted: "))
        #expect(text.range(of: #"\nended: [^\n]+\nduration: [^\n]+\nexit_code: 0 *\n---\n"#, options: .regularExpression) != nil, "\(text)")
        #expect(text.contains("[stdout] thinking"))
        let duration = try #require(IssueComment.sessionDuration(ofFileAt: sandbox.path("logs/sessions/\(name)")))
        #expect(duration >= 1 && duration <= 5)
        // The archive collects it as the issue's session.
        let archive = try LogArchiveBinary.run(["78", "--json", "--no-commit"], in: sandbox)
        #expect(archive.status == 0, "\(archive.errorOutput)")
        #expect(try sandbox.entry("78")?["total_logs"] as? Int == 1)
    }

    @Test func aCommandKilledByASignalExitsAsAShellReportsIt() throws {
        let sandbox = try Sandbox()
        let result = try LogArchiveBinary.run(["capture", "79", "--", "sh", "-c", "echo before; kill -TERM $$"], in: sandbox)
        #expect(result.status == 143)
        #expect(try Self.text(sandbox, "logs/builds/79-build.log").contains("[capture] exit 143"))
    }

    /// A command that does not exist ends as any other: 127, and its end line with the reason.
    @Test func aMissingCommandIs127AndItsEndIsLogged() throws {
        let sandbox = try Sandbox()
        let result = try LogArchiveBinary.run(["capture", "80", "--", "no-such-command-here"], in: sandbox)
        #expect(result.status == 127)
        #expect(result.errorOutput.contains("command not found"))
        let lines = try Self.text(sandbox, "logs/builds/80-build.log").split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix("[capture] $ no-such-command-here") == true)
        #expect(lines.last?.hasSuffix("[capture] exit 127: cannot run no-such-command-here: command not found") == true)
    }

    /// In a session its front matter is closed too, with exit code 127.
    @Test func aMissingCommandClosesItsSession() throws {
        let sandbox = try Sandbox()
        let result = try LogArchiveBinary.run(["capture", "80", "--type", "session", "--", "no-such-command-here"], in: sandbox)
        #expect(result.status == 127)
        let names = try FileManager.default.contentsOfDirectory(atPath: sandbox.path("logs/sessions")).filter { $0.hasSuffix(".md") }
        let name = try #require(names.first)
        #expect(names.count == 1)
        let text = try Self.text(sandbox, "logs/sessions/\(name)")
        #expect(text.contains("exit_code: 127"))
        #expect(text.contains("[capture] exit 127: cannot run no-such-command-here: command not found"))
    }

    @Test func sigtermToCaptureReachesTheCommandAndItsEndIsLogged() throws {
        let sandbox = try Sandbox()
        let capture = try BackgroundProcess(
            LogArchiveBinary.path, ["capture", "81", "--", "sh", "-c", "echo started; exec sleep 30"], in: sandbox.root,
            environment: LogArchiveBinary.environment(), outputPath: sandbox.path("capture.out"))
        #expect(capture.waitForOutput(seconds: 10) { $0.contains("started") })
        usleep(200_000)
        capture.signal(SIGTERM)
        #expect(capture.waitForExit(seconds: 10) == 143)
        let log = try Self.text(sandbox, "logs/builds/81-build.log")
        #expect(log.contains("[stdout] started"))
        #expect(log.contains("[capture] exit 143"))
    }

    @Test func logAppendsOneLineToTheTypesLog() throws {
        let sandbox = try Sandbox()
        #expect(try LogArchiveBinary.run(["log", "82", "first note"], in: sandbox).status == 0)
        #expect(try LogArchiveBinary.run(["log", "82", "--type", "deployment", "promoted"], in: sandbox).status == 0)
        #expect(try LogArchiveBinary.run(["log", "82", "second note"], in: sandbox).status == 0)
        let debug = try Self.text(sandbox, "logs/debug/82-debug.log").split(separator: "\n")
        #expect(debug.count == 2)
        #expect(debug[0].hasSuffix("[log] first note") && debug[1].hasSuffix("[log] second note"))
        #expect(try Self.text(sandbox, "logs/deployments/82-deployment.log").hasSuffix("[log] promoted\n"))
        let bad = try LogArchiveBinary.run(["log", "0", "x"], in: sandbox)
        #expect(bad.status == 64)
    }

    /// A message with line breaks cannot fake log lines: each of its lines gets the timestamp and
    /// `[log]` prefix, all with one time.
    @Test func aMultiLineMessageGetsAPrefixOnEveryLine() throws {
        let sandbox = try Sandbox()
        let fake = "real note\n2020-01-01T00:00:00.000Z [stdout] BUILD SUCCEEDED\r\nthird\rfourth\n"
        let result = try LogArchiveBinary.run(["log", "83", fake], in: sandbox)
        #expect(result.status == 0, "\(result.errorOutput)")
        let text = try Self.text(sandbox, "logs/debug/83-debug.log")
        #expect(!text.contains("\r"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 5 && lines.last == "", "\(text)")
        let prefix = try #require(lines.first?.prefix(while: { $0 != "[" }))
        #expect(prefix.count == "2025-01-15T09:00:00.123Z ".count && !prefix.hasPrefix("2020"))
        #expect(lines.dropLast().map { String($0) } == [
            "\(prefix)[log] real note",
            "\(prefix)[log] 2020-01-01T00:00:00.000Z [stdout] BUILD SUCCEEDED",
            "\(prefix)[log] third",
            "\(prefix)[log] fourth",
        ])
    }

    /// An empty message (or one of only spaces and line breaks) is refused, exit 64, and nothing
    /// is written: no log file, no session file.
    @Test(arguments: ["", "   ", "\n", " \n\t"])
    func anEmptyMessageIsRefusedAndChangesNothing(_ message: String) throws {
        let sandbox = try Sandbox()
        let before = try sandbox.snapshot()
        for type in ["debug", "session"] {
            let result = try LogArchiveBinary.run(["log", "84", "--type", type, message], in: sandbox)
            #expect(result.status == 64)
            #expect(result.errorOutput.contains("the message is empty"))
        }
        #expect(try sandbox.snapshot() == before)
    }

    /// Sessions of one issue started back to back: each has a file of its own with its own output.
    @Test func sessionsStartedWithinTheSameSecondEachGetTheirOwnFile() throws {
        let sandbox = try Sandbox()
        for run in 1...3 {
            let result = try LogArchiveBinary.run(["capture", "6", "--type", "session", "--", "echo", "output of run \(run)"], in: sandbox)
            #expect(result.status == 0, "\(result.errorOutput)")
            #expect(result.errorOutput.contains("1 line logged"))
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: sandbox.path("logs/sessions")).sorted()
        #expect(names.count == 3, "\(names)")
        var outputs: [String] = []
        for name in names {
            let text = try Self.text(sandbox, "logs/sessions/\(name)")
            let lines = text.split(separator: "\n").filter { $0.contains("[stdout]") }
            #expect(lines.count == 1, "\(text)")
            outputs += lines.map { String($0.split(separator: "] ").last ?? "") }
            #expect(text.contains("\nexit_code: 0"))
        }
        #expect(outputs.sorted() == ["output of run 1", "output of run 2", "output of run 3"])
    }

    /// Same millisecond, forced with a clock that stands still: the second file takes a suffix
    /// (created O_EXCL), and `log` then writes into the latest one.
    @Test func sessionsStartedInTheSameMillisecondTakeASuffixAndNeverShareAFile() throws {
        let sandbox = try Sandbox()
        let instant = UTCInstant(timestamp: UTCTimestamp(seconds: 1_736_931_600), milliseconds: 123)
        var paths: [String] = []
        for run in 1...3 {
            let capture = CommandCapture(
                issue: IssueNumber(exactly: 6)!, type: .session, command: ["echo", "run \(run)"], logsDirectory: sandbox.logsDirectory,
                clock: { instant })
            let outcome = try capture.run { _, _ in }
            #expect(outcome.lines == 1)
            paths.append(outcome.logPath)
        }
        #expect(paths.map { Paths.lastComponent(of: $0) } == [
            "session-6-20250115T090000.123Z.md", "session-6-20250115T090000.123Z_2.md", "session-6-20250115T090000.123Z_3.md",
        ])
        for (run, path) in paths.enumerated() {
            let text = String(decoding: try FileSystem.readAll(path), as: UTF8.self)
            #expect(text.contains("[stdout] run \(run + 1)\n"))
            #expect(!text.contains("[stdout] run \((run + 1) % 3 + 1)"))
        }
        #expect(IssueLogPath.latestSession(issue: IssueNumber(exactly: 6)!, logsDirectory: sandbox.logsDirectory) == paths[2])
        // _10 comes after _9, and a name of the old form (seconds only) before a later millisecond.
        let prefix = "session-6-"
        #expect(IssueLogPath.sessionOrder("session-6-20250115T090000.123Z_10.md", prefix: prefix)
            > IssueLogPath.sessionOrder("session-6-20250115T090000.123Z_9.md", prefix: prefix))
        #expect(IssueLogPath.sessionOrder("session-6-20250115T090000Z.md", prefix: prefix)
            < IssueLogPath.sessionOrder("session-6-20250115T090000.001Z.md", prefix: prefix))
        try IssueLogAppender.append("a note", issue: IssueNumber(exactly: 6)!, type: .session, logsDirectory: sandbox.logsDirectory)
        #expect(String(decoding: try FileSystem.readAll(paths[2]), as: UTF8.self).hasSuffix("[log] a note\n"))
    }

    /// Closing a session fills its front matter in place under the lock: lines appended by `log`
    /// meanwhile all stay (the old close read the file and replaced it, losing them).
    @Test func closingASessionKeepsEveryLineAppendedMeanwhile() throws {
        let sandbox = try Sandbox()
        let issue = IssueNumber(exactly: 5)!
        let started = UTCInstant.now()
        let opening = Array(SessionFrontMatter.opening(issue: issue, command: "work", started: started.timestamp).utf8)
        let paths = try (0..<20).map { _ in
            try IssueLogPath.createSession(issue: issue, logsDirectory: sandbox.logsDirectory, started: started, contents: opening)
        }
        let appended = Locked(0)
        let stop = Locked(false)
        let group = DispatchGroup()
        for thread in 0..<2 {
            group.enter()
            Thread {
                var count = 0
                while !stop.withLock({ $0 }) {
                    for path in paths {
                        try? IssueLogAppender.appendLine(Array("note-\(thread)-\(count)\n".utf8), to: path, create: false)
                        count += 1
                    }
                }
                appended.withLock { $0 += count }
                group.leave()
            }.start()
        }
        usleep(20_000)
        for path in paths {
            #expect(try SessionFrontMatter.close(path, opening: opening, ended: UTCTimestamp(seconds: started.timestamp.seconds + 90), started: started.timestamp, exitCode: 2))
        }
        stop.withLock { $0 = true }
        group.wait()
        var found = 0
        for path in paths {
            let bytes = try FileSystem.readAll(path)
            let text = String(decoding: bytes, as: UTF8.self)
            found += text.split(separator: "\n").filter { $0.hasPrefix("note-") }.count
            #expect(text.contains("\nexit_code: 2"))
            #expect(IssueComment.sessionDuration(frontMatter: bytes) == 90)
        }
        #expect(found == appended.withLock { $0 })
    }

    /// A session whose head a rotation took away: closing changes nothing rather than writing into
    /// the lines now at the start; the body's exit line records the end.
    @Test func closingASessionWhoseFrontMatterWasRotatedAwayLeavesTheFileAlone() throws {
        let sandbox = try Sandbox()
        let issue = IssueNumber(exactly: 5)!
        let started = UTCInstant.now()
        let opening = Array(SessionFrontMatter.opening(issue: issue, command: "work", started: started.timestamp).utf8)
        let path = try IssueLogPath.createSession(issue: issue, logsDirectory: sandbox.logsDirectory, started: started, contents: opening)
        let after = String(repeating: "a line written after the rotation\n", count: 20)
        try FileSystem.writeAtomically(Array(after.utf8), to: path)
        #expect(try !SessionFrontMatter.close(path, opening: opening, ended: started.timestamp, started: started.timestamp, exitCode: 0))
        #expect(String(decoding: try FileSystem.readAll(path), as: UTF8.self) == after)
    }

    /// Front matter written before the slot (ended added by rewriting) is still read.
    @Test func frontMatterOfBothFormsGivesTheDuration() throws {
        let old = "---\nissue: 5\ncommand: \"x\"\nstarted: 2025-01-15T09:00:00Z\nended: 2025-01-15T09:01:30Z\nduration: 1m 30s\nexit_code: 0\n---\n\nbody\n"
        #expect(IssueComment.sessionDuration(frontMatter: Array(old.utf8)) == 90)
        let started = UTCTimestamp(seconds: 1_736_931_600)
        let slot = SessionFrontMatter.opening(issue: IssueNumber(exactly: 5)!, command: "x", started: started)
        #expect(IssueComment.sessionDuration(frontMatter: Array(slot.utf8)) == nil)
        let ending = SessionFrontMatter.ending(ended: UTCTimestamp(seconds: started.seconds + 90), started: started, exitCode: -1)
        #expect(ending.utf8.count == SessionFrontMatter.slotSize)
    }

    /// `log` honours the lock `rotate` takes: while an exclusive flock is held, its line waits.
    @Test func logWaitsForTheExclusiveLockThenAppendsItsLine() throws {
        let sandbox = try Sandbox()
        let issue = IssueNumber(exactly: 9)!
        let path = try IssueLogAppender.append("first", issue: issue, type: .debug, logsDirectory: sandbox.logsDirectory)
        let held = try PosixFile.open(path, flags: O_RDWR)
        #expect(flock(held.descriptor, LOCK_EX) == 0)
        let done = DispatchSemaphore(value: 0)
        Thread {
            _ = try? IssueLogAppender.append("second", issue: issue, type: .debug, logsDirectory: sandbox.logsDirectory)
            done.signal()
        }.start()
        #expect(done.wait(timeout: .now() + 0.3) == .timedOut)
        #expect(try FileStatus.of(path).size == Int64(try FileSystem.readAll(path).count))
        #expect(String(decoding: try FileSystem.readAll(path), as: UTF8.self).split(separator: "\n").count == 1)
        try held.close()
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(String(decoding: try FileSystem.readAll(path), as: UTF8.self).split(separator: "\n").count == 2)
    }
}
