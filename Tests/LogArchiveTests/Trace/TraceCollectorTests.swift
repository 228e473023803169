import Dispatch
import Foundation
import Synchronization
import Testing

@testable import LogArchive

@Suite struct TraceCollectorTests {
    /// An event at a fixed instant, so orderings in the tests do not depend on the clock.
    static func event(
        _ type: String = "compress.decision", component: String = "compress", at nanoseconds: UInt64,
        request: String = "run-1", subject: String = "", severity: TraceSeverity = .info, rationale: String = ""
    ) throws -> TraceEvent {
        try TraceEvent.Builder(
            type: type, component: component, requestID: request, subject: subject, rationale: rationale,
            severity: severity, timestamp: TraceTimestamp(nanoseconds: nanoseconds)
        ).build()
    }

    @Test func aFullRingDropsExactlyTheOldest() throws {
        let collector = TraceCollector(capacity: 5)
        for number in 1...8 {
            collector.record(try Self.event(at: UInt64(number), subject: "event \(number)"))
        }
        #expect(collector.count == 5)
        #expect(collector.capacity == 5)
        #expect(collector.droppedCount == 3)
        #expect(collector.query().map(\.subject) == (4...8).map { "event \($0)" })
    }

    @Test func clearForgetsEventsAndTheDroppedCount() throws {
        let collector = TraceCollector(capacity: 2)
        for number in 1...3 { collector.record(try Self.event(at: UInt64(number))) }
        collector.clear()
        #expect(collector.count == 0)
        #expect(collector.droppedCount == 0)
        #expect(collector.query().isEmpty)
        collector.record(try Self.event(at: 9, subject: "after"))
        #expect(collector.query().map(\.subject) == ["after"])
    }

    /// Recorded out of time order on purpose: results must come back sorted by timestamp.
    static func sampleCollector() throws -> TraceCollector {
        let collector = TraceCollector()
        let events: [(String, String, UInt64, String, TraceSeverity)] = [
            ("compress.skipped", "compress", 30, "a.log", .info),
            ("upload.retry", "upload", 10, "b.log", .warning),
            ("compress.done", "compress", 20, "b.log", .debug),
            ("upload.failed", "upload", 50, "a.log", .error),
            ("clean.kept", "clean", 40, "a.log", .notice),
        ]
        for (type, component, time, subject, severity) in events {
            collector.record(try event(type, component: component, at: time, subject: subject, severity: severity))
        }
        return collector
    }

    @Test func queriesFilterByEachFieldInTimeOrder() throws {
        let collector = try Self.sampleCollector()
        let times = { (query: TraceQuery) in collector.query(query).map(\.timestamp.nanoseconds) }
        #expect(times(TraceQuery()) == [10, 20, 30, 40, 50])
        let from20To40 = TraceTimestamp(nanoseconds: 20)..<TraceTimestamp(nanoseconds: 40)
        #expect(times(TraceQuery(timeRange: from20To40)) == [20, 30], "start included, end excluded")
        #expect(times(TraceQuery(eventType: "upload.retry")) == [10])
        #expect(times(TraceQuery(component: "compress")) == [20, 30])
        #expect(times(TraceQuery(subject: "a.log")) == [30, 40, 50])
        #expect(times(TraceQuery(minimumSeverity: .notice)) == [10, 40, 50])
        #expect(times(TraceQuery(minimumSeverity: .error)) == [50])
        #expect(times(TraceQuery(eventType: "no.such")).isEmpty)
    }

    @Test func filtersCombineWithAnd() throws {
        let collector = try Self.sampleCollector()
        let times = { (query: TraceQuery) in collector.query(query).map(\.timestamp.nanoseconds) }
        #expect(times(TraceQuery(subject: "a.log", minimumSeverity: .notice)) == [40, 50])
        #expect(times(TraceQuery(component: "upload", subject: "a.log")) == [50])
        let upTo45 = TraceTimestamp(nanoseconds: 0)..<TraceTimestamp(nanoseconds: 45)
        #expect(times(TraceQuery(timeRange: upTo45, subject: "a.log", minimumSeverity: .notice)) == [40])
        #expect(times(TraceQuery(component: "compress", minimumSeverity: .warning)).isEmpty)
    }

    @Test func equalTimestampsKeepTheOrderTheyWereRecordedIn() throws {
        let collector = TraceCollector()
        for name in ["first", "second", "third"] { collector.record(try Self.event(at: 7, subject: name)) }
        collector.record(try Self.event(at: 3, subject: "earliest"))
        #expect(collector.query().map(\.subject) == ["earliest", "first", "second", "third"])
    }

