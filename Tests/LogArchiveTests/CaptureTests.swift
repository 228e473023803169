import Foundation
import Testing
import LogArchive

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
        #expect(name.range(of: #"^session-78-\d{8}T\d{6}Z\.md$"#, options: .regularExpression) != nil, "\(name)")
        let text = try Self.text(sandbox, "logs/sessions/\(name)")
        #expect(text.hasPrefix("---\nissue: 78\ncommand: \"sh -c 'echo thinking; sleep 1.2'\"\nstarted: "))
        #expect(text.contains("\nexit_code: 0\n---\n"))
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

    @Test func aMissingCommandIs127AndNoLogIsLeftBehindButTheHeader() throws {
        let sandbox = try Sandbox()
        let result = try LogArchiveBinary.run(["capture", "80", "--", "no-such-command-here"], in: sandbox)
        #expect(result.status == 127)
        #expect(result.errorOutput.contains("command not found"))
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
}
