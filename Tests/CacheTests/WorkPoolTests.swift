import Foundation
import Synchronization
import Testing
import Threads
@testable import Cache

/// The one pool's order and its loops.
@Suite struct WorkPoolTests {
    /// One worker held inside a job until the gate opens, so what follows queues up.
    func held(_ queue: JobQueue, owner: JobOwner) -> ConditionLock<Bool> {
        let gate = ConditionLock(false)
        queue.replace(
            with: [JobQueue.Job(key: JobKey("held"), tier: .visible, rank: 0) { _ in gate.wait(until: { $0 }) }],
            owner: owner)
        #expect(eventually { queue.trace.count == 1 })
        return gate
    }

    func started(_ trace: [JobQueue.Event]) -> [String] {
        trace.compactMap { if case .started(let k, _) = $0 { k.as(String.self) } else { nil } }
    }

    func job(_ name: String, _ tier: JobTier, _ rank: Double) -> JobQueue.Job {
        JobQueue.Job(key: JobKey(name), tier: tier, rank: rank) { _ in }
    }

    /// Visible jobs of every owner before any owner's prefetch, by rank across owners; a plan
    /// replaced by its owner drops only that owner's queued jobs.
    @Test func prioritiesAcrossOwners() {
        let pool = WorkPool(threads: 1)
        let queue = JobQueue(pool: pool, width: 1, recordsTrace: true)
        let gate = held(queue, owner: .image)
        queue.replace(with: [job("image prefetch", .prefetch, 0), job("image", .visible, 3)], owner: .image)
        queue.replace(with: [job("halo", .visible, 2)], owner: .filterHalo)
        queue.replace(with: [job("labels prefetch", .prefetch, 1), job("labels", .visible, 1)], owner: .labels)
        queue.replace(with: [job("reduction", .visible, 0.5)], owner: .reduction)
        #expect(
            queue.queued.map { $0.key.as(String.self)! }
                == ["reduction", "labels", "halo", "image", "image prefetch", "labels prefetch"])
        // The image view moves on: its own queued jobs go, the others' stay (the held one with them,
        // as no plan holds it: it is cancelled, and ends as it likes).
        queue.replace(with: [job("image 2", .visible, 4)], owner: .image)
        #expect(queue.dropped == 2)
        #expect(queue.cancelled == 1)
        gate.withLock(wakes: true) { $0 = true }
        queue.waitUntilIdle()
        #expect(started(queue.trace) == ["held", "reduction", "labels", "halo", "image 2", "labels prefetch"])
    }

    /// Two clients of one pool: the worker takes the best job over both queues.
    @Test func prioritiesAcrossQueues() {
        let pool = WorkPool(threads: 1)
        let loads = JobQueue(pool: pool, width: 1, recordsTrace: true)
        let filters = JobQueue(pool: pool, width: 1, recordsTrace: true)
        let gate = held(loads, owner: .image)
        let order = Mutex<[String]>([])
        func noted(_ name: String, _ tier: JobTier, _ rank: Double) -> JobQueue.Job {
            JobQueue.Job(key: JobKey(name), tier: tier, rank: rank) { _ in order.withLock { $0.append(name) } }
        }
        loads.replace(with: [noted("prefetch", .prefetch, 0), noted("load", .visible, 1)], owner: .image)
        filters.replace(with: [noted("filter", .visible, 0)], owner: .filter)
        gate.withLock(wakes: true) { $0 = true }
        loads.waitUntilIdle()
        filters.waitUntilIdle()
        #expect(order.withLock { $0 } == ["filter", "load", "prefetch"])
    }

    /// A loop inside a job finishes even when every worker is busy: its caller works through
    /// the indices itself; idle workers help.
    @Test func forEachNeverWaitsForBusyWorkers() {
        let pool = WorkPool(threads: 1)
        let queue = JobQueue(pool: pool, width: 1)
        let gate = ConditionLock(false)
        queue.replace(
            with: [JobQueue.Job(key: JobKey("busy"), tier: .visible, rank: 0) { _ in gate.wait(until: { $0 }) }],
            owner: .image)
        let sum = Atomic<Int>(0)
        pool.forEach(100, width: 4) { i in sum.add(i, ordering: .relaxed) }
        #expect(sum.load(ordering: .relaxed) == 4950)
        gate.withLock(wakes: true) { $0 = true }
        queue.waitUntilIdle()
        let threads = Mutex<Set<String>>([])
        WorkPool.shared.forEach(64, width: 4) { _ in
            threads.withLock { _ = $0.insert("\(pthread_self())") }
            Thread.sleep(forTimeInterval: 0.002)
        }
        #expect(threads.withLock { $0.count } > 1 || WorkPool.shared.cores == 1)
    }
}
