import Foundation
import Threads
import ArrayModel
import Stores

/// The chunk loads of a view, as jobs on the one `WorkPool`: the place where the view (what to
/// load, in which order) meets the loaders. A `JobQueue` keyed by chunk, with the pool's rules:
///
/// - The queue is the latest plan of each owner (the image, the labels, a filter's halo):
///   `replace(with:owner:)` drops the owner's queued loads its new view no longer wants (latest
///   wins) and reorders the rest; other owners' loads stay.
/// - A load already running that no plan wants any more is cancelled: a remote transfer under it
///   is aborted (the job's token goes down with the load: `CachedChunks.load` → `readChunk` →
///   `Store.get`), and nothing is cached. Local reads do not look at the token and finish into
///   the cache.
/// - Visible loads come before prefetch; within a tier, lower `rank` first.
public final class ChunkScheduler: Sendable {
    public typealias Tier = JobTier

    public struct Request: Sendable {
        public let key: ChunkKey
        public let tier: Tier
        /// Order within the tier: distance from the view's centre, or steps away along z/t.
        public let rank: Double
        /// Reads the chunk for the job whose token it is given (`CachedChunks.load(_:cancellation:)`).
        let load: @Sendable (JobToken) throws -> ArrayBuffer?

        public init(
            key: ChunkKey, tier: Tier, rank: Double, load: @escaping @Sendable (JobToken) throws -> ArrayBuffer?
        ) {
            (self.key, self.tier, self.rank, self.load) = (key, tier, rank, load)
        }
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

        init?(_ event: JobQueue.Event) {
            func chunk(_ key: JobKey) -> ChunkKey? { key.as(ChunkKey.self) }
            switch event {
            case let .started(k, t):
                guard let k = chunk(k) else { return nil }
                self = .started(k, t)
            case let .finished(k):
                guard let k = chunk(k) else { return nil }
                self = .finished(k)
            case let .failed(k):
                guard let k = chunk(k) else { return nil }
                self = .failed(k)
            case let .dropped(k):
                guard let k = chunk(k) else { return nil }
                self = .dropped(k)
            case let .cancelled(k):
                guard let k = chunk(k) else { return nil }
                self = .cancelled(k)
            }
        }
    }

    public let cache: ChunkCache
    /// Loads running at once.
    public var workerCount: Int { jobs.width }
    let jobs: JobQueue

    /// - Parameters:
    ///   - workers: loads run at once (decode is CPU work: one per core; more for a source that
    ///     waits on storage, which grows the pool to that width).
    ///   - pool: the pool the loads run on (the process's one pool unless a test wants its own).
    ///   - completion: called on the worker thread after each load (success or error), before the
    ///     load stops counting as pending.
    ///   - settled: called on the worker thread after each load has stopped counting as pending,
    ///     so that whoever shows `pending` (the viewer's "3 loading") hears of the new count: a
    ///     reader woken by `completion` alone may still count that load.
    public init(
        cache: ChunkCache, workers: Int, pool: WorkPool = .shared, recordsTrace: Bool = false,
        completion: (@Sendable (ChunkKey, Error?) -> Void)? = nil,
        settled: (@Sendable () -> Void)? = nil
    ) {
        self.cache = cache
        var reported: (@Sendable (JobKey, Error?) -> Void)? = nil
        if let completion {
            reported = { key, error in
                if let chunk = key.as(ChunkKey.self) { completion(chunk, error) }
            }
        }
        jobs = JobQueue(pool: pool, width: workers, recordsTrace: recordsTrace, completion: reported, settled: settled)
    }

    /// The load of `request` as a job: through the cache (single flight), its remote fetch
    /// cancelled with the job.
    private func job(_ r: Request) -> JobQueue.Job {
        let cache = cache
        return JobQueue.Job(key: JobKey(r.key), tier: r.tier, rank: r.rank, context: r) { token in
            _ = try cache.chunk(r.key, purpose: r.tier.purpose, cancellation: token) { try r.load(token) }
        }
    }

    /// Makes `requests` the owner's part of the queue: its loads queued earlier and
    /// not requested again are dropped; resident and running keys are skipped.
    public func replace(with requests: [Request], owner: PinOwner = .image) {
        jobs.replace(with: requests.filter { !cache.contains($0.key) }.map(job), owner: owner)
    }

    /// Adds `requests` to the owner's part of the queue, ahead of the `replace` with the whole
    /// plan that follows: nothing queued is dropped and nothing running cancelled, so the
    /// visible loads start while the prefetch is still being planned.
    public func enqueue(_ requests: [Request], owner: PinOwner = .image) {
        jobs.enqueue(requests.filter { !cache.contains($0.key) }.map(job), owner: owner)
    }

    /// Queued requests, next first.
    public var queued: [Request] { jobs.queued.compactMap { $0.context as? Request } }

    /// Loads running or queued.
    public var pending: Int { jobs.pending }

    /// Queued loads dropped because the view moved on.
    public var dropped: Int { jobs.dropped }

    /// Running loads cancelled because the view moved on.
    public var cancelled: Int { jobs.cancelled }

    public var trace: [Event] { jobs.trace.compactMap(Event.init) }

    /// Blocks until nothing is queued or running.
    public func waitUntilIdle() { jobs.waitUntilIdle() }

    /// Drops the queue; running loads finish (remote fetches are told to stop), none starts.
    public func stop() { jobs.stop() }
}

extension JobTier {
    var purpose: LoadPurpose { self == .visible ? .visible : .prefetch }
}