    @Test func decisionChainFollowsOneRunThroughInterleavedRuns() throws {
        let collector = TraceCollector()
        // Two runs interleaved, and run-A's events recorded out of time order.
        let recorded: [(String, UInt64, String)] = [
            ("run-A", 5, "A collect"), ("run-B", 1, "B collect"), ("run-A", 2, "A validate"),
            ("run-B", 4, "B compress"), ("run-A", 9, "A upload"), ("run-B", 6, "B upload"), ("run-A", 7, "A compress"),
        ]
        for (request, time, step) in recorded {
            collector.record(try Self.event(at: time, request: request, subject: step))
        }
        #expect(
            collector.decisionChain(requestID: "run-A").map(\.subject) == [
                "A validate", "A collect", "A compress", "A upload",
            ])
        #expect(collector.decisionChain(requestID: "run-B").map(\.subject) == ["B collect", "B compress", "B upload"])
        #expect(collector.decisionChain(requestID: "run-C").isEmpty)
    }

    @Test(arguments: [
        ("", "compress", "event_type"), (" \t\n", "compress", "event_type"), ("upload.retry", "", "component"),
        ("upload.retry", "  ", "component"),
    ])
    func builderRefusesAnEventWithoutTypeOrComponent(_ type: String, _ component: String, _ field: String) {
        #expect(throws: TraceEventError.self) { try TraceEvent.Builder(type: type, component: component).build() }
        do {
            _ = try TraceEvent.Builder(type: type, component: component).build()
        } catch {
            #expect(error.field == field)
            #expect(error.description.contains(field))
        }
    }

    @Test func builderRefusesANegativeDuration() {
        let builder = TraceEvent.Builder(type: "t", component: "c", duration: .nanoseconds(-1))
        #expect(throws: TraceEventError.self) { try builder.build() }
    }

    @Test func builderKeepsEveryFieldAndGivesUniqueIDs() throws {
        var builder = TraceEvent.Builder(
            type: "compress.skipped", component: "compress", requestID: "run-9", subject: "builds/9-build.log",
            rationale: "gzip output was not smaller", severity: .notice, timestamp: TraceTimestamp(nanoseconds: 100),
            duration: .microseconds(250))
        builder.setAttribute("original_bytes", 1024)
        builder.setAttribute("codec", "gzip")
        let first = try builder.build()
        let second = try builder.build()
        #expect(first.eventID != second.eventID)
        #expect(first.eventType == "compress.skipped")
        #expect(first.component == "compress")
        #expect(first.requestID == "run-9")
        #expect(first.subject == "builds/9-build.log")
        #expect(first.rationale == "gzip output was not smaller")
        #expect(first.severity == .notice)
        #expect(first.timestamp.nanoseconds == 100)
        #expect(first.duration.nanoseconds == 250_000)
        #expect(first.attributes == JSONObject([("original_bytes", .integer(1024)), ("codec", .string("gzip"))]))
    }

    @Test func severitiesRunFromDebugToError() {
        #expect(TraceSeverity.allCases == [.debug, .info, .notice, .warning, .error])
        #expect(TraceSeverity.allCases == TraceSeverity.allCases.sorted())
        #expect(TraceSeverity.debug < .info && TraceSeverity.warning < .error && !(TraceSeverity.error < .notice))
    }

    @Test func durationArithmeticIsExact() {
        var total = TraceDuration.zero
        for _ in 0..<1_000_000 { total = total + .nanoseconds(1) }
        #expect(total == .milliseconds(1))
        #expect(total.nanoseconds == 1_000_000)
        #expect(TraceDuration.seconds(1) == .milliseconds(1_000))
        #expect(TraceDuration.milliseconds(1) == .microseconds(1_000))
        #expect(TraceDuration.microseconds(1) == .nanoseconds(1_000))
        // Near the top of Int64, where a Double would have lost the last digits.
        let large = TraceDuration.seconds(9_223_372_036) + .nanoseconds(854_775_807)
        #expect(large.nanoseconds == Int64.max)
        #expect((large - .nanoseconds(1)).nanoseconds == 9_223_372_036_854_775_806)
        #expect(large - large == .zero)
        #expect(TraceDuration.nanoseconds(1) > .zero && TraceDuration.nanoseconds(-1) < .zero)
        #expect(TraceDuration.milliseconds(3) * 7 == .microseconds(21_000))
        #expect(TraceDuration.milliseconds(1500).swiftDuration == Duration.milliseconds(1500))
    }

    @Test func timestampsSubtractToSignedDurations() {
        let earlier = TraceTimestamp(nanoseconds: 18_000_000_000_000_000_000)
        let later = earlier + .nanoseconds(1)
        #expect(later - earlier == .nanoseconds(1))
        #expect(earlier - later == .nanoseconds(-1))
        #expect(earlier < later)
        #expect(later - .nanoseconds(1) == earlier)
        let now = TraceTimestamp.now()
        #expect(TraceTimestamp.now() >= now, "the clock is monotonic")
        #expect(now.elapsed >= .zero)
    }

    @Test func exportIsReadByPythonWithIntegersAndEscapedStrings() throws {
        let sandbox = try Sandbox()
        let awkward = "quote \" backslash \\ newline \n tab \t return \r nul \u{0} bell \u{7} é 日本 😀 \u{2028} end"
        let collector = TraceCollector(capacity: 3)
        for number in 1...4 {
            var builder = TraceEvent.Builder(
                type: "upload.retry", component: "upload", requestID: "run-\(number)", subject: "builds/\(number).log",
                rationale: awkward, severity: .warning,
                timestamp: TraceTimestamp(nanoseconds: 1_700_000_000_000_000_000 + UInt64(number)),
                duration: .milliseconds(Int64(number)))
            builder.setAttribute("attempt", Int64(number))
            builder.setAttribute("error", awkward)
            collector.record(try builder.build())
        }
        let tracePath = sandbox.path("trace.json")
        try collector.export(to: tracePath)
        let expectedPath = try sandbox.write("expected.txt", awkward)
        let check = """
            import json, sys
            d = json.load(open(sys.argv[1], encoding="utf-8"))
            expected = open(sys.argv[2], encoding="utf-8", newline="").read()
            assert d["trace_version"] == "1", d["trace_version"]
            assert d["exported_at"].endswith("Z") and "T" in d["exported_at"], d["exported_at"]
            assert type(d["capacity"]) is int and d["capacity"] == 3
            assert type(d["dropped"]) is int and d["dropped"] == 1
            events = d["events"]
            assert len(events) == 3, len(events)
            for e in events:
                for key in ("event_id", "timestamp_ns", "duration_ns"):
                    assert type(e[key]) is int, (key, e[key])
                assert e["rationale"] == expected, repr(e["rationale"])
                assert e["attributes"]["error"] == expected
                assert type(e["attributes"]["attempt"]) is int
                assert e["severity"] == "warning"
            assert [e["timestamp_ns"] for e in events] == [1700000000000000000 + n for n in (2, 3, 4)]
            assert [e["duration_ns"] for e in events] == [2000000, 3000000, 4000000]
            assert [e["request_id"] for e in events] == ["run-2", "run-3", "run-4"]
            assert len({e["event_id"] for e in events}) == 3
            print("ok", len(events))
            """
        try sandbox.write("check.py", check)
        let result = try sandbox.shell("python3 check.py '\(tracePath)' '\(expectedPath)'")
        #expect(result.succeeded, "\(result.errorOutput)")
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "ok 3")
        #expect(!sandbox.exists("trace.json.tmp-\(getpid())"), "the temporary file was renamed away")
        let reparsed = try JSONParser.parse(collector.exportJSON())
        guard case .object(let root) = reparsed else {
            Issue.record("not an object")
            return
        }
        #expect(root.keys.prefix(2) == ["trace_version", "exported_at"])
    }

    @Test(arguments: [
        (perThread: 2_000, capacity: 10_000), (perThread: 500, capacity: 10_000), (perThread: 3_000, capacity: 7),
    ])
    func concurrentRecordingKeepsTheNewestUpToCapacity(perThread: Int, capacity: Int) throws {
        let collector = TraceCollector(capacity: capacity)
        let threads = 8
        let failures = Atomic<Int>(0)
        // Eight producers, and a ninth caller that reads while they write.
        DispatchQueue.concurrentPerform(iterations: threads + 1) { thread in
            if thread == threads {
                for _ in 0..<20 {
                    _ = collector.query(TraceQuery(minimumSeverity: .warning))
                    _ = collector.count
                    _ = collector.exportDocument()
                }
                return
            }
            for index in 0..<perThread {
                do {
                    try collector.record(
                        TraceEvent.Builder(
                            type: "bench", component: "thread-\(thread)", requestID: "run-\(thread)",
                            subject: "\(index)"))
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        let total = threads * perThread
        #expect(collector.count == min(total, capacity))
        #expect(collector.droppedCount == UInt64(max(0, total - capacity)))
        let events = collector.query()
        #expect(events.count == min(total, capacity))
        #expect(Set(events.map(\.eventID)).count == events.count, "no duplicate event ids")
        // Each producer's surviving events are the newest of its own, in the order it recorded them.
        for thread in 0..<threads {
            let indices = collector.decisionChain(requestID: "run-\(thread)").compactMap { Int($0.subject) }
            if let first = indices.first {
                #expect(indices == Array(first..<perThread), "thread \(thread) kept \(indices.prefix(5))…")
            }
        }
    }
}
