import ArgumentParser
import Foundation
import LogArchive
import Testing

@testable import logarchive

/// Commands run in this process against a `CommandContext` the test builds: a sandbox as the
/// current directory, an environment and buffers of their own. The test process's directory,
/// environment and streams are never changed, so these run in parallel with every other test.
@Suite struct CommandContextTests {
    @Test func initAndStatusWorkInTheContextsDirectoryAndPrintToItsOutput() throws {
        let sandbox = try Sandbox()
        let processDirectory = FileManager.default.currentDirectoryPath

        let initialized = InProcessContext(directory: sandbox.root).run(["init"])
        #expect(initialized.status == 0, "\(initialized.errorOutput)")
        #expect(initialized.output == "Wrote .logarchive.json\n")
        #expect(initialized.errorOutput == "")
        #expect(try String(contentsOfFile: sandbox.path(".logarchive.json"), encoding: .utf8) == ConfigFile.template)

        let status = InProcessContext(directory: sandbox.root).run(["status"])
        #expect(status.status == 0, "\(status.errorOutput)")
        #expect(status.output.contains("nothing has been archived"))
        #expect(status.errorOutput == "")

        #expect(FileManager.default.currentDirectoryPath == processDirectory)
        #expect(processDirectory != sandbox.root)
    }

    @Test func aSubcommandParsedAloneRunsAgainstTheContext() throws {
        let sandbox = try Sandbox()
        let run = InProcessContext(directory: sandbox.root)
        try LogArchiveCommand.Init.parse(["--path", "team.json"]).run(in: run.context)
        #expect(run.output.text == "Wrote team.json\n")
        #expect(sandbox.exists("team.json"))
        // `--config team.json` is looked up in the context's directory: in the test process's, status would fail.
        let status = try LogArchiveCommand.parseAsRoot(["status", "--json", "--config", "team.json"])
        let statusRun = InProcessContext(directory: sandbox.root)
        try #require(status as? LogArchiveCommand.Status).run(in: statusRun.context)
        #expect(statusRun.output.text.hasPrefix("{"))
        #expect(statusRun.output.text.contains(#""issues":0"#))
    }

    @Test func archivingIssue123InProcessPrintsTheSummaryAndWritesTheIndexEntry() throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let result = InProcessContext(directory: sandbox.root).run(["123"])
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("✓ Logs archived for issue #123"))
        #expect(result.output.contains("Collected: 4 logs"))
        #expect(!result.output.contains("\u{1B}["), "a buffer is not a terminal: no colour, no progress line")

        let entry = try #require(try sandbox.entry("123"))
        let logs = try #require(entry["logs"] as? [[String: Any]])
        #expect(logs.count == 4)
        #expect(entry["upload_complete"] as? Bool == true)
        for log in logs {
            #expect(log["upload_status"] as? String == "uploaded")
            let remote = try #require(log["remote_path"] as? String)
            #expect(FileManager.default.fileExists(atPath: sandbox.storeRoot + "/" + remote))
        }
        #expect(!sandbox.exists("logs/builds/123-build.log"))
        #expect(sandbox.exists("logs/builds/1234-build.log"))
    }

    /// The context's streams get exactly what the real process's get: compared with the binary.
    @Test(arguments: ["abc", "0", "-5", "12a"])
    func aBadIssueNumberFailsWithTheErrorOnStderrAndNothingOnStdout(_ issue: String) throws {
        let sandbox = try ArchiveCommandTests.projectWithIssue123()
        let before = try sandbox.snapshot()
        let result = InProcessContext(directory: sandbox.root).run([issue])
        #expect(result.status == 64)
        #expect(result.output == "")
        #expect(result.errorOutput.hasPrefix("logarchive: error: "), "\(result.errorOutput)")
        let binary = try LogArchiveBinary.run([issue], in: sandbox)
        #expect(result.status == binary.status)
        #expect(result.errorOutput == binary.errorOutput)
        #expect(try sandbox.snapshot() == before)
    }

    @Test func withJSONAUsageErrorIsOneObjectOnTheContextsOutput() throws {
        let sandbox = try Sandbox()
        let result = InProcessContext(directory: sandbox.root).run(["0", "--json"])
        #expect(result.status == 64)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(object["exit_code"] as? Int == 64)
        #expect(result.errorOutput.contains("logarchive: error: "))
    }

    @Test func theLogLevelComesFromTheContextsEnvironment() throws {
        let sandbox = try Sandbox()
        let unknownLevel = InProcessContext(directory: sandbox.root, environment: ["LOGARCHIVE_LOG_LEVEL": "chatty"])
        let refused = unknownLevel.run(["status"])
        #expect(refused.status == 64)
        #expect(refused.output == "")
        #expect(refused.errorOutput.contains("invalid LOGARCHIVE_LOG_LEVEL 'chatty'"))

        // Debug records go to the context's stderr: no logging system is bootstrapped.
        let debugLevel = InProcessContext(directory: sandbox.root, environment: ["LOGARCHIVE_LOG_LEVEL": "debug"])
        let verbose = debugLevel.run(["log", "5", "note"])
        #expect(verbose.status == 0, "\(verbose.errorOutput)")
        #expect(verbose.errorOutput.contains(" debug log: 1 lines appended to \(sandbox.root)/logs/debug/5-debug.log"))
        let quiet = InProcessContext(directory: sandbox.root).run(["log", "5", "note"])
        #expect(quiet.errorOutput == "")
    }

    @Test func logReadsTheMessageFromTheContextsInput() throws {
        let sandbox = try Sandbox()
        let piped = InProcessContext(directory: sandbox.root, input: Data("from the pipe\n".utf8))
        let result = piped.run(["log", "7", "-"])
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output == "logs/debug/7-debug.log\n")
        let log = try String(contentsOfFile: sandbox.path("logs/debug/7-debug.log"), encoding: .utf8)
        #expect(log.hasSuffix("[log] from the pipe\n"), "\(log)")
    }

    @Test func commandsRunAtOnceKeepTheirOutputApart() async throws {
        let sandboxes = try (0..<8).map { _ in try Sandbox() }
        let results = await withTaskGroup(of: (Int, InProcessResult).self) { group in
            for (number, sandbox) in sandboxes.enumerated() {
                let root = sandbox.root
                group.addTask {
                    (number, InProcessContext(directory: root).run(["log", "\(number + 1)", "note \(number)"]))
                }
            }
            var results: [Int: InProcessResult] = [:]
            for await (number, result) in group { results[number] = result }
            return results
        }
        for (number, sandbox) in sandboxes.enumerated() {
            let result = try #require(results[number])
            #expect(result.status == 0, "\(result.errorOutput)")
            #expect(result.output == "logs/debug/\(number + 1)-debug.log\n")
            let log = try String(contentsOfFile: sandbox.path("logs/debug/\(number + 1)-debug.log"), encoding: .utf8)
            #expect(log.hasSuffix("note \(number)\n"))
        }
    }
}
