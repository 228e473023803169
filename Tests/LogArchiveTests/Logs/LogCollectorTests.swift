import Testing
@testable import LogArchive

@Suite struct LogCollectorTests {
    static let issue = try! IssueNumber(validating: "123")

    @Test(arguments: [
        ("123-build.log", LogType.build, true),
        ("123_build.log", .build, true),
        ("123.log", .build, true),
        ("1234-build.log", .build, false),
        ("5123-build.log", .build, false),
        ("123.5.log", .build, false),
        ("123-", .build, false),
        ("build-123.log", .build, false),
        ("session-123-2025-01-15.md", .session, true),
        ("session-123.md", .session, true),
        ("session-1234-2025-01-15.md", .session, false),
        ("session-5123-2025-01-15.md", .session, false),
        ("notes-for-issue-123.md", .session, true),
        ("review_123_final.md", .session, true),
        ("issue1234.md", .session, false),
        ("session-456-2025-01-23.md", .session, false),
        (".session-123-hidden.md", .session, false),
    ])
    func matchesTheIssueExactly(_ name: String, _ type: LogType, _ expected: Bool) {
        #expect(LogCollector.matches(name, issue: Self.issue, type: type) == expected, "\(name)")
    }

    @Test func datesInSessionNamesAreNotIssueNumbers() throws {
        let issue23 = try IssueNumber(validating: "23")
        #expect(!LogCollector.matches("session-456-2025-01-23.md", issue: issue23, type: .session))
        #expect(!LogCollector.matches("session-456-2025-01-23T14-23-05.md", issue: issue23, type: .session))
        #expect(LogCollector.matches("session-23-2025-01-23.md", issue: issue23, type: .session))
    }

    @Test func workFilesOfEarlierRunsAreNotCollected() {
        let names: Set = ["123-build.log", "123-build.log.gz", "123-old.log.gz"]
        #expect(LogCollector.isWorkFile("123-build.log.gz", siblings: names))
        #expect(!LogCollector.isWorkFile("123-old.log.gz", siblings: names), "a .gz with no original is a log of its own")
        #expect(LogCollector.isWorkFile("123-build.log.gz.tmp", siblings: names))
        #expect(LogCollector.isWorkFile("123-build.log.part", siblings: names))
        #expect(LogCollector.isWorkFile("123-build.log.tmp-4711", siblings: names))
    }

    @Test func collectsFromEveryTypeFolderWithTheTypeOfTheFolder() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/sessions/session-123-2025-01-15.md", "s")
        try sandbox.write("logs/builds/123-build.log", "b")
        try sandbox.write("logs/deployments/123-prod.log", "d")
        try sandbox.write("logs/debug/123-trace.log", "x")
        try sandbox.write("logs/debug/1234-trace.log", "x")
        let logs = try LogCollector(logsDirectory: sandbox.logsDirectory).collect(issue: Self.issue)
        #expect(logs.map(\.type) == [.session, .build, .deployment, .debug])
        #expect(logs.map(\.relativePath) == [
            "sessions/session-123-2025-01-15.md", "builds/123-build.log", "deployments/123-prod.log",
            "debug/123-trace.log",
        ])
    }

    @Test func aMatchingFolderOrFifoIsRefused() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/debug/123-dir/inner.log", "x")
        #expect(throws: ArchiveError.self) {
            try LogCollector(logsDirectory: sandbox.logsDirectory).collect(issue: Self.issue)
        }
        let fifoSandbox = try Sandbox()
        try fifoSandbox.shell("mkfifo logs/builds/123-pipe.log").requireSuccess()
        do {
            _ = try LogCollector(logsDirectory: fifoSandbox.logsDirectory).collect(issue: Self.issue)
            Issue.record("a FIFO was collected")
        } catch {
            #expect(error.kind == .badInput)
            #expect(error.message.contains("fifo"))
        }
    }
}
