import Cache
import Synchronization

/// How far `s` has got with a figure written on a worker: the chunks it reads (counted as they
/// become resident in the shared cache) and, at the end, the file's name or the error.
/// Thread contract: Sendable; the worker sets, the UI thread reads, each under the mutex.
public final class FigureProgress: Sendable {
    private struct Tracked {
        var keys: [ChunkKey] = []
        var cache: ChunkCache?
        var mostSeen = 0
        var result: Result<String, Error>?
    }

    private let tracked = Mutex(Tracked())
    /// The file being written.
    public let name: String

    public init(name: String) { self.name = name }

    /// The chunks the figure reads (before it starts reading them).
    public func track(_ keys: [ChunkKey], in cache: ChunkCache) {
        tracked.withLock { ($0.keys, $0.cache) = (keys, cache) }
    }

    func finish(_ result: Result<String, Error>) { tracked.withLock { $0.result = result } }

    /// The file's name or the error, once written.
    var result: Result<String, Error>? { tracked.withLock { $0.result } }

    /// Chunks read so far (resident now, or seen resident: a reduction lets them go) and in all.
    func chunks() -> (done: Int, total: Int) {
        tracked.withLock { t in
            guard let cache = t.cache else { return (0, 0) }
            let resident = t.keys.reduce(0) { $0 + (cache.contains($1) ? 1 : 0) }
            t.mostSeen = max(t.mostSeen, resident)
            return (t.mostSeen, t.keys.count)
        }
    }
}
