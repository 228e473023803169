/// The collector's storage: a fixed number of slots written in a circle, the oldest overwritten
/// when all are full. Not thread-safe by itself; `TraceCollector` keeps it under a mutex.
struct TraceRing {
    /// An event with the order it was recorded in, which breaks ties between equal timestamps.
    struct Entry {
        let sequence: UInt64
        let event: TraceEvent
    }

    let capacity: Int
    private var slots: [Entry?]
    /// The slot of the oldest entry.
    private var oldest = 0
    private(set) var count = 0
    private(set) var dropped: UInt64 = 0
    private var nextSequence: UInt64 = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a trace ring needs room for at least one event")
        self.capacity = capacity
        slots = Array(repeating: nil, count: capacity)
    }

    /// Stores `event` and hands back the one it overwrote, so the caller can release that event's
    /// strings after leaving the lock rather than inside it.
    mutating func append(_ event: TraceEvent) -> Entry? {
        let entry = Entry(sequence: nextSequence, event: event)
        nextSequence += 1
        if count < capacity {
            slots[(oldest + count) % capacity] = entry
            count += 1
            return nil
        }
        let overwritten = slots[oldest]
        slots[oldest] = entry
        oldest = (oldest + 1) % capacity
        dropped += 1
        return overwritten
    }

    /// The entries oldest first that `include` accepts.
    func entries(where include: (TraceEvent) -> Bool) -> [Entry] {
        var result: [Entry] = []
        for offset in 0..<count {
            if let entry = slots[(oldest + offset) % capacity], include(entry.event) { result.append(entry) }
        }
        return result
    }

    /// Empties the ring and hands back the old slots, again to be released outside the lock.
    /// Sequence numbers go on, so events recorded later still sort after earlier ones.
    mutating func removeAll() -> [Entry?] {
        let old = slots
        slots = Array(repeating: nil, count: capacity)
        oldest = 0
        count = 0
        dropped = 0
        return old
    }
}
