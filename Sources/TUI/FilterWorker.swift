import ArrayModel
import Cache
import Processing
import Synchronization
import Threads

/// Computes filtered planes off the UI thread, as jobs on the one pool (owner `.filter`, one
/// at a time: each runs its stages on every core). Only what the view shows now is wanted: the
/// pool drops a queued plane the view has moved away from and cancels a running one (latest
/// wins); results land in a `ProcessedPlaneCache` that frames read without waiting.
///
/// The chunks a filter reads around the view (its halo) are pinned under `.filterHalo` while
/// the planes that read them are wanted, so the image layer moving on does not evict them, and
/// they count against the one cache budget like every chunk. Pins stop at a quarter of the
/// budget: a filter over a plane too big to assemble streams its chunks through the cache.
final class FilterWorker: Sendable {
    let results: ProcessedPlaneCache
    private let jobs: JobQueue
    private let threads: Int
    /// The halo chunks each wanted plane has read so far (with their bytes), and the cache they
    /// are pinned in.
    private let halos = Mutex<HaloPins>(HaloPins())

    struct HaloPins {
        var cache: ChunkCache?
        var keys: [ProcessedPlaneCache.Key: [ChunkKey: Int]] = [:]
        var pinned: [ChunkKey: Int] { keys.values.reduce(into: [:]) { $0.merge($1) { a, _ in a } } }

        /// Pins the wanted planes' halos.
        func pin() { cache?.pin(Set(pinned.keys), owner: .filterHalo) }

        /// Adds `chunk` to `key`'s halo and pins it, unless `key` is not wanted or the halos
        /// would take more than a quarter of the budget.
        mutating func add(_ chunk: ChunkKey, bytes: Int, to key: ProcessedPlaneCache.Key) {
            guard let cache, keys[key] != nil, keys[key]![chunk] == nil else { return }
            let pins = pinned
            guard pins[chunk] != nil || pins.values.reduce(bytes, +) <= cache.budget / 4 else { return }
            keys[key]![chunk] = bytes
            pin()
        }
    }

    /// - Parameter budget: bytes of filtered planes kept (set aside from the chunk cache's budget).
    init(threads: Int, budget: Int) {
        (self.threads, results) = (threads, ProcessedPlaneCache(budget: budget))
        jobs = JobQueue(width: 1)
    }

    /// Whether a request for `key` is queued or running.
    func isPending(_ key: ProcessedPlaneCache.Key) -> Bool { jobs.isPending(JobKey(key)) }

    /// Nothing is wanted any more (filters turned off): queued planes are dropped, running ones
    /// cancelled, halos unpinned.
    func cancel() {
        jobs.cancel(owner: .filter)
        halos.withLock { h in
            h.keys = [:]
            h.pin()
        }
    }

    /// Makes `keys` the wanted planes and queues those not cached (latest wins);
    /// `done` runs on the worker whenever a result (or failure) is stored.
    /// - Parameter levels: the pyramid's levels through the cache (a coarse level serves a working factor > 1).
    func show(
        _ keys: [ProcessedPlaneCache.Key], pipeline: Pipeline, pyramid: [PyramidLevel], levels: [CachedChunks],
        done: @escaping @Sendable () -> Void
    ) {
        let cache = levels[0].cache
        // Only the wanted planes' halos stay pinned.
        halos.withLock { h in
            h.cache = cache
            h.keys = Dictionary(uniqueKeysWithValues: keys.map { ($0, h.keys[$0] ?? [:]) })
            h.pin()
        }
        let threads = threads
        let wanted = keys.enumerated().filter { results.get($0.element) == nil }.map { rank, key in
            JobQueue.Job(key: JobKey(key), tier: .visible, rank: Double(rank)) { [self] token in
                do {
                    let plane = try PlaneFilter.apply(
                        pipeline, to: key.view, levels: pyramid, factor: key.factor, threads: threads
                    ) { level in haloSource(levels[level], for: key, token: token) }
                    results.put(key, .plane(plane))
                } catch {
                    // A plane the view left is not a failure: a later view computes it again.
                    if token.isCancelled { throw error }
                    results.put(key, .failure(ErrorLine.text(error)))
                }
                done()
            }
        }
        jobs.replace(with: wanted, owner: .filter)
    }

    /// The chunks of one level for the plane `key`: each pinned as part of its halo before it is
    /// read (while the plane is wanted), and the read stopped once the plane is no longer wanted.
    private func haloSource(
        _ chunks: CachedChunks, for key: ProcessedPlaneCache.Key, token: JobToken
    ) -> RegionReader.ChunkSource {
        { [self] index, box in
            if token.isCancelled { throw CancellationError() }
            let chunk = chunks.key(index, box: box)
            halos.withLock { $0.add(chunk, bytes: chunks.bytes(of: chunk), to: key) }
            return try chunks.piece(chunk)
        }
    }
}
