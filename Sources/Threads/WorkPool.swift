import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Who a job is for: each layer of the view (the image, the labels, a filter, a reduction) plans
/// its own jobs, so one layer moving on does not drop what another still wants.
public struct JobOwner: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }
    public var description: String { name }
}

/// What the view does with a job's result: shows it now, or may show it soon.
public enum JobTier: Int, Sendable, Comparable {
    case visible = 0
    case prefetch = 1
    public static func < (a: JobTier, b: JobTier) -> Bool { a.rawValue < b.rawValue }
}

/// A job's identity within its queue: a key two owners ask for runs once.
/// Thread contract: immutable once made, and made only from a `Sendable` value.
public struct JobKey: Hashable, @unchecked Sendable, CustomStringConvertible {
    private let value: AnyHashable
    public init<Key: Hashable & Sendable>(_ key: Key) { value = AnyHashable(key) }
    /// The key as the type it was made from.
    public func `as`<Key: Hashable & Sendable>(_: Key.Type) -> Key? { value.base as? Key }
    public var description: String { "\(value.base)" }
}

/// Tells a running job that no plan wants it any more: the job looks at it between steps
/// (a reduction between chunks, a filter between reads, a remote fetch while bytes arrive).
public final class JobToken: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func cancel() { flag.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// The one pool of worker threads that the data path's work runs on: chunk loads, huge-plane
/// reductions and filter stages are jobs of a `JobQueue` (an owner, a tier and a rank, latest
/// plan wins, cancellation), and the data-parallel loops inside them (`forEach`: the chunks of a
/// region, the bands of a filter) borrow idle workers.
///
/// - One worker per core. A queue whose jobs mostly wait on storage (a remote or slow source:
///   `LazyArray.preferredConcurrency`) may run more at once; the pool then grows to that width,
///   and `DecodeGate` keeps their decoding to one per core. Remote transfers keep their own
///   concurrency in the HTTP client.
/// - A worker takes the loop helpers first (they finish a job already running), then the
///   queued job with the best (tier, rank) over all queues that are under their width.
/// - `forEach`'s caller works through the indices itself and never waits for a helper that has
///   not started, so a job's loop cannot deadlock waiting for workers busy with other jobs.
public final class WorkPool: Sendable {
    /// The process's pool, one worker per core.
    ///
    /// Its workers share the allocator's arenas, one a core (at least two): with glibc's default
    /// of eight a core, a chunk freed on one worker stayed in that worker's arena while the next
    /// was allocated in another's, and the viewer's resident memory crept above `--cache` under a
    /// live filter (issue #29: 329 → 379 MiB in two minutes of keys; 293 → 321 MiB, flat, capped).
    public static let shared: WorkPool = {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        #if canImport(Glibc)
        // glibc's mallopt (malloc.h is not in the Glibc module): M_ARENA_MAX is -8, M_MMAP_THRESHOLD -3.
        // A fixed mmap threshold: a buffer of 256 KiB or more (chunks, planes, filter volumes) is
        // mapped and unmapped, so resident memory follows what is live. glibc's default raises the
        // threshold after each large free, up to 32 MiB, and the arenas then kept freed planes:
        // the viewer's memory soak (--cache 256MiB, a live filter) peaked at 459 MiB, 316 with this.
        if let symbol = dlsym(nil, "mallopt") {
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            _ = mallopt(-8, Int32(clamping: max(2, cores)))
            _ = mallopt(-3, 256 << 10)
        }
        #endif
        return WorkPool(threads: cores)
    }()
    /// The most workers a pool grows to (loads that wait on storage).
    public static let maxThreads = 64

    /// Workers started at once (one per core).
    public let cores: Int

    struct Helper {
        let batch: ObjectIdentifier
        let run: @Sendable () -> Void
    }

    struct State {
        var threads = 0
        var helpers: [Helper] = []
        var queues: [ObjectIdentifier: JobQueue.Book] = [:]
        var sequence = 0

