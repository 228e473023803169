import Glibc

import Logging

/// The design's retry rules. Network errors and 5xx: up to 3 retries after 2, 4, 8 s. Rate limits
/// (429, 503 SlowDown, GitHub's secondary limits): 10, 30, 60 s, or the server's `Retry-After` when
/// it asks for more. Timeouts: 2 retries, each with a longer timeout. Authentication, permission and
/// not-found errors: none. At most 10 minutes of retrying per file. Every delay carries ±20 %
/// jitter and is multiplied by `LOGARCHIVE_BACKOFF_SCALE`. A rate limit also closes the policy's
/// `gate` for its delay: every copy of the policy (every worker of a store) waits there first.
public struct RetryPolicy: Sendable {
    public enum FailureClass: Sendable, Equatable {
        case network
        case rateLimited(retryAfterSeconds: Double?)
        case timeout
        case permanent
    }

    public var scale: Double
    public var maximumRetrySeconds: Double
    /// Returns a value in 0..<1; replaced in tests to make jitter predictable.
    public var random: @Sendable () -> Double
    /// Shared by the copies of this policy: a rate limit one worker hears slows them all.
    public var gate = BackoffGate()
    /// Hears each retry decision at debug: retried after how long, or not retried and why.
    public var logger = Logger.discarding

    public static let networkDelays: [Double] = [2, 4, 8]
    public static let rateLimitDelays: [Double] = [10, 30, 60]
    public static let timeoutDelays: [Double] = [2, 4]

    public init(scale: Double = 1, maximumRetrySeconds: Double = 600, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.scale = scale
        self.maximumRetrySeconds = maximumRetrySeconds
        self.random = random
    }

    /// The policy with `LOGARCHIVE_BACKOFF_SCALE` (`Settings.backoffScale`) applied.
    public static func scaled(by text: String?) throws(ArchiveError) -> RetryPolicy {
        guard let text, !text.isEmpty else { return RetryPolicy() }
        return RetryPolicy(scale: try SettingRanges.backoffScale.parse(text, source: "LOGARCHIVE_BACKOFF_SCALE"))
    }

    /// The delay before retry number `retry` (0 for the first retry) of a failure of this class,
    /// or nil when the class allows no more retries.
    public func delay(for failure: FailureClass, retry: Int) -> Double? {
        let base: Double
        switch failure {
        case .permanent:
            return nil
        case .network:
            guard retry < RetryPolicy.networkDelays.count else { return nil }
            base = RetryPolicy.networkDelays[retry]
        case .timeout:
            guard retry < RetryPolicy.timeoutDelays.count else { return nil }
            base = RetryPolicy.timeoutDelays[retry]
        case .rateLimited(let retryAfter):
            guard retry < RetryPolicy.rateLimitDelays.count else { return nil }
            base = max(RetryPolicy.rateLimitDelays[retry], retryAfter ?? 0)
        }
        let jitter = 0.8 + 0.4 * random()
        return base * jitter * scale
    }

    /// Runs `operation` until it succeeds, its failure is permanent, its class runs out of
    /// retries, or retrying would pass the time cap. `operation` gets the attempt number (1-based)
    /// and a stall timeout that doubles after each timeout. `onRetry` hears of every failed attempt
    /// that will be retried, before the delay.
    public func run<Value>(
        stallTimeout: Double,
        classify: (any Error) -> FailureClass,
        onRetry: (_ attempt: Int, _ error: any Error, _ delay: Double) -> Void = { _, _, _ in },
        _ operation: (_ attempt: Int, _ stallTimeout: Double) throws -> Value
    ) throws -> Value {
        let started = MonotonicClock.nanoseconds()
        var retriesByClass: [String: Int] = [:]
        var attempt = 1
        var timeout = stallTimeout
        while true {
            gate.wait()
            do {
                return try operation(attempt, timeout)
            } catch {
                let failure = classify(error)
                let key = RetryPolicy.key(failure)
                let retry = retriesByClass[key, default: 0]
                guard let delay = delay(for: failure, retry: retry) else {
                    logDecision("not retried", attempt: attempt, failure: key, error: error,
                        why: failure == .permanent ? "not a failure a retry cures" : "no retries left for \(key) failures")
                    throw error
                }
                let elapsed = Double(MonotonicClock.nanoseconds() - started) / 1e9
                guard elapsed + delay <= maximumRetrySeconds else {
                    logDecision("not retried", attempt: attempt, failure: key, error: error,
                        why: "the next try would pass the \(Int(maximumRetrySeconds)) s retry cap")
                    throw error
                }
                logDecision("retrying", attempt: attempt, failure: key, error: error, why: "after \(Self.seconds(delay)) s")
                retriesByClass[key] = retry + 1
                if failure == .timeout { timeout *= 2 }
                if case .rateLimited = failure { gate.close(forSeconds: delay) }
                onRetry(attempt, error, delay)
                MonotonicClock.sleep(seconds: delay)
                attempt += 1
            }
        }
    }

    private func logDecision(_ decision: String, attempt: Int, failure: String, error: any Error, why: String) {
        logger.debug(
            "retry: \(decision) attempt \(attempt), \(why)",
            metadata: ["attempt": "\(attempt)", "failure": "\(failure)", "error": "\(LogRedaction.error(error))"])
    }

    /// A delay as a person reads it: 2.013, 0.002.
    private static func seconds(_ value: Double) -> String {
        let millis = Int((value * 1000).rounded())
        let fraction = String(millis % 1000)
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    private static func key(_ failure: FailureClass) -> String {
        switch failure {
        case .network: "network"
        case .rateLimited: "rate"
        case .timeout: "timeout"
        case .permanent: "permanent"
        }
    }
}
