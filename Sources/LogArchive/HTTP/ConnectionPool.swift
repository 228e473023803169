import CCurl

import Glibc

/// Keeps connections open between requests, for S3 and GitHub alike.
///
/// libcurl keeps a connection cache per easy handle, so the pool lends out easy handles: a
/// transfer borrows one, and gives it back reset (`curl_easy_reset` keeps its live connections and
/// caches). A run never holds more handles, hence never more connections to one host, than it
/// has transfers in flight at once. DNS answers and TLS sessions are shared across the handles
/// through a share object with one lock per kind of data. Connections themselves are not shared
/// that way: libcurl 7.88's documentation says sharing CURL_LOCK_DATA_CONNECT between concurrent
/// threads is not supported, and the handle pool gets the same reuse without it.
public final class ConnectionPool: @unchecked Sendable {
    /// The process's pool: every `HTTPClient` uses it unless given another.
    public static let shared = ConnectionPool()

    private let share: UnsafeMutableRawPointer?
    private let locks: UnsafeMutablePointer<pthread_mutex_t>
    private let lockCount = Int(CURL_LOCK_DATA_LAST.rawValue)
    private let idle = Locked<[UnsafeMutableRawPointer]>([])

    public init() {
        _ = HTTPClient.globalInitialization
        locks = .allocate(capacity: lockCount)
        for index in 0..<lockCount { pthread_mutex_init(locks + index, nil) }
        share = curl_share_init()
        if let share {
            _ = logarchive_curl_share_setopt_pointer(share, CURLSHOPT_USERDATA, UnsafeMutableRawPointer(locks))
            _ = logarchive_curl_share_setopt_lock(share, lockShared)
            _ = logarchive_curl_share_setopt_unlock(share, unlockShared)
            _ = logarchive_curl_share_setopt_long(share, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_DNS.rawValue))
            _ = logarchive_curl_share_setopt_long(share, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_SSL_SESSION.rawValue))
        }
    }

    deinit {
        for handle in idle.withLock({ $0 }) { curl_easy_cleanup(handle) }
        if let share { curl_share_cleanup(share) }
        for index in 0..<lockCount { pthread_mutex_destroy(locks + index) }
        locks.deallocate()
    }

    /// An idle handle (with its open connections), or a new one.
    func borrow() -> UnsafeMutableRawPointer? {
        if let handle = idle.withLock({ $0.popLast() }) { return handle }
        return curl_easy_init()
    }

    /// Takes a handle back once its transfer is over, its options cleared, its connections kept.
    func giveBack(_ handle: UnsafeMutableRawPointer) {
        curl_easy_reset(handle)
        idle.withLock { $0.append(handle) }
    }

    /// Sets the options every transfer from this pool needs.
    func prepare(_ handle: UnsafeMutableRawPointer) {
        if let share { _ = logarchive_curl_setopt_pointer(handle, CURLOPT_SHARE, share) }
        // More idle connections than libcurl's default of 5 per handle: one per host is the norm,
        // but a run talks to S3 and GitHub, and a handle must not close a connection it will reuse.
        _ = logarchive_curl_setopt_long(handle, CURLOPT_MAXCONNECTS, 8)
        _ = logarchive_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
    }
}

private func lockShared(_ handle: UnsafeMutableRawPointer?, _ data: curl_lock_data, _ access: curl_lock_access, _ locks: UnsafeMutableRawPointer?) {
    guard let locks else { return }
    pthread_mutex_lock(locks.assumingMemoryBound(to: pthread_mutex_t.self) + Int(data.rawValue))
}

private func unlockShared(_ handle: UnsafeMutableRawPointer?, _ data: curl_lock_data, _ locks: UnsafeMutableRawPointer?) {
    guard let locks else { return }
    pthread_mutex_unlock(locks.assumingMemoryBound(to: pthread_mutex_t.self) + Int(data.rawValue))
}
