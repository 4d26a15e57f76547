import Synchronization

/// How far `s` has got with a figure written on a worker: the chunks it has read of those it
/// reads and, at the end, the file's name or the error.
/// Thread contract: Sendable; the worker sets, the UI thread reads, each under the mutex.
public final class FigureProgress: Sendable {
    private struct Counts {
        var done = 0, total = 0
        var result: Result<String, Error>?
    }

    private let counts = Mutex(Counts())
    /// The file being written.
    public let name: String

    public init(name: String) { self.name = name }

    /// The chunks the figure reads (before it starts reading them).
    public func expect(chunks: Int) { counts.withLock { $0.total = chunks } }

    /// One more chunk read (on any worker).
    public func chunkRead() { counts.withLock { $0.done += 1 } }

    func finish(_ result: Result<String, Error>) { counts.withLock { $0.result = result } }

    /// The file's name or the error, once written.
    var result: Result<String, Error>? { counts.withLock { $0.result } }

    /// Chunks read so far and in all.
    func chunks() -> (done: Int, total: Int) { counts.withLock { (min($0.done, $0.total), $0.total) } }
}