        /// The queue whose next job goes first, among those under their width.
        func nextQueue() -> ObjectIdentifier? {
            var best: (id: ObjectIdentifier, tier: Int, rank: Double, sequence: Int)?
            // A queue being freed (its book not yet removed) starts nothing more.
            for (id, book) in queues where book.running.count < book.width && book.owner != nil {
                guard let job = book.queue.last else { continue }
                let candidate = (id, job.job.tier.rawValue, job.job.rank, job.sequence)
                if let b = best, (b.tier, b.rank, b.sequence) <= (candidate.1, candidate.2, candidate.3) { continue }
                best = candidate
            }
            return best?.id
        }

        var hasWork: Bool { !helpers.isEmpty || nextQueue() != nil }
    }

    let state: ConditionLock<State>

    public init(threads: Int) {
        cores = max(1, threads)
        state = ConditionLock(State())
        grow(to: cores)
    }

    /// Starts workers until there are `count` (at most `maxThreads`).
    func grow(to count: Int) {
        let start = state.withLock { s -> Range<Int> in
            let target = min(WorkPool.maxThreads, max(s.threads, count))
            defer { s.threads = target }
            return s.threads..<target
        }
        for i in start {
            // Workers live as long as the process (the shared pool) or the pool.
            let thread = Thread { [self] in work() }
            thread.name = "vstack-work-\(i)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private enum Taken {
        case nothing
        case helper(Helper)
        case job(JobQueue, JobQueue.Book.Queued, JobToken)
    }

    private func work() {
        while true {
            let taken = state.wait(until: { $0.hasWork }) { s -> Taken in
                if !s.helpers.isEmpty { return .helper(s.helpers.removeFirst()) }
                let id = s.nextQueue()!
                // Held while the job runs; a queue freed since the look starts nothing more.
                guard let queue = s.queues[id]!.owner else {
                    s.queues[id] = nil
                    return .nothing
                }
                let (queued, token) = s.queues[id]!.start()
                return .job(queue, queued, token)
            }!
            switch taken {
            case .nothing: continue
            case .helper(let helper): helper.run()
            case .job(let queue, let queued, let token): queue.run(queued, token: token)
            }
        }
    }

    /// Runs `body(i)` for every i in 0..<count on up to `width` threads: this one and idle workers.
    /// Returns when every index has run.
    public func forEach(_ count: Int, width: Int, _ body: @Sendable (Int) -> Void) {
        let helpers = min(width, count) - 1
        guard helpers > 0 else {
            for i in 0..<count { body(i) }
            return
        }
        grow(to: min(width, WorkPool.maxThreads))
        withoutActuallyEscaping(body) { body in
            let batch = ForEachBatch(count: count, body: body)
            let id = ObjectIdentifier(batch)
            state.withLock(wakes: true) { s in
                for _ in 0..<helpers { s.helpers.append(Helper(batch: id, run: { batch.help() })) }
            }
            batch.drain()
            // Helpers not started yet are not needed: the indices are all claimed.
            state.withLock { s in s.helpers.removeAll { $0.batch == id } }
            batch.finish()
        }
    }
}

/// The indices of one `forEach`, claimed one at a time by the caller and the helpers.
/// Thread contract: `body` is called only between a claim and `finish()` returning (the caller
/// waits for every helper that started); `next` is atomic, `helpers` under its lock.
private final class ForEachBatch: @unchecked Sendable {
    private let count: Int
    private let next = Atomic<Int>(0)
    /// Helpers running, and whether the batch is closed (a helper started later does nothing).
    private let helpers = ConditionLock((running: 0, closed: false))
    private var body: (@Sendable (Int) -> Void)?

    init(count: Int, body: @escaping @Sendable (Int) -> Void) { (self.count, self.body) = (count, body) }

    func drain() {
        while case let i = next.add(1, ordering: .relaxed).oldValue, i < count { body?(i) }
    }

    func help() {
        guard
            helpers.withLock({ h in
                h.closed
                    ? false
                    : {
                        h.running += 1
                        return true
                    }()
            })
        else { return }
        drain()
        helpers.withLock(wakes: true) { $0.running -= 1 }
    }

    /// Closes the batch and waits for the helpers running.
    func finish() {
        helpers.withLock { $0.closed = true }
        helpers.wait(until: { $0.running == 0 })
        body = nil  // the caller's closure does not outlive the call
    }
}
