import Threads
import Foundation
import Synchronization
import Testing
@testable import Formats
@testable import Cache
import Stores

/// A door loads wait at until the test opens it.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false
    func wait() {
        condition.lock()
        while !isOpen { condition.wait() }
        condition.unlock()
    }
    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Polls until `ok` holds (at most 10 s).
func eventually(_ ok: () -> Bool) -> Bool {
    for _ in 0..<1000 {
        if ok() { return true }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return ok()
}

@Suite struct SchedulerTests {
    let owner = KeyOwner()
    func key(_ i: Int) -> ChunkKey { ChunkKey(array: owner, index: [i]) }
    func request(_ i: Int, _ tier: ChunkScheduler.Tier, _ rank: Double, gate: Gate? = nil) -> ChunkScheduler.Request {
        ChunkScheduler.Request(key: key(i), tier: tier, rank: rank) { _ in
            gate?.wait()
            return payload(i, size: 100)
        }
    }
    /// One worker, tracing, held inside the load of key 0 until the gate opens.
    func heldScheduler() -> (ChunkCache, ChunkScheduler, Gate) {
        let cache = ChunkCache(budget: 1 << 20)
        let scheduler = ChunkScheduler(cache: cache, workers: 1, recordsTrace: true)
        let gate = Gate()
        scheduler.replace(with: [request(0, .visible, 0, gate: gate)])
        #expect(eventually { started(scheduler.trace) == [key(0)] })
        return (cache, scheduler, gate)
    }

    func started(_ trace: [ChunkScheduler.Event]) -> [ChunkKey] {
        trace.compactMap { if case .started(let k, _) = $0 { k } else { nil } }
    }

    /// With one worker held by a running load, a plan submitted in shuffled
    /// order runs visible first (centre outward), then prefetch by rank.
    @Test func visibleBeforePrefetchInRankOrder() throws {
        let (cache, scheduler, gate) = heldScheduler()
        defer { scheduler.stop() }
        scheduler.replace(with: [
            request(5, .prefetch, 2), request(1, .visible, 0.7), request(6, .prefetch, 1),
            request(2, .visible, 0.1), request(7, .prefetch, 3), request(3, .visible, 0.4),
        ])
        #expect(scheduler.queued.map(\.key) == [2, 3, 1, 6, 5, 7].map(key))
        gate.open()
        scheduler.waitUntilIdle()
        #expect(started(scheduler.trace) == [0, 2, 3, 1, 6, 5, 7].map(key))
        #expect(scheduler.trace.filter { if case .finished = $0 { true } else { false } }.count == 7)
        #expect([0, 1, 2, 3, 5, 6, 7].allSatisfy { cache.contains(key($0)) })
    }

    /// The image and a labels layer queue their loads side by side: a new plan of
    /// one owner drops only that owner's stale loads.
    @Test func ownersReplaceOnlyTheirOwnLoads() throws {
        let (_, scheduler, gate) = heldScheduler()
        defer { scheduler.stop() }
        scheduler.replace(with: [request(1, .visible, 0), request(2, .prefetch, 1)], owner: .image)
        scheduler.replace(with: [request(3, .visible, 0.5)], owner: .labels)
        #expect(scheduler.queued.map(\.key) == [1, 3, 2].map(key))
        scheduler.replace(with: [request(4, .visible, 0)], owner: .image)
        #expect(scheduler.queued.map(\.key) == [4, 3].map(key))
        #expect(scheduler.dropped == 2)
        gate.open()
        scheduler.waitUntilIdle()
        #expect(started(scheduler.trace) == [0, 4, 3].map(key))
    }

    /// After a view change the old view's queued loads are dropped and never
    /// start; the load already running finishes into the cache; loads both
    /// views want are kept.
    @Test func staleLoadsAreDroppedAfterViewChange() throws {
        let (cache, scheduler, gate) = heldScheduler()
        defer { scheduler.stop() }
        // View A.
        scheduler.replace(with: [
            request(1, .visible, 0), request(2, .visible, 1), request(3, .prefetch, 1), request(4, .prefetch, 2),
        ])
        // View B moves on: it shares chunk 4 (now visible) and wants 8, 9.
        scheduler.replace(with: [
            request(4, .visible, 0), request(8, .visible, 1), request(9, .prefetch, 1),
            request(0, .visible, 2),
        ])
        gate.open()
        scheduler.waitUntilIdle()
        let trace = scheduler.trace
        let dropped = Set(trace.compactMap { if case .dropped(let k) = $0 { k } else { nil } })
        #expect(dropped == Set([1, 2, 3].map(key)))
        #expect(started(trace) == [0, 4, 8, 9].map(key), "trace: \(trace)")
        #expect(cache.contains(key(0)), "the running load finished into the cache")
        #expect(!cache.contains(key(1)) && !cache.contains(key(3)))
        // Drops happen before the gate opened, i.e. before the running load finished.
        let firstFinish = trace.firstIndex { if case .finished = $0 { true } else { false } }!
        #expect(trace.lastIndex { if case .dropped = $0 { true } else { false } }! < firstFinish)
        #expect(scheduler.dropped == 3)
    }

    /// `enqueue` (a view's visible loads, before its prefetch is planned) puts them ahead of the
    /// old plan's queue without dropping or cancelling anything; the `replace` that follows with
    /// the whole plan then drops what the new view does not want, as before.
    @Test func enqueuedVisibleLoadsGoFirstAndDropNothing() throws {
        let (_, scheduler, gate) = heldScheduler()
        defer { scheduler.stop() }
        scheduler.replace(with: [request(1, .visible, 0), request(2, .prefetch, 1), request(3, .prefetch, 2)])
        let cancelled = scheduler.cancelled  // the held load of key 0, which this plan no longer wants
        // Ranks without ties: equal (tier, rank) requests have no defined order.
        scheduler.enqueue([request(8, .visible, 0.5), request(9, .visible, 1)])
        #expect(scheduler.dropped == 0 && scheduler.cancelled == cancelled)
        #expect(scheduler.queued.map(\.key) == [1, 8, 9, 2, 3].map(key))
        // The whole new plan: 8 and 9 visible, 3 as prefetch; 1 and 2 are no longer wanted.
        scheduler.replace(with: [request(8, .visible, 0.5), request(9, .visible, 1), request(3, .prefetch, 1)])
        #expect(scheduler.queued.map(\.key) == [8, 9, 3].map(key))
        gate.open()
        scheduler.waitUntilIdle()
        #expect(started(scheduler.trace) == [0, 8, 9, 3].map(key))
        #expect(scheduler.dropped == 2)
    }

    /// A running load no new plan wants is cancelled: its fetch sees the token (as the HTTP
    /// store does while bytes arrive), nothing is cached, no failure is reported, and a
    /// plan that wants the chunk again loads it.
    @Test func runningLoadsNoPlanWantsAreCancelled() throws {
        let cache = ChunkCache(budget: 1 << 20)
        let failures = Mutex(0)
        let scheduler = ChunkScheduler(cache: cache, workers: 1, recordsTrace: true) { _, error in
            if error != nil { failures.withLock { $0 += 1 } }
        }
        defer { scheduler.stop() }
        let sawCancel = Mutex(false)
        let slow = ChunkScheduler.Request(key: key(0), tier: .prefetch, rank: 0) { token in
            // A fetch that waits on the network, polling its cancellation like libcurl's progress callback.
            for _ in 0..<1000 where !token.isCancelled { Thread.sleep(forTimeInterval: 0.005) }
            guard token.isCancelled else { return payload(0, size: 100) }
            sawCancel.withLock { $0 = true }
            throw CancellationError()
        }
        scheduler.replace(with: [slow])
        #expect(eventually { started(scheduler.trace) == [key(0)] })
        // Still wanted: a new plan that keeps it does not cancel it.
        scheduler.replace(with: [slow, request(1, .visible, 0)])
        #expect(scheduler.cancelled == 0)
        scheduler.replace(with: [request(1, .visible, 0)])
        scheduler.waitUntilIdle()
        #expect(sawCancel.withLock { $0 })
        #expect(scheduler.cancelled == 1)
        #expect(scheduler.trace.contains(.cancelled(key(0))), "\(scheduler.trace)")
        #expect(!cache.contains(key(0)) && cache.contains(key(1)))
        #expect(failures.withLock { $0 } == 0, "a cancelled load is not a failure")
        scheduler.replace(with: [request(0, .visible, 0)])
        scheduler.waitUntilIdle()
        #expect(cache.contains(key(0)))
    }

    /// A failing load is reported to the completion callback and not retried until asked again.
    @Test func failuresAreReported() throws {
        let cache = ChunkCache(budget: 1 << 20)
        let failed = Mutex<[ChunkKey]>([])
        let scheduler = ChunkScheduler(cache: cache, workers: 2) { key, error in
            if error != nil { failed.withLock { $0.append(key) } }
        }
        defer { scheduler.stop() }
        scheduler.replace(with: [
            ChunkScheduler.Request(key: key(1), tier: .visible, rank: 0) { _ in throw LoadFailed() },
            request(2, .visible, 1),
        ])
        scheduler.waitUntilIdle()
        #expect(failed.withLock { $0 } == [key(1)])
        #expect(!cache.contains(key(1)) && cache.contains(key(2)))
    }

    /// `completion` runs while the load still counts as pending; `settled` runs after it stopped
    /// counting, so a viewer woken by it draws "N loading" with the new N (a viewer woken only by
    /// `completion` could read the old count and keep showing "1 loading" with nothing loading).
    @Test func settledHearsTheCountWithoutTheLoad() throws {
        let cache = ChunkCache(budget: 1 << 20)
        let seen = Mutex<(completion: [Int], settled: [Int])>(([], []))
        let box = Mutex<ChunkScheduler?>(nil)
        let scheduler = ChunkScheduler(
            cache: cache, workers: 1,
            completion: { _, _ in
                let n = box.withLock { $0 }?.pending ?? -1
                seen.withLock { $0.completion.append(n) }
            },
            settled: {
                let n = box.withLock { $0 }?.pending ?? -1
                seen.withLock { $0.settled.append(n) }
            })
        box.withLock { $0 = scheduler }
        defer {
            scheduler.stop()
            box.withLock { $0 = nil }
        }
        scheduler.replace(with: [request(0, .visible, 0)])
        scheduler.waitUntilIdle()
        #expect(eventually { seen.withLock { $0.settled.count } == 1 })
        #expect(seen.withLock { $0.completion } == [1])
        #expect(seen.withLock { $0.settled } == [0])
    }
}

/// A (z, y, x) uint8 array whose loads wait at a gate; chunks are (1, 32, 32).
final class GatedVolume: LazyArray, @unchecked Sendable {
    let metadata = ArrayMetadata(
        format: "test", location: "gated:", shape: [64, 64, 64], dataType: .uint8,
        chunkShape: [1, 32, 32], fillValue: .zero, axisNames: ["z", "y", "x"], codecs: [])
    let gate = Gate()
    func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? {
        gate.wait()
        return ArrayBuffer(
            dataType: .uint8, shape: [1, 32, 32], bytes: [UInt8](repeating: UInt8(index[0]), count: 1024))
    }
}

@Suite struct PrefetchTests {
    /// Bytes one plane of GatedVolume costs in the cache (4 chunks).
    let planeCost = 4 * (1024 + ChunkCache.entryOverhead)

    func zs(_ keys: [ChunkKey]) -> [Int] { keys.map { $0.index[0] } }

    /// Over slow storage the horizon covers two round trips of a 30 steps/s scrub, and never
    /// shrinks below the default; positions reach that far ahead.
    @Test func horizonGrowsWithLatency() throws {
        let policy = PrefetchPolicy()
        #expect(policy.horizon(forLatency: nil) == 16 && policy.horizon(forLatency: 0.05) == 16)
        #expect(policy.horizon(forLatency: 0.5) == 30 && policy.horizon(forLatency: 1) == 60)
        var far = policy
        far.horizon = policy.horizon(forLatency: 0.5)
        let volume = GatedVolume()
        let view = try PlaneSelection(volume.metadata, at: "z=10")
        let ahead = far.positions(
            around: view, shape: volume.metadata.shape, scrubAxes: [0], channelAxis: nil,
            motion: .init(axis: 0, direction: 1)
        ).map { $0.indices[0] }
        #expect(ahead.contains(40) && !ahead.contains(41), "\(ahead)")
    }

    /// Shows z = start, start+step, … with the workers held, then reports the queue.
    func scrub(
        _ zs: [Int], budgetPlanes: Int = 20
    ) -> (queue: [ChunkKey], plan: LoadPlan, loader: PlaneLoader, volume: GatedVolume) {
        let volume = GatedVolume()
        let cache = ChunkCache(budget: 2 * budgetPlanes * planeCost)
        let loader = PlaneLoader(array: volume, cache: cache, workers: 1)
        var view = try! PlaneSelection(volume.metadata)
        var plan: LoadPlan!
        for z in zs {
            view.indices[0] = z
            plan = loader.show([view])
        }
        return (loader.scheduler.queued.map(\.key), plan, loader, volume)
    }

    @Test func scrubbingUpPrefetchesMoreAbove() {
        let (queue, plan, loader, volume) = scrub([20, 21, 22, 23])
        defer {
            volume.gate.open()
            loader.stop()
        }
        let ahead = zs(queue).filter { $0 > 23 }.count, behind = zs(queue).filter { $0 < 23 }.count
        #expect(ahead > 2 * behind && behind > 0, "queue z: \(zs(queue))")
        // The visible plane is queued first (one of its chunks may be running), then z+1.
        let visibleLeft = queue.prefix { $0.index[0] == 23 }.count
        #expect(visibleLeft >= 3)
        #expect(zs(Array(queue.dropFirst(visibleLeft).prefix(4))) == [24, 24, 24, 24])
        #expect(loader.motion == PrefetchPolicy.Motion(axis: 0, direction: 1))
        // The budget (half the cache) bounds the prefetch.
        #expect(plan.prefetchBytes <= loader.cache.budget / 2 && plan.prefetchBytes > loader.cache.budget / 3)
        #expect(plan.visible.count == 4 && Set(plan.visible).isDisjoint(with: plan.prefetch))
    }

    @Test func scrubbingDownPrefetchesMoreBelow() {
        let (queue, _, loader, volume) = scrub([40, 39, 38])
        defer {
            volume.gate.open()
            loader.stop()
        }
        let ahead = zs(queue).filter { $0 < 38 }.count, behind = zs(queue).filter { $0 > 38 }.count
        #expect(ahead > 2 * behind && behind > 0, "queue z: \(zs(queue))")
    }

    @Test func withoutMotionPrefetchIsSymmetric() {
        let (queue, _, loader, volume) = scrub([30])
        defer {
            volume.gate.open()
            loader.stop()
        }
        let above = zs(queue).filter { $0 > 30 }.count, below = zs(queue).filter { $0 < 30 }.count
        #expect(above == below && above > 0, "queue z: \(zs(queue))")
    }

    /// After a view change the pins move: the new plane's chunks are pinned, the old are not.
    @Test func viewChunksArePinned() throws {
        let (_, plan, loader, volume) = scrub([10, 11])
        volume.gate.open()
        #expect(loader.waitUntilLoaded(plan.visible, timeout: 10))
        loader.scheduler.waitUntilIdle()
        loader.stop()
        try loader.cache.checkInvariants()
        #expect(plan.visible.allSatisfy { loader.isResident($0) })
        #expect(loader.cache.statistics.prefetchLoads > 0)
    }

    /// A chunk loaded by prefetch and then shown counts as a prefetch hit.
    @Test func prefetchHitsAreCounted() throws {
        let (_, _, loader, volume) = scrub([10, 11])
        volume.gate.open()
        loader.scheduler.waitUntilIdle()
        var view = try PlaneSelection(volume.metadata)
        view.indices[0] = 12
        let plan = loader.show([view])
        #expect(plan.visible.allSatisfy { loader.isResident($0) })
        _ = try loader.readPlane(view)
        loader.stop()
        #expect(loader.cache.statistics.prefetchHits == 4)
    }
}

/// A (z, y, x) uint8 array with chunks of 8 planes, (8, 32, 32).
final class EightPlaneVolume: LazyArray, @unchecked Sendable {
    let metadata = ArrayMetadata(
        format: "test", location: "eight-planes:", shape: [64, 64, 64], dataType: .uint8,
        chunkShape: [8, 32, 32], fillValue: .zero, axisNames: ["z", "y", "x"], codecs: [])
    func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? {
        ArrayBuffer(dataType: .uint8, shape: [8, 32, 32], bytes: [UInt8](repeating: UInt8(index[0]), count: 8192))
    }
}

@Suite struct PrefetchPlanTests {
    /// With chunks of 8 planes, z+1…z+3 and z−1…z−4 around z = 20 cross the visible chunks
    /// and add nothing; the prefetch is each further chunk once, at the rank of the first
    /// position that reaches it (z+4: chunk 3, z−5: chunk 1, z+12: chunk 4, z−13: chunk 0).
    @Test func prefetchNamesEachChunkOnceAtItsFirstPosition() throws {
        let volume = EightPlaneVolume()
        let loader = PlaneLoader(array: volume, cache: ChunkCache(budget: 1 << 20), workers: 1)
        defer { loader.stop() }
        let view = try PlaneSelection(volume.metadata, at: "z=20")
        let plan = loader.plan([view])
        #expect(plan.visible.map { $0.index[0] } == [2, 2, 2, 2])
        #expect(plan.prefetch.map { $0.index[0] } == [3, 3, 3, 3, 1, 1, 1, 1, 4, 4, 4, 4, 0, 0, 0, 0])
        #expect(plan.prefetchBytes == 16 * (8192 + ChunkCache.entryOverhead))
    }

    @Test func chunkSpanNamesTheChunksARegionCrosses() {
        let grid = ChunkGrid(shape: [64, 64, 64], chunkShape: [8, 32, 32])
        #expect(grid.chunkSpan([20..<21, 0..<64, 0..<64]) == [2, 2, 0, 1, 0, 1])
        #expect(grid.chunkSpan([23..<24, 0..<64, 0..<64]) == grid.chunkSpan([16..<17, 0..<64, 0..<64]))
        #expect(grid.chunkSpan([24..<25, 0..<64, 0..<64]) == [3, 3, 0, 1, 0, 1])
        #expect(grid.chunkSpan([24..<24, 0..<64, 0..<64]) == [])
    }
}
