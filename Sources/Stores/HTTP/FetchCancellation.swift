import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Lets whoever runs a load tell the remote store under it that the load is no
/// longer wanted, so the transfer is aborted instead of finished. The loader
/// runs the load inside `run(_:body:)` on its own thread; the HTTP client,
/// deep below on the same thread, polls `check()` while bytes arrive.
public final class FetchCancellation: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}

    public func cancel() { flag.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }

    /// Runs `body` with `token` as this thread's cancellation.
    public static func run<T>(_ token: FetchCancellation, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(key)
        let retained = Unmanaged.passRetained(token)
        pthread_setspecific(key, retained.toOpaque())
        defer {
            pthread_setspecific(key, previous)
            retained.release()
        }
        return try body()
    }

    /// Whether the load running on this thread was cancelled.
    @Sendable public static func check() -> Bool {
        guard let p = pthread_getspecific(key) else { return false }
        return Unmanaged<FetchCancellation>.fromOpaque(p).takeUnretainedValue().isCancelled
    }

    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()
}
