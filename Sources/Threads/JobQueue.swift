/// One client's jobs on a `WorkPool` (a viewer's chunk loads, its filters, its reductions), in
/// the order the view wants them, with the pool's one rule for a view that moves on:
///
/// - Latest wins: `replace(with:owner:)` makes a job list the owner's whole plan. Its queued
///   jobs the new plan no longer holds are dropped; other owners' stay; a key wanted by several
///   owners runs once, at its best precedence.
/// - A running job no owner wants any more is cancelled: its `JobToken` says so, and a job that
///   then throws counts neither as done nor as failed (a later plan runs it again).
/// - Visible jobs come before prefetch; within a tier, lower `rank` first, across owners.
/// - At most `width` of the queue's jobs run at once.
public final class JobQueue: Sendable {
    public struct Job: Sendable {
        public let key: JobKey
        public let tier: JobTier
        /// Order within the tier: distance from the view's centre, or steps away along z/t.
        public let rank: Double
        /// What the client made the job from (a chunk scheduler's request), for `queued`.
        public let context: (any Sendable)?
        let run: @Sendable (JobToken) throws -> Void

        public init(
            key: JobKey, tier: JobTier, rank: Double, context: (any Sendable)? = nil,
            run: @escaping @Sendable (JobToken) throws -> Void
        ) {
            (self.key, self.tier, self.rank, self.context, self.run) = (key, tier, rank, context, run)
        }

        /// Whether this job is served before `other`.
        func precedes(_ other: Job) -> Bool { (tier, rank) < (other.tier, other.rank) }
    }

    /// What happened, in order, when the queue records a trace (tests, `--stats`).
    public enum Event: Sendable, Equatable {
        case started(JobKey, JobTier)
        case finished(JobKey)
        case failed(JobKey)
        /// Queued for a view that is gone, and removed before it ran.
        case dropped(JobKey)
        /// Running for a view that is gone: its token was cancelled.
        case cancelled(JobKey)
    }

    /// The queue's state, kept in the pool's state (one lock for all queues, so a worker picks
    /// the best job over all of them).
    struct Book {
        struct Queued {
            let job: Job
            /// Order of arrival: equal precedence runs first come, first served.
            let sequence: Int
        }
        weak var owner: JobQueue?
        let width: Int
        /// Next job last (popLast), so the array is sorted by descending precedence.
        var queue: [Queued] = []
        /// The latest plan's jobs of each owner (not yet run when planned).
        var planned: [JobOwner: [JobKey: Job]] = [:]
        /// Jobs running, each with the token that cancels it.
        var running: [JobKey: JobToken] = [:]
        var droppedCount = 0
        var cancelledCount = 0
        var events: [Event]?

        /// Takes the next job: running from now on, still planned (so a plan that keeps it does
        /// not cancel it; the merge skips running keys, so it is not queued twice).
        mutating func start() -> (Queued, JobToken) {
            let queued = queue.removeLast()
            let token = JobToken()
            running[queued.job.key] = token
            events?.append(.started(queued.job.key, queued.job.tier))
            return (queued, token)
        }

        /// Sorts `jobs` into the queue, numbering them from `sequence`.
        mutating func order(_ jobs: [Job], sequence: inout Int) {
            // Sorted as (tier, rank, position), then gathered: moving and comparing the jobs
            // themselves cost more than the rest of the plan.
            let order = jobs.indices.map { (jobs[$0].tier.rawValue, jobs[$0].rank, $0) }
            queue = order.sorted { ($1.0, $1.1, $1.2) < ($0.0, $0.1, $0.2) }.map {
                Queued(job: jobs[$0.2], sequence: sequence + $0.2)
            }
            sequence += jobs.count
        }
    }

    public let pool: WorkPool
    public let width: Int
    private var id: ObjectIdentifier { ObjectIdentifier(self) }
    private let completion: (@Sendable (JobKey, Error?) -> Void)?
    private let settled: (@Sendable () -> Void)?

    /// - Parameters:
    ///   - width: jobs of this queue running at once (more than the pool's cores grows the pool:
    ///     for loads that wait on storage).
    ///   - completion: called on the worker after each job (success or error, not a cancelled
    ///     one), before it stops counting as pending.
    ///   - settled: called on the worker after each job has stopped counting as pending.
    public init(
        pool: WorkPool = .shared, width: Int, recordsTrace: Bool = false,
        completion: (@Sendable (JobKey, Error?) -> Void)? = nil, settled: (@Sendable () -> Void)? = nil
    ) {
        self.pool = pool
        self.width = max(1, width)
        (self.completion, self.settled) = (completion, settled)
        var book = Book(width: self.width)
        book.events = recordsTrace ? [] : nil
        book.owner = self
        pool.state.withLock { [id] s in s.queues[id] = book }
        pool.grow(to: self.width)
    }

    deinit {
        pool.state.withLock(wakes: true) { [id] s in
            if let book = s.queues[id] { for token in book.running.values { token.cancel() } }
            s.queues[id] = nil
        }
    }

