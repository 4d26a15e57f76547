import Threads
#if canImport(Glibc)
import Glibc
#endif

/// Lets whoever runs a load tell the remote store under it that the load is no
/// longer wanted, so the transfer is aborted instead of finished: the pool's job
/// token. The loader runs the load inside `run(_:body:)` on its own thread; the
/// HTTP client, deep below on the same thread, polls `check()` while bytes arrive.
public typealias FetchCancellation = JobToken

extension JobToken {
    /// Runs `body` with `token` as this thread's cancellation.
    public static func run<T>(_ token: JobToken, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(fetchKey)
        let retained = Unmanaged.passRetained(token)
        pthread_setspecific(fetchKey, retained.toOpaque())
        defer {
            pthread_setspecific(fetchKey, previous)
            retained.release()
        }
        return try body()
    }

    /// Whether the load running on this thread was cancelled.
    @Sendable public static func check() -> Bool {
        guard let p = pthread_getspecific(fetchKey) else { return false }
        return Unmanaged<JobToken>.fromOpaque(p).takeUnretainedValue().isCancelled
    }
}

/// The thread's token: the loads' storage calls (`LazyArray.readChunk` → `Store` → HTTP) carry
/// no token of their own.
private let fetchKey: pthread_key_t = {
    var k = pthread_key_t()
    pthread_key_create(&k, nil)
    return k
}()
