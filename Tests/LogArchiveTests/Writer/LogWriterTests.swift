import Foundation
import Testing
import LogArchive

@Suite struct LogWriterTests {
    static func lines(_ sandbox: Sandbox, _ relative: String) throws -> [Substring] {
        String(decoding: try sandbox.read(relative), as: UTF8.self).split(separator: "\n")
    }

    @Test func linesFromManyThreadsIntoManyFilesAreAllThereInOrderAfterClose() throws {
        let sandbox = try Sandbox()
        var configuration = LogWriter.Configuration()
        configuration.bufferSize = 4096  // many buffer hand-overs
        let writer = LogWriter(configuration: configuration)
        let threads = 4, files = 40, perThreadPerFile = 500
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<perThreadPerFile {
                for file in 0..<files {
                    writer.append("t\(thread) n\(index) file\(file)", to: sandbox.path("out/deep/\(file).log"))
                }
            }
        }
        try writer.close()
        for file in 0..<files {
            let lines = try Self.lines(sandbox, "out/deep/\(file).log")
            #expect(lines.count == threads * perThreadPerFile)
            // Each thread's lines appear once each, in the order that thread appended them.
            for thread in 0..<threads {
                let mine = lines.filter { $0.hasPrefix("t\(thread) ") }
                #expect(mine == (0..<perThreadPerFile).map { "t\(thread) n\($0) file\(file)"[...] })
            }
        }
        let statistics = writer.statistics
        #expect(statistics.appends == Int64(threads * files * perThreadPerFile))
        #expect(statistics.bufferedBytes == 0)
        #expect(statistics.openHandles == 0)
    }

    @Test func aFullBufferAndTheIntervalBothReachTheDiskWithoutAFlushCall() throws {
        let sandbox = try Sandbox()
        var configuration = LogWriter.Configuration()
        configuration.flushInterval = 0.2
        let writer = LogWriter(configuration: configuration)
        writer.append("one line", to: sandbox.path("interval.log"))
        var seen = false
        for _ in 0..<100 where !seen {
            usleep(20_000)
            seen = (try? Self.lines(sandbox, "interval.log")) == ["one line"]
        }
        #expect(seen)
        try writer.close()
    }

    @Test func memoryPressureFlushesBeforeTheInterval() throws {
        let sandbox = try Sandbox()
        var configuration = LogWriter.Configuration()
        configuration.flushInterval = 3600
        configuration.bufferSize = 1 << 20
        configuration.memoryLimit = 10_000
        let writer = LogWriter(configuration: configuration)
        for index in 0..<400 {
            writer.append("line \(index) of a run that goes over the memory limit", to: sandbox.path("pressure.log"))
        }
        // Over the limit the flusher writes at once (the interval is an hour away) until what is
        // left fits under the limit; the rest goes at close.
        var count = 0
        for _ in 0..<100 where count == 0 || writer.statistics.bufferedBytes > 10_000 {
            usleep(20_000)
            count = (try? Self.lines(sandbox, "pressure.log").count) ?? 0
        }
        #expect(count > 0)
        #expect(writer.statistics.bufferedBytes <= 10_000)
        try writer.close()
        #expect(try Self.lines(sandbox, "pressure.log").count == 400)
    }

    @Test func aWriteErrorKeepsTheLinesForALaterFlush() throws {
        let sandbox = try Sandbox()
        // The log's folder is a file for now: opening it fails.
        try sandbox.write("blocked", "not a folder\n")
        let writer = LogWriter()
        writer.append("first", to: sandbox.path("blocked/app.log"))
        writer.append("second", to: sandbox.path("blocked/app.log"))
        #expect(throws: (any Error).self) { try writer.flush() }
        #expect(writer.statistics.writeErrors >= 1)
        #expect(writer.statistics.bufferedBytes == 13)
        #expect("\(writer.lastError.map { "\($0)" } ?? "")".contains("blocked/app.log"))
        // Once the folder can exist, the same lines arrive, in order, with the ones added since.
        try FileManager.default.removeItem(atPath: sandbox.path("blocked"))
        writer.append("third", to: sandbox.path("blocked/app.log"))
        try writer.flush()
        #expect(try Self.lines(sandbox, "blocked/app.log") == ["first", "second", "third"])
        try writer.close()
    }

    @Test func aFullDiskIsReportedAndNothingIsDropped() throws {
        let writer = LogWriter()
        writer.append("to a full device", to: "/dev/full")
        #expect(throws: (any Error).self) { try writer.close() }
        #expect(writer.statistics.bufferedBytes == 17)
        #expect("\(writer.lastError.map { "\($0)" } ?? "")".contains("No space left"))
    }

    @Test func thePoolKeepsAtMostItsLimitOpenAndEvictsTheLeastRecentlyUsed() throws {
        let sandbox = try Sandbox()
        var configuration = LogWriter.Configuration()
        configuration.maximumOpenFiles = 5
        let writer = LogWriter(configuration: configuration)
        for round in 0..<3 {
            for file in 0..<20 {
                writer.append("round \(round)", to: sandbox.path("pool/\(file).log"))
            }
            try writer.flush()
            #expect(writer.statistics.openHandles <= 5)
        }
        #expect(writer.statistics.evictions >= 45)
        try writer.close()
        for file in 0..<20 {
            #expect(try Self.lines(sandbox, "pool/\(file).log") == ["round 0", "round 1", "round 2"])
        }
    }

    @Test func jsonRecordsAreOneLineEach() throws {
        let sandbox = try Sandbox()
        let writer = LogWriter()
        var record = JSONObject()
        record["message"] = .string("two\nlines \"quoted\"")
        record["count"] = .integer(3)
        writer.append(record: record, to: sandbox.path("records.jsonl"))
        try writer.close()
        let lines = try Self.lines(sandbox, "records.jsonl")
        #expect(lines.count == 1)
        let parsed = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(parsed?["message"] as? String == "two\nlines \"quoted\"")
    }

    /// 1,000 files under a descriptor limit of 64: the pool gives descriptors back on EMFILE.
    @Test func thousandFilesUnderASixtyFourDescriptorLimit() throws {
        let sandbox = try Sandbox()
        let result = try CommandRunner.run(
            "/bin/bash",
            ["-c", "ulimit -n 64; exec \"$0\" --files 1000 --threads 4 --lines 20000 --max-open 200 --dir out", LogWriterBench.path],
            in: sandbox.root, environment: LogArchiveBinary.environment())
        #expect(result.status == 0, "\(result.output)\(result.errorOutput)")
        let files = try FileManager.default.contentsOfDirectory(atPath: sandbox.path("out/logwriter"))
        #expect(files.count == 1000)
        let total = try files.reduce(0) { $0 + (try Self.lines(sandbox, "out/logwriter/\($1)").count) }
        #expect(total == 20000)
    }
}

/// The writer benchmark program, built beside `logarchive`.
enum LogWriterBench {
    static var path: String {
        (LogArchiveBinary.path as NSString).deletingLastPathComponent + "/logarchive-bench-writer"
    }
}
