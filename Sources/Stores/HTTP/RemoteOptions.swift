import Synchronization

/// How remote stores (HTTP(S), S3) behave: set once by the command line
/// before the first dataset is opened, read by every remote store.
public struct RemoteOptions: Sendable, Equatable {
    /// Seconds to connect, and seconds a transfer may stall (no byte received) before it fails.
    public var timeout: Double = 30
    /// Tries after the first, for 5xx answers, resets, cut bodies and timeouts, while `deadline` allows.
    public var retries: Int = 2
    /// Seconds one request may take in all, its retries included: no retry starts after it (so a
    /// server that accepts and never answers costs one `timeout`, 30 s, not three). At least `timeout`.
    public var deadline: Double { max(30, timeout) }
    /// Skip TLS certificate verification (self-signed cluster servers).
    public var insecure = false
    /// Never sign S3 requests (public buckets), even when credentials exist.
    public var anonymous = false
    /// Requests in flight at once for one remote dataset (the loads waiting on the network).
    public var maxRequests: Int = 32

    public init() {}

    private static let shared = Mutex(RemoteOptions())

    /// The process's options: remote stores opened after a change use the new value.
    public static var current: RemoteOptions {
        get { shared.withLock { $0 } }
        set { shared.withLock { $0 = newValue } }
    }

    /// The wait after the `attempt`-th failure (1-based): 0.2 s doubling, at most 2 s.
    public static func backoff(afterAttempt attempt: Int) -> Double {
        min(2.0, 0.2 * Double(1 << min(max(attempt - 1, 0), 10)))
    }
}

/// Whether a location names a remote store rather than a local path.
public enum RemoteLocation {
    public static func isRemote(_ location: String) -> Bool {
        let lower = location.prefix(8).lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("s3://")
    }
}
