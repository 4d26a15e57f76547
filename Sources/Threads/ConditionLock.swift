#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// State that threads change under one lock and can wait on until it changes: the data path's
/// one condition wrapper (state nobody waits on is a `Mutex`). A pthread mutex and condition
/// variable, the condition timed on the monotonic clock.
/// Thread contract: `state` is read and written only inside `withLock` and `wait`, under `mutex`.
public final class ConditionLock<State>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var state: State

    public init(_ state: State) {
        self.state = state
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if canImport(Glibc)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` under the lock. With `wakes`, the waiting threads are woken afterwards to look
    /// at the state again (say so whenever `body` changes what a waiter waits for).
    public func withLock<R>(wakes: Bool = false, _ body: (inout State) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer {
            if wakes { pthread_cond_broadcast(condition) }
            pthread_mutex_unlock(mutex)
        }
        return try body(&state)
    }

    /// Waits until `ready` holds, then runs `body` under the same lock. With a `timeout` (seconds),
    /// returns nil when it passes before `ready` holds.
    public func wait<R>(
        until ready: (State) -> Bool, timeout: Double? = nil, wakes: Bool = false, then body: (inout State) throws -> R
    ) rethrows -> R? {
        pthread_mutex_lock(mutex)
        defer {
            if wakes { pthread_cond_broadcast(condition) }
            pthread_mutex_unlock(mutex)
        }
        if let timeout {
            var deadline = Self.now()
            let whole = max(0, timeout).rounded(.down)
            deadline.tv_sec += Int(whole)
            deadline.tv_nsec += Int((max(0, timeout) - whole) * 1e9)
            if deadline.tv_nsec >= 1_000_000_000 {
                deadline.tv_sec += 1
                deadline.tv_nsec -= 1_000_000_000
            }
            while !ready(state) {
                if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT && !ready(state) { return nil }
            }
        } else {
            while !ready(state) { pthread_cond_wait(condition, mutex) }
        }
        return try body(&state)
    }

    /// Waits until `ready` holds (see `wait(until:timeout:wakes:then:)`); false when `timeout` passed first.
    @discardableResult
    public func wait(until ready: (State) -> Bool, timeout: Double? = nil) -> Bool {
        wait(until: ready, timeout: timeout) { _ in true } ?? false
    }

    private static func now() -> timespec {
        var t = timespec()
        #if canImport(Glibc)
        clock_gettime(CLOCK_MONOTONIC, &t)
        #else
        clock_gettime(CLOCK_REALTIME, &t)
        #endif
        return t
    }
}
