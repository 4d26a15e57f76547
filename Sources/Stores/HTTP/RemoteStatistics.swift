import Synchronization

/// Counters of the requests remote stores made, for `--stats` and the status line.
public final class RemoteStatistics: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var requests = 0
        public var bytesFetched = 0
        public var retries = 0
        public var failures = 0
        public var inFlight = 0
        /// Over the last `RemoteStatistics.window` requests; 0 before the first.
        public var latencyMean = 0.0
        public var latencyP99 = 0.0
    }

    /// Latencies kept for the mean and the 99th percentile (the most recent ones).
    public static let window = 4096

    private struct State {
        var snapshot = Snapshot()
        var latencies: [Double] = []
        var next = 0
    }
    private let state = Mutex(State())
    private let inFlight = Atomic<Int>(0)

    public init() {}

    func started() { inFlight.add(1, ordering: .relaxed) }
    func finished() { inFlight.subtract(1, ordering: .relaxed) }

    /// One request answered (any status), `seconds` after it was sent.
    func record(seconds: Double, bytes: Int) {
        state.withLock { s in
            s.snapshot.requests += 1
            s.snapshot.bytesFetched += bytes
            if s.latencies.count < RemoteStatistics.window {
                s.latencies.append(seconds)
            } else {
                s.latencies[s.next] = seconds
                s.next = (s.next + 1) % RemoteStatistics.window
            }
        }
    }

    func retried() { state.withLock { $0.snapshot.retries += 1 } }
    func failed() { state.withLock { $0.snapshot.failures += 1 } }

    /// Requests being sent or received now.
    public var inFlightCount: Int { inFlight.load(ordering: .relaxed) }

    /// Mean latency of the recent requests (nil before the first), without the percentile's sort.
    public var meanLatency: Double? {
        state.withLock { s in s.latencies.isEmpty ? nil : s.latencies.reduce(0, +) / Double(s.latencies.count) }
    }

    public var snapshot: Snapshot {
        var (snap, latencies) = state.withLock { ($0.snapshot, $0.latencies) }
        snap.inFlight = inFlight.load(ordering: .relaxed)
        if !latencies.isEmpty {
            snap.latencyMean = latencies.reduce(0, +) / Double(latencies.count)
            latencies.sort()
            snap.latencyP99 =
                latencies[min(latencies.count - 1, Int((Double(latencies.count) * 0.99).rounded(.up)) - 1)]
        }
        return snap
    }
}
