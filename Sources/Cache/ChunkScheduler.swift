import Foundation
import ArrayModel
import Stores

/// A priority queue of chunk loads served by a pool of worker threads: the
/// place where the view (what to load, in which order) meets the loaders.
///
/// - The queue is the latest plan of each owner (the image, the labels):
///   `replace(with:owner:)` drops the owner's queued loads its new view no
///   longer wants (latest wins) and reorders the rest; other owners' loads stay.
/// - A load already running that no plan wants any more is cancelled: a remote
///   transfer under it is aborted (`FetchCancellation`), and nothing is cached.
///   Local reads do not look at the token and finish into the cache.
/// - Visible loads come before prefetch; within a tier, lower `rank` first.
///
/// Thread safety: every mutable property is guarded by `state`, an `NSCondition` (a lock the
/// workers also wait on for work); `Mutex` has no waiting, so conditions stay where threads wait.
public final class ChunkScheduler: @unchecked Sendable {
    public enum Tier: Int, Sendable, Comparable {
        case visible = 0
        case prefetch = 1
        public static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }
        var purpose: LoadPurpose { self == .visible ? .visible : .prefetch }
    }

    public struct Request: Sendable {
        public let key: ChunkKey
        public let tier: Tier
        /// Order within the tier: distance from the view's centre, or steps away along z/t.
        public let rank: Double
        let load: @Sendable () throws -> ArrayBuffer?

        public init(key: ChunkKey, tier: Tier, rank: Double, load: @escaping @Sendable () throws -> ArrayBuffer?) {
            (self.key, self.tier, self.rank, self.load) = (key, tier, rank, load)
        }

        /// Whether this request is served before `other`.
        func precedes(_ other: Request) -> Bool { (tier, rank) < (other.tier, other.rank) }
    }

    /// What happened, in order, when the scheduler records a trace (tests, `--stats`).
    public enum Event: Sendable, Equatable, CustomStringConvertible {
        case started(ChunkKey, Tier)
        case finished(ChunkKey)
        case failed(ChunkKey)
        /// Queued for a view that is gone, and removed before it ran.
        case dropped(ChunkKey)
        /// Running for a view that is gone: its fetch was told to stop.
        case cancelled(ChunkKey)

        public var description: String {
            switch self {
            case let .started(k, t): "start \(k) \(t)"
            case let .finished(k): "done \(k)"
            case let .failed(k): "fail \(k)"
            case let .dropped(k): "drop \(k)"
            case let .cancelled(k): "cancel \(k)"
            }
        }
    }

    public let cache: ChunkCache
    public let workerCount: Int
    private let state = NSCondition()
    /// Next request last (popLast), so the array is sorted by descending precedence.
    private var queue: [Request] = []
    /// The latest plan's requests of each owner (not yet resident when planned).
    private var planned: [PinOwner: [ChunkKey: Request]] = [:]
    /// Loads running, each with the token that cancels its fetch.
    private var running: [ChunkKey: FetchCancellation] = [:]
    private var cancelledCount = 0
    private var stopping = false
    private var events: [Event]?
    private var droppedCount = 0
    private var threads: [Thread] = []
    private let completion: (@Sendable (ChunkKey, Error?) -> Void)?
    private let settled: (@Sendable () -> Void)?

    /// - Parameters:
    ///   - workers: loads run at once (decode is CPU work: one per core).
    ///   - completion: called on the worker thread after each load (success or error), before the
    ///     load stops counting as pending.
    ///   - settled: called on the worker thread after each load has stopped counting as pending,
    ///     so that whoever shows `pending` (the viewer's "3 loading") hears of the new count: a
    ///     reader woken by `completion` alone may still count that load.
    public init(
        cache: ChunkCache, workers: Int, recordsTrace: Bool = false,
        completion: (@Sendable (ChunkKey, Error?) -> Void)? = nil,
        settled: (@Sendable () -> Void)? = nil
    ) {
        self.cache = cache
        self.workerCount = max(1, workers)
        self.events = recordsTrace ? [] : nil
        self.completion = completion
        self.settled = settled
        for i in 0..<workerCount {
            // Workers hold the scheduler until `stop()`; owners must call it.
            let thread = Thread { self.work() }
            thread.name = "vstack-load-\(i)"
            thread.stackSize = 1 << 20
            threads.append(thread)
        }
        threads.forEach { $0.start() }
    }

    /// Makes `requests` the owner's part of the queue: its loads queued earlier and
    /// not requested again are dropped; resident and running keys are skipped.
    public func replace(with requests: [Request], owner: PinOwner = .image) {
        var best: [ChunkKey: Request] = [:]
        for r in requests where !cache.contains(r.key) {
            if let seen = best[r.key], seen.precedes(r) { continue }
            best[r.key] = r
        }
        state.lock()
        planned[owner] = best
        // Every owner's wanted loads, each key once at its best precedence.
        var merged: [ChunkKey: Request] = [:]
        for (_, requests) in planned {
            for (key, r) in requests where running[key] == nil {
                if let seen = merged[key], seen.precedes(r) { continue }
                merged[key] = r
            }
        }
        for old in queue where merged[old.key] == nil {
            droppedCount += 1
            events?.append(.dropped(old.key))
        }
        // Running loads no owner wants now: their transfers stop.
        for (key, token) in running where !token.isCancelled && !planned.values.contains(where: { $0[key] != nil }) {
            token.cancel()
            cancelledCount += 1
            events?.append(.cancelled(key))
        }
        // Sorted as (tier, rank, position), then gathered: moving and comparing the requests
        // themselves cost more than the rest of the plan.
        let wanted = Array(merged.values)
        let order = wanted.indices.map { (wanted[$0].tier.rawValue, wanted[$0].rank, $0) }
        queue = order.sorted { ($1.0, $1.1) < ($0.0, $0.1) }.map { wanted[$0.2] }
        state.broadcast()
        state.unlock()
    }

    /// Adds `requests` to the owner's part of the queue, ahead of the `replace` with the whole
    /// plan that follows: nothing queued is dropped and nothing running cancelled, so the
    /// visible loads start while the prefetch is still being planned.
    public func enqueue(_ requests: [Request], owner: PinOwner = .image) {
        state.lock()
        var mine = planned[owner] ?? [:]
        var added: [Request] = []
        for r in requests where running[r.key] == nil && !cache.contains(r.key) {
            if let seen = mine[r.key], seen.precedes(r) { continue }
            mine[r.key] = r
            added.append(r)
        }
        planned[owner] = mine
        guard !added.isEmpty else {
            state.unlock()
            return
        }
        // Each key once, at its best precedence over all owners; the queue is sorted last-first.
        var byKey = Dictionary(queue.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for r in added {
            if let queued = byKey[r.key], queued.precedes(r) { continue }
            byKey[r.key] = r
        }
        let wanted = Array(byKey.values)
        let order = wanted.indices.map { (wanted[$0].tier.rawValue, wanted[$0].rank, $0) }
        queue = order.sorted { ($1.0, $1.1) < ($0.0, $0.1) }.map { wanted[$0.2] }
        state.broadcast()
        state.unlock()
    }

    /// Queued requests, next first.
    public var queued: [Request] {
        state.lock()
        defer { state.unlock() }
        return queue.reversed()
    }

    /// Loads running or queued.
    public var pending: Int {
        state.lock()
        defer { state.unlock() }
        return queue.count + running.count
    }

    /// Queued loads dropped because the view moved on.
    public var dropped: Int {
        state.lock()
        defer { state.unlock() }
        return droppedCount
    }

    /// Running loads cancelled because the view moved on.
    public var cancelled: Int {
        state.lock()
        defer { state.unlock() }
        return cancelledCount
    }

    public var trace: [Event] {
        state.lock()
        defer { state.unlock() }
        return events ?? []
    }

    /// Blocks until nothing is queued or running.
    public func waitUntilIdle() {
        state.lock()
        while !queue.isEmpty || !running.isEmpty { state.wait() }
        state.unlock()
    }

    /// Drops the queue and lets the workers exit after their current load.
    public func stop() {
        state.lock()
        stopping = true
        queue.removeAll()
        planned.removeAll()
        state.broadcast()
        state.unlock()
    }

    private func work() {
        while true {
            state.lock()
            while queue.isEmpty && !stopping { state.wait() }
            if stopping {
                state.unlock()
                return
            }
            let request = queue.removeLast()
            // Taken, but still planned (so a plan that keeps it does not cancel it); the
            // merge skips running keys, so it is not queued twice.
            let token = FetchCancellation()
            running[request.key] = token
            events?.append(.started(request.key, request.tier))
            state.unlock()

            var failure: Error? = nil
            do {
                _ = try FetchCancellation.run(token) {
                    try cache.chunk(request.key, purpose: request.tier.purpose, load: request.load)
                }
            } catch {
                failure = error
            }
            // A cancelled load is no failure: nobody wants it, and a later plan loads it again.
            let wasCancelled = failure != nil && token.isCancelled

            // Report first, so that once `waitUntilIdle` returns every completion has run.
            if !wasCancelled { completion?(request.key, failure) }
            state.lock()
            running[request.key] = nil
            // In place: iterating `planned.keys` while writing would copy each owner's requests.
            for owner in Array(planned.keys) { planned[owner]?.removeValue(forKey: request.key) }
            if !wasCancelled { events?.append(failure == nil ? .finished(request.key) : .failed(request.key)) }
            state.broadcast()
            state.unlock()
            settled?()
        }
    }
}
