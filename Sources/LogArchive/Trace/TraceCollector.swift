import Logging

/// Records a run's decisions (why a file was compressed or not, each retry, each skip) so that a
/// run can explain itself afterwards. Safe to use from any number of threads at once.
///
/// Events go into a ring of fixed capacity: memory stays bounded however long a process runs, and
/// when the ring is full the oldest event is dropped (and counted) rather than the producer
/// waiting. `record` holds the lock only to store one value; the event it overwrites is released
/// after the lock is let go. (`scripts/bench-trace.sh` measures it under 8 producers.)
///
/// Each event is also logged at debug, outside the lock, when a `logger` is given: `-v` shows the
/// decisions as they are taken, and the ring keeps them for `--trace`.
public final class TraceCollector: Sendable {
    public static let defaultCapacity = 10_000

    public let capacity: Int
    private let ring: Locked<TraceRing>
    private let logger: Logger?

    public init(capacity: Int = TraceCollector.defaultCapacity, logger: Logger? = nil) {
        precondition(capacity > 0, "a trace collector needs room for at least one event")
        self.capacity = capacity
        self.logger = logger
        ring = Locked(TraceRing(capacity: capacity))
    }

    public func record(_ event: TraceEvent) {
        // The overwritten event comes back out of the lock and is released here, unlocked.
        _ = ring.withLock { $0.append(event) }
        if let logger { log(event, to: logger) }
    }

    private func log(_ event: TraceEvent, to logger: Logger) {
        guard logger.logLevel <= .debug else { return }
        var metadata: Logger.Metadata = ["component": "\(event.component)", "severity": "\(event.severity.rawValue)"]
        if event.duration.nanoseconds > 0 { metadata["duration_ms"] = .milliseconds(UInt64(event.duration.nanoseconds)) }
        if !event.attributes.members.isEmpty { metadata["attributes"] = "\(JSONWriter.compact(.object(event.attributes)))" }
        logger.debug("decision \(event.eventType) \(event.subject): \(event.rationale)", metadata: metadata)
    }

    /// Builds the event and records it; returns the event, or throws what the builder refused.
    @discardableResult
    public func record(_ builder: TraceEvent.Builder) throws(TraceEventError) -> TraceEvent {
        let event = try builder.build()
        record(event)
        return event
    }

    /// How many events the collector holds now (at most `capacity`).
    public var count: Int { ring.withLock { $0.count } }

    /// How many events were dropped to make room since the collector was made or last cleared.
    public var droppedCount: UInt64 { ring.withLock { $0.dropped } }

    /// Forgets every event and resets the dropped count.
    public func clear() {
        _ = ring.withLock { $0.removeAll() }
    }

    /// The matching events in time order; events with equal timestamps stay in recording order.
    public func query(_ query: TraceQuery = TraceQuery()) -> [TraceEvent] {
        let entries = ring.withLock { $0.entries(where: query.matches) }
        return Self.inTimeOrder(entries)
    }

    /// Every event of one run, in the order its decisions were taken.
    public func decisionChain(requestID: String) -> [TraceEvent] {
        query(TraceQuery(requestID: requestID))
    }

    /// The whole trace as one JSON document:
    /// `{"trace_version", "exported_at", "exported_at_ns", "clock", "capacity", "dropped", "events"}`.
    /// `exported_at_ns` is the monotonic time of `exported_at`, so a reader can turn an event's
    /// `timestamp_ns` into wall time.
    public func exportDocument() -> JSONValue {
        let (entries, dropped) = ring.withLock { ring in (ring.entries(where: { _ in true }), ring.dropped) }
        let events = Self.inTimeOrder(entries)
        return .object(
            JSONObject([
                ("trace_version", .string("1")),
                ("exported_at", .string(UTCTimestamp.now().iso8601)),
                ("exported_at_ns", .integer(Int64(clamping: TraceTimestamp.now().nanoseconds))),
                ("clock", .string("monotonic")),
                ("capacity", .integer(Int64(capacity))),
                ("dropped", .integer(Int64(clamping: dropped))),
                ("events", .array(events.map(\.json))),
            ]))
    }

    /// Redacted as a whole (`LogRedaction.text`), so that no event's text, whoever wrote it, puts a
    /// URL's credentials in the trace file or the trace stored beside the manifest.
    public func exportJSON() -> String {
        LogRedaction.text(JSONWriter.pretty(exportDocument()))
    }

    /// Writes the export to `path` atomically (temporary file in the same folder, fsync, rename),
    /// so a reader never sees half a trace.
    public func export(to path: String) throws(FileSystemError) {
        // A file a person names: the links on its way are theirs to keep (see `NoFollow`).
        let resolved = Paths.join(FileSystem.resolvedAncestry(Paths.parent(of: path)), Paths.lastComponent(of: path))
        try FileSystem.writeAtomically(Array(exportJSON().utf8), to: resolved)
    }

    private static func inTimeOrder(_ entries: [TraceRing.Entry]) -> [TraceEvent] {
        entries.sorted {
            ($0.event.timestamp, $0.sequence) < ($1.event.timestamp, $1.sequence)
        }.map(\.event)
    }
}
