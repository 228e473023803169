import Synchronization

/// One decision of a run: what was decided (`eventType`), by which part (`component`), about what
/// (`subject`), why (`rationale`), when and for how long. Built through `TraceEvent.Builder`, which
/// refuses an event that could not be found again by type or component.
public struct TraceEvent: Sendable, Equatable {
    /// Unique in the process: a counter shared by every builder, so events recorded into different
    /// collectors, or from many threads, never share an id.
    public let eventID: UInt64
    public let eventType: String
    public let component: String
    public let timestamp: TraceTimestamp
    public let duration: TraceDuration
    /// The run the event belongs to; a run's events form its decision chain.
    public let requestID: String
    /// The file or issue the decision was about.
    public let subject: String
    public let rationale: String
    public let severity: TraceSeverity
    public let attributes: JSONObject

    /// The event in the export's shape; nanoseconds stay JSON integers so nothing is rounded.
    public var json: JSONValue {
        .object(
            JSONObject([
                ("event_id", .integer(Int64(clamping: eventID))),
                ("event_type", .string(eventType)),
                ("component", .string(component)),
                ("timestamp_ns", .integer(Int64(clamping: timestamp.nanoseconds))),
                ("duration_ns", .integer(duration.nanoseconds)),
                ("request_id", .string(requestID)),
                ("subject", .string(subject)),
                ("rationale", .string(rationale)),
                ("severity", .string(severity.rawValue)),
                ("attributes", .object(attributes)),
            ]))
    }
}

extension TraceEvent {
    /// Collects an event's fields; `build()` checks them and gives the event its id. The timestamp
    /// defaults to the moment the builder was made, so a builder made when a step starts and built
    /// when it ends can carry `duration = timestamp.elapsed`.
    public struct Builder: Sendable {
        public var eventType: String
        public var component: String
        public var requestID: String
        public var subject: String
        public var rationale: String
        public var severity: TraceSeverity
        public var timestamp: TraceTimestamp
        public var duration: TraceDuration
        public var attributes: JSONObject

        public init(
            type eventType: String, component: String, requestID: String = "", subject: String = "",
            rationale: String = "", severity: TraceSeverity = .info, timestamp: TraceTimestamp = .now(),
            duration: TraceDuration = .zero, attributes: JSONObject = JSONObject()
        ) {
            self.eventType = eventType
            self.component = component
            self.requestID = requestID
            self.subject = subject
            self.rationale = rationale
            self.severity = severity
            self.timestamp = timestamp
            self.duration = duration
            self.attributes = attributes
        }

        public mutating func setAttribute(_ key: String, _ value: String) { attributes[key] = .string(value) }
        public mutating func setAttribute(_ key: String, _ value: Int64) { attributes[key] = .integer(value) }

        public func build() throws(TraceEventError) -> TraceEvent {
            try TraceEventError.requireText(eventType, field: "event_type", example: "compress.skipped")
            try TraceEventError.requireText(component, field: "component", example: "compress")
            guard duration >= .zero else {
                throw TraceEventError(field: "duration_ns", reason: "is negative (\(duration))")
            }
            return TraceEvent(
                eventID: TraceEventIDs.next(), eventType: eventType, component: component, timestamp: timestamp,
                duration: duration, requestID: requestID, subject: subject, rationale: rationale, severity: severity,
                attributes: attributes)
        }
    }
}

/// Why a builder refused an event, naming the field as the export spells it.
public struct TraceEventError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let reason: String

    public var description: String { "trace event \(field) \(reason)" }

    static func requireText(_ value: String, field: String, example: String) throws(TraceEventError) {
        guard value.contains(where: { !$0.isWhitespace }) else {
            let shown = value.isEmpty ? "is empty" : "is only whitespace"
            throw TraceEventError(
                field: field, reason: "\(shown): every event needs one (such as \"\(example)\") to be found again")
        }
    }
}

/// The process-wide source of event ids.
private enum TraceEventIDs {
    static let counter = Atomic<UInt64>(0)

    static func next() -> UInt64 { counter.add(1, ordering: .relaxed).newValue }
}