    /// Changes this queue's book in place under the pool's lock, and wakes the workers.
    private func modify(_ body: (inout Book, inout Int) -> Void) {
        pool.state.withLock(wakes: true) { [id] s in
            guard s.queues[id] != nil else { return }
            body(&s.queues[id]!, &s.sequence)
        }
    }

    /// Makes `jobs` the owner's whole plan: its jobs queued earlier and not asked for again are
    /// dropped, running ones no owner wants are cancelled; running keys are not queued again.
    public func replace(with jobs: [Job], owner: JobOwner) {
        var best: [JobKey: Job] = [:]
        for job in jobs {
            if let seen = best[job.key], seen.precedes(job) { continue }
            best[job.key] = job
        }
        modify { book, sequence in
            book.planned[owner] = best.isEmpty ? nil : best
            // Every owner's wanted jobs, each key once at its best precedence.
            var merged: [JobKey: Job] = [:]
            for (_, jobs) in book.planned {
                for (key, job) in jobs where book.running[key] == nil {
                    if let seen = merged[key], seen.precedes(job) { continue }
                    merged[key] = job
                }
            }
            for old in book.queue where merged[old.job.key] == nil {
                book.droppedCount += 1
                book.events?.append(.dropped(old.job.key))
            }
            for (key, token) in book.running
            where !token.isCancelled && !book.planned.values.contains(where: { $0[key] != nil }) {
                token.cancel()
                book.cancelledCount += 1
                book.events?.append(.cancelled(key))
            }
            book.order(Array(merged.values), sequence: &sequence)
        }
    }

    /// Adds `jobs` to the owner's plan, ahead of the `replace` with the whole plan that follows:
    /// nothing queued is dropped and nothing running cancelled.
    public func enqueue(_ jobs: [Job], owner: JobOwner) {
        modify { book, sequence in
            var mine = book.planned[owner] ?? [:]
            var added: [Job] = []
            for job in jobs where book.running[job.key] == nil {
                if let seen = mine[job.key], seen.precedes(job) { continue }
                mine[job.key] = job
                added.append(job)
            }
            book.planned[owner] = mine
            guard !added.isEmpty else { return }
            // Each key once, at its best precedence over all owners.
            var byKey = Dictionary(book.queue.map { ($0.job.key, $0.job) }, uniquingKeysWith: { a, _ in a })
            for job in added {
                if let queued = byKey[job.key], queued.precedes(job) { continue }
                byKey[job.key] = job
            }
            book.order(Array(byKey.values), sequence: &sequence)
        }
    }

    /// Drops the owner's plan: its queued jobs go, its running ones are cancelled.
    public func cancel(owner: JobOwner) { replace(with: [], owner: owner) }

    private func read<R>(_ body: (Book) -> R) -> R {
        pool.state.withLock { [id] s in body(s.queues[id] ?? Book(width: width)) }
    }

    /// Queued jobs, next first.
    public var queued: [Job] { read { $0.queue.reversed().map(\.job) } }
    /// Jobs running or queued.
    public var pending: Int { read { $0.queue.count + $0.running.count } }
    /// Whether `key` is queued or running.
    public func isPending(_ key: JobKey) -> Bool {
        read { b in b.running[key] != nil || b.queue.contains { $0.job.key == key } }
    }
    /// Queued jobs dropped because the view moved on.
    public var dropped: Int { read(\.droppedCount) }
    /// Running jobs cancelled because the view moved on.
    public var cancelled: Int { read(\.cancelledCount) }
    public var trace: [Event] { read { $0.events ?? [] } }

    /// Blocks until nothing is queued or running.
    public func waitUntilIdle() {
        pool.state.wait(until: { [id] s in s.queues[id].map { $0.queue.isEmpty && $0.running.isEmpty } ?? true })
    }

    /// Drops every plan and the queue; running jobs finish (their tokens cancelled), none starts.
    public func stop() {
        modify { book, _ in
            for token in book.running.values { token.cancel() }
            (book.queue, book.planned) = ([], [:])
        }
    }

    /// Runs a job the pool took from this queue (on the worker).
    func run(_ queued: Book.Queued, token: JobToken) {
        let job = queued.job
        var failure: Error? = nil
        do { try job.run(token) } catch { failure = error }
        // A cancelled job is no failure: nobody wants it, and a later plan runs it again.
        let wasCancelled = failure != nil && token.isCancelled
        // Reported first, so that once `waitUntilIdle` returns every completion has run.
        if !wasCancelled { completion?(job.key, failure) }
        modify { book, _ in
            book.running[job.key] = nil
            // In place: iterating `planned.keys` while writing would copy each owner's jobs.
            for owner in Array(book.planned.keys) { book.planned[owner]?.removeValue(forKey: job.key) }
            if !wasCancelled { book.events?.append(failure == nil ? .finished(job.key) : .failed(job.key)) }
        }
        settled?()
    }
}
