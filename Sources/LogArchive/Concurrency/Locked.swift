import Glibc

/// A value guarded by a pthread mutex: `withLock` is the only way in.
///
/// Used instead of `Synchronization.Mutex` for two reasons measured here. On Linux that mutex is a
/// priority-inheriting futex that hands the lock to a thread still asleep, so 8 producers on 2
/// cores convoyed the trace to 32,000 events a second; glibc's adaptive mutex spins briefly and
/// lets an awake thread take the lock (65 times faster, scripts/bench-trace.sh). And Thread
/// Sanitizer cannot see futexes: every access that mutex guarded was reported as a race, while a
/// pthread mutex is what the sanitizer models.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
