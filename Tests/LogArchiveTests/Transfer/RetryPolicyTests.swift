import Foundation
import Testing
@testable import LogArchive

@Suite struct RetryPolicyTests {
    /// Jitter pinned to its middle, so delays are the design's numbers exactly.
    static let exact = RetryPolicy(scale: 1, random: { 0.5 })

    @Test func networkErrorsWaitTwoFourEightThenGiveUp() {
        #expect((0..<4).map { Self.exact.delay(for: .network, retry: $0) } == [2, 4, 8, nil])
    }

    @Test func rateLimitsWaitTenThirtySixtyOrWhatTheServerAsks() {
        #expect((0..<4).map { Self.exact.delay(for: .rateLimited(retryAfterSeconds: nil), retry: $0) } == [10, 30, 60, nil])
        #expect(Self.exact.delay(for: .rateLimited(retryAfterSeconds: 45), retry: 0) == 45)
        #expect(Self.exact.delay(for: .rateLimited(retryAfterSeconds: 5), retry: 1) == 30, "a shorter Retry-After does not shorten the wait")
    }

    @Test func timeoutsAreRetriedTwiceAndPermanentErrorsNever() {
        #expect(Self.exact.delay(for: .timeout, retry: 1) != nil)
        #expect(Self.exact.delay(for: .timeout, retry: 2) == nil)
        #expect(Self.exact.delay(for: .permanent, retry: 0) == nil)
    }

    @Test func jitterStaysWithinTwentyPercentAndTheScaleApplies() {
        let low = RetryPolicy(scale: 1, random: { 0 })
        let high = RetryPolicy(scale: 1, random: { 0.999_999 })
        #expect(low.delay(for: .network, retry: 0) == 1.6)
        #expect((high.delay(for: .network, retry: 0) ?? 0) > 2.39)
        let scaled = RetryPolicy(scale: 0.001, random: { 0.5 })
        #expect(scaled.delay(for: .rateLimited(retryAfterSeconds: nil), retry: 2) == 0.06)
    }

    struct Failure: Error { let kind: RetryPolicy.FailureClass }

    @Test func runRetriesUntilSuccessAndReportsEachRetry() throws {
        let policy = RetryPolicy(scale: 0.001, random: { 0.5 })
        var retries: [Int] = []
        var timeouts: [Double] = []
        let value = try policy.run(
            stallTimeout: 5, classify: { ($0 as? Failure)?.kind ?? .permanent },
            onRetry: { attempt, _, _ in retries.append(attempt) }
        ) { attempt, timeout in
            timeouts.append(timeout)
            if attempt == 1 { throw Failure(kind: .timeout) }
            if attempt == 2 { throw Failure(kind: .network) }
            return attempt
        }
        #expect(value == 3)
        #expect(retries == [1, 2])
        #expect(timeouts == [5, 10, 10], "a timeout doubles the next attempt's timeout")
    }

    /// Two workers share one policy (as a store's workers do): the rate limit one of them hears
    /// holds the other's next request back for the same delay; a network error holds nobody.
    @Test func aRateLimitHeardByOneWorkerHoldsBackEveryWorkerSharingThePolicy() throws {
        let policy = RetryPolicy(scale: 0.03, random: { 0.5 })  // a 10 s rate-limit delay becomes 0.3 s
        let limited = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? policy.run(
                stallTimeout: 1, classify: { ($0 as? Failure)?.kind ?? .permanent }, onRetry: { _, _, _ in limited.signal() }
            ) { attempt, _ in
                if attempt == 1 { throw Failure(kind: .rateLimited(retryAfterSeconds: nil)) }
                return attempt
            }
            done.signal()
        }
        limited.wait()
        let heard = MonotonicClock.nanoseconds()
        var firstAttemptAt: UInt64 = 0
        _ = try policy.run(stallTimeout: 1, classify: { _ in .permanent }) { attempt, _ in
            firstAttemptAt = MonotonicClock.nanoseconds()
            return attempt
        }
        done.wait()
        #expect(Double(firstAttemptAt - heard) / 1e9 >= 0.25, "the other worker waited out the 429's delay too")
        #expect(policy.gate.remainingSeconds == 0, "then the gate is open again")

        let fresh = RetryPolicy(scale: 0.03, random: { 0.5 })
        _ = try fresh.run(stallTimeout: 1, classify: { ($0 as? Failure)?.kind ?? .permanent }) { attempt, _ in
            if attempt == 1 { throw Failure(kind: .network) }
            return attempt
        }
        #expect(fresh.gate.remainingSeconds == 0, "a network error slows only its own worker")
    }

    @Test func runStopsAtAPermanentErrorAndWhenRetriesRunOut() {
        let policy = RetryPolicy(scale: 0.0001, random: { 0.5 })
        var attempts = 0
        #expect(throws: Failure.self) {
            try policy.run(stallTimeout: 1, classify: { ($0 as? Failure)?.kind ?? .permanent }) { _, _ in
                attempts += 1
                throw Failure(kind: .permanent)
            }
        }
        #expect(attempts == 1)
        attempts = 0
        #expect(throws: Failure.self) {
            try policy.run(stallTimeout: 1, classify: { ($0 as? Failure)?.kind ?? .permanent }) { _, _ in
                attempts += 1
                throw Failure(kind: .network)
            }
        }
        #expect(attempts == 4, "one attempt and three retries")
    }

    @Test func theTimeCapEndsRetrying() {
        let policy = RetryPolicy(scale: 1, maximumRetrySeconds: 1, random: { 0.5 })
        var attempts = 0
        #expect(throws: Failure.self) {
            try policy.run(stallTimeout: 1, classify: { ($0 as? Failure)?.kind ?? .permanent }) { _, _ in
                attempts += 1
                throw Failure(kind: .network)
            }
        }
        #expect(attempts == 1, "a 2 s delay would pass a 1 s cap")
    }

    @Test func s3AnswersAreClassifiedByTheRules() {
        func answer(_ status: Int, _ code: String, retryAfter: String? = nil) -> S3Error {
            let body = Array("<Error><Code>\(code)</Code><Message>m</Message></Error>".utf8)
            let headers = retryAfter.map { [(name: "retry-after", value: $0)] } ?? []
            return S3Error(response: HTTPResponse(status: status, headers: headers, body: body), operation: "test")
        }
        #expect(answer(500, "InternalError").failureClass == .network)
        #expect(answer(503, "SlowDown", retryAfter: "7").failureClass == .rateLimited(retryAfterSeconds: 7))
        #expect(answer(429, "TooManyRequests").failureClass == .rateLimited(retryAfterSeconds: nil))
        #expect(answer(403, "SignatureDoesNotMatch").failureClass == .permanent)
        #expect(answer(403, "AccessDenied").failureClass == .permanent)
        #expect(answer(404, "NoSuchBucket").failureClass == .permanent)
        #expect(answer(400, "BadDigest").failureClass == .network)
        #expect(RetryPolicy.classifyS3(HTTPTransportError(kind: .timeout, message: "", url: "")) == .timeout)
        #expect(RetryPolicy.classifyS3(HTTPTransportError(kind: .connection, message: "", url: "")) == .network)
    }
}
