/// Which events a query wants. Every filter is optional; the ones given must all match.
public struct TraceQuery: Sendable, Equatable {
    /// Events whose timestamp lies in the range (start included, end excluded).
    public var timeRange: Range<TraceTimestamp>?
    public var eventType: String?
    public var component: String?
    public var subject: String?
    public var requestID: String?
    /// This severity and worse.
    public var minimumSeverity: TraceSeverity?

    public init(
        timeRange: Range<TraceTimestamp>? = nil, eventType: String? = nil, component: String? = nil,
        subject: String? = nil, requestID: String? = nil, minimumSeverity: TraceSeverity? = nil
    ) {
        self.timeRange = timeRange
        self.eventType = eventType
        self.component = component
        self.subject = subject
        self.requestID = requestID
        self.minimumSeverity = minimumSeverity
    }

    public func matches(_ event: TraceEvent) -> Bool {
        if let timeRange, !timeRange.contains(event.timestamp) { return false }
        if let minimumSeverity, event.severity < minimumSeverity { return false }
        if let eventType, event.eventType != eventType { return false }
        if let component, event.component != component { return false }
        if let subject, event.subject != subject { return false }
        if let requestID, event.requestID != requestID { return false }
        return true
    }
}
