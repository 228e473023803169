import Foundation

/// The run's transfer slots: at most `limit` requests carrying a body (an object, or a part of a
/// multipart upload) are in flight at once, whichever files they belong to. Each holds one
/// connection and one read buffer, so the run's connections and memory grow with the limit, never
/// with the size or number of files.
///
/// An upload worker holds a slot while it sends its object. A multipart upload's worker sends
/// parts itself and recruits helpers only with slots that are free at that moment
/// (`tryAcquire`), never waiting for one while it holds its own, so no two uploads can wait for
/// each other's slots.
public final class TransferBudget: @unchecked Sendable {
    public let limit: Int
    private let condition = NSCondition()
    private var available: Int

    public init(limit: Int) {
        self.limit = max(1, limit)
        available = self.limit
    }

    /// Waits for a free slot and takes it.
    public func acquire() {
        condition.lock()
        while available == 0 { condition.wait() }
        available -= 1
        condition.unlock()
    }

    /// Takes a free slot if there is one now.
    public func tryAcquire() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard available > 0 else { return false }
        available -= 1
        return true
    }

    public func release() {
        condition.lock()
        available += 1
        condition.signal()
        condition.unlock()
    }
}
