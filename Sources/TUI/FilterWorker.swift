import Cache
import Dispatch
import ArrayModel
import Processing
import Synchronization

/// Computes filtered planes off the UI thread. Only what the view shows now
/// is wanted: a queued request that the view has moved away from is dropped
/// before it starts (latest wins), and results land in a `ProcessedPlaneCache`
/// that frames read without waiting.
final class FilterWorker: Sendable {
    let results: ProcessedPlaneCache
    private let queue = DispatchQueue(label: "vstack.filter", qos: .userInitiated)
    private let wanted = Mutex<Set<ProcessedPlaneCache.Key>>([])
    private let pending = Mutex<Set<ProcessedPlaneCache.Key>>([])
    private let threads: Int

    /// - Parameter budget: bytes of filtered planes kept (set aside from the chunk cache's budget).
    init(threads: Int, budget: Int) { (self.threads, results) = (threads, ProcessedPlaneCache(budget: budget)) }

    /// Whether a request for `key` is queued or running.
    func isPending(_ key: ProcessedPlaneCache.Key) -> Bool { pending.withLock { $0.contains(key) } }

    /// Nothing is wanted any more (filters turned off): queued requests are dropped.
    func cancel() { wanted.withLock { $0.removeAll() } }

    /// Makes `keys` the wanted set and queues those neither cached nor queued;
    /// `done` runs on the worker whenever a result (or failure) is stored.
    /// - Parameter levels: the pyramid's levels through the cache (a coarse level serves a working factor > 1).
    func show(
        _ keys: [ProcessedPlaneCache.Key], pipeline: Pipeline, pyramid: [PyramidLevel], levels: [CachedChunks],
        done: @escaping @Sendable () -> Void
    ) {
        wanted.withLock { $0 = Set(keys) }
        for key in keys where results.get(key) == nil {
            guard pending.withLock({ $0.insert(key).inserted }) else { continue }
            let threads = threads
            queue.async { [self] in
                defer { pending.withLock { _ = $0.remove(key) } }
                guard wanted.withLock({ $0.contains(key) }) else { return }
                do {
                    let plane = try PlaneFilter.apply(
                        pipeline, to: key.view, levels: pyramid, factor: key.factor,
                        threads: threads
                    ) { levels[$0].source }
                    results.put(key, .plane(plane))
                } catch {
                    results.put(key, .failure(ErrorLine.text(error)))
                }
                done()
            }
        }
    }
}
