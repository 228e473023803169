import Foundation
import Testing
import LogArchive

/// Many processes archiving different issues into one index and one store (the local store, and a
/// bucket on the test S3 server) at the same moment: every entry lands, whole, once. `LOGARCHIVE_CONCURRENCY_ROUNDS` repeats it (the issue asks
/// for 20 rounds; CI runs 3).
@Suite struct ConcurrencyTests {
    static let rounds = Int(ProcessInfo.processInfo.environment["LOGARCHIVE_CONCURRENCY_ROUNDS"] ?? "") ?? 3
    static let processes = 16

    @Test(arguments: ["local", "S3"]) func sixteenProcessesSixteenIssuesOneIndexOneStore(_ storeKind: String) throws {
        let server = storeKind == "local" ? nil : try S3TestServer.require()
        for round in 0..<Self.rounds {
            let sandbox = try Sandbox()
            let store = try server.map { StoreProbe.s3($0, bucket: try $0.makeBucket(), sandbox: sandbox) } ?? .local(sandbox)
            let issues = (1...Self.processes).map { 500 + $0 }
            for issue in issues {
                try sandbox.write("logs/builds/\(issue)-build.log", Sandbox.logText(bytes: 20_000, seed: issue))
                try sandbox.write("logs/debug/\(issue)-trace.log", "round \(round) issue \(issue)\n")
            }
            try sandbox.write("logs/builds/999-build.log", "not archived in this test\n")
            let runs = try issues.map { issue in
                try BackgroundProcess(
                    LogArchiveBinary.path, ["\(issue)", "--no-commit", "--no-comment", "--json"] + store.arguments, in: sandbox.root,
                    environment: LogArchiveBinary.environment(store.environment),
                    outputPath: sandbox.path("run-\(issue).json"))
            }
            for (issue, run) in zip(issues, runs) {
                #expect(run.waitForExit(seconds: 120) == 0, "\(storeKind) round \(round), issue \(issue): \(run.output)")
            }
            let archives = try sandbox.index()["archives"] as? [[String: Any]] ?? []
            #expect(archives.compactMap { $0["issue_number"] as? String } == issues.reversed().map(String.init), "\(storeKind) round \(round)")
            for entry in archives {
                #expect(entry["upload_complete"] as? Bool == true)
                #expect((entry["logs"] as? [[String: Any]])?.count == 2)
            }
            // One object per log, a manifest and a trace per issue; nothing half-written anywhere.
            let files = try StoreContents(store).keys
            #expect(files.filter { $0.hasSuffix(".log") || $0.hasSuffix(".log.gz") }.count == 2 * Self.processes)
            #expect(files.filter { $0.hasSuffix("/manifest.json") }.count == Self.processes)
            #expect(!files.contains { $0.hasSuffix(".part") })
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: sandbox.logsDirectory).filter {
                $0.hasSuffix(".tmp") || $0.hasSuffix(".backup") || $0.hasSuffix(".lock") || $0.hasPrefix("builds/5") || $0.hasPrefix("debug/5")
            }
            #expect(leftovers.isEmpty, "\(storeKind) round \(round): \(leftovers)")
            #expect(sandbox.exists("logs/builds/999-build.log"))
        }
    }
}
