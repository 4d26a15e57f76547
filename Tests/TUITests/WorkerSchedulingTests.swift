import Foundation
import Synchronization
import Testing
import Threads
@testable import Cache
@testable import TUI
import ArrayModel
import Processing

/// A (y, x) uint8 plane 64 wide in bands of 16 rows (one chunk each; four unless told); every
/// read is recorded, and reads wait while the gate is closed.
/// Thread contract: `reads` and `gate` guard themselves; the rest is immutable.
private final class GatedBands: LazyArray, @unchecked Sendable {
    let metadata: ArrayMetadata
    init(bands: Int = 4) {
        metadata = ArrayMetadata(
            format: "test", location: "gated-bands:\(UUID())", shape: [16 * bands, 64], dataType: .uint8,
            chunkShape: [16, 64], fillValue: .zero, axisNames: ["y", "x"], codecs: [])
    }
    let reads = Mutex<[[Int]]>([])
    let gate = ConditionLock(false)
    func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? {
        reads.withLock { $0.append(index) }
        gate.wait(until: { $0 })
        return ArrayBuffer(
            dataType: .uint8, shape: [16, 64], bytes: (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index[0]) })
    }
    func open() { gate.withLock(wakes: true) { $0 = true } }
}

/// Polls until `ok` holds (at most 10 s).
private func eventually(_ ok: () -> Bool) -> Bool {
    for _ in 0..<1000 {
        if ok() { return true }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return ok()
}

/// The viewer's workers on the one pool: a plan the view has left is cancelled for every job kind
/// (the chunk-load case is `SchedulerTests.runningLoadsNoPlanWantsAreCancelled`), and a filter's
/// halo stays pinned while its plane is shown.
@Suite struct WorkerSchedulingTests {
    func rows(_ array: LazyArray, _ range: Range<Int>) throws -> PlaneSelection {
        var view = try PlaneSelection(array.metadata)
        view.rows = range
        return view
    }

    /// A filtered plane that the view left while its first chunk was loading reads no further
    /// chunk and stores nothing; the plane shown instead is computed.
    @Test func aSupersededFilterStageIsCancelled() throws {
        let array = GatedBands()
        let cache = ChunkCache(budget: 1 << 20)
        let levels = [CachedChunks(cache: cache, array: array)]
        let pipeline = try Pipeline("gaussian(1)")
        let worker = FilterWorker(threads: 1, budget: 1 << 20)
        let whole = ProcessedPlaneCache.Key(view: try rows(array, 0..<64), pipeline: pipeline.activeText, factor: 1)
        let top = ProcessedPlaneCache.Key(view: try rows(array, 0..<14), pipeline: pipeline.activeText, factor: 1)
        worker.show([whole], pipeline: pipeline, pyramid: array.pyramid, levels: levels) {}
        #expect(eventually { array.reads.withLock { $0.count } == 1 })
        worker.show([top], pipeline: pipeline, pyramid: array.pyramid, levels: levels) {}
        array.open()
        #expect(eventually { worker.results.get(top) != nil && !worker.isPending(whole) })
        guard case .plane = worker.results.get(top) else {
            Issue.record("the shown plane: \(String(describing: worker.results.get(top)))")
            return
        }
        #expect(worker.results.get(whole) == nil)
        // The whole plane stopped after the read it was in; the top rows (and their halo) need
        // chunks 0 and 1 only.
        #expect(array.reads.withLock { $0 } == [[0, 0], [1, 0]])
    }

    /// A reduction the view left stops after the chunk it was folding; the one shown instead
    /// folds every chunk.
    @Test func aSupersededReductionIsCancelled() throws {
        let array = GatedBands()
        let cache = ChunkCache(budget: 1 << 20)
        let levels = [CachedChunks(cache: cache, array: array)]
        let worker = ReductionWorker(threads: 1)
        let view = try rows(array, 0..<64)
        let big = ReductionWorker.Key(view: view, level: 0, width: 16, height: 16, mode: .mean)
        let small = ReductionWorker.Key(view: view, level: 0, width: 8, height: 8, mode: .mean)
        let left = worker.show([big], levels: levels) {}[0]
        #expect(eventually { array.reads.withLock { $0.count } == 1 })
        let shown = worker.show([small], levels: levels) {}[0]
        array.open()
        #expect(eventually { shown.chunksDone == shown.chunkTotal })
        #expect(shown.chunkTotal == 4)
        #expect(left.chunksDone < left.chunkTotal, "the reduction the view left went on: \(left.chunksDone)")
    }

    /// The chunks a shown filtered plane read stay resident (pinned as `.filterHalo`) while the
    /// image layer's view moves on and its loads evict everything else; they go once the filter
    /// is turned off.
    @Test func haloPinsSurviveANeighbouringViewsEviction() throws {
        let array = GatedBands(bands: 16)
        array.open()
        // Room for eight chunks: the halo's two are within the quarter of it that halos may pin.
        let chunkCost = 1024 + ChunkCache.entryOverhead
        let cache = ChunkCache(budget: chunkCost * 8)
        let levels = [CachedChunks(cache: cache, array: array)]
        let pipeline = try Pipeline("gaussian(1)")
        let worker = FilterWorker(threads: 1, budget: 1 << 20)
        let top = ProcessedPlaneCache.Key(view: try rows(array, 0..<14), pipeline: pipeline.activeText, factor: 1)
        worker.show([top], pipeline: pipeline, pyramid: array.pyramid, levels: levels) {}
        #expect(eventually { worker.results.get(top) != nil })
        let halo = [levels[0].key([0, 0]), levels[0].key([1, 0])]
        #expect(halo.allSatisfy(cache.isPinned))
        // The image layer shows one band after another further down: its chunks come and go.
        for band in 2..<16 {
            let key = levels[0].key([band, 0])
            cache.pin([key], owner: .image)
            _ = try cache.chunk(key) { try array.readChunk([band, 0]) }
        }
        #expect(halo.allSatisfy(cache.contains), "the halo was evicted")
        #expect(!cache.contains(levels[0].key([2, 0])), "nothing was evicted: the test shows nothing")
        worker.cancel()
        #expect(!halo.contains(where: cache.isPinned))
    }

    /// A filter over more than a quarter of the budget pins only that much: the rest of what it
    /// reads streams through the cache (a plane too big to assemble, filtered at a working factor).
    @Test func haloPinsStayWithinAQuarterOfTheBudget() throws {
        let array = GatedBands(bands: 16)
        array.open()
        let chunkCost = 1024 + ChunkCache.entryOverhead
        let cache = ChunkCache(budget: chunkCost * 8)
        let levels = [CachedChunks(cache: cache, array: array)]
        let pipeline = try Pipeline("gaussian(1)")
        let worker = FilterWorker(threads: 1, budget: 1 << 20)
        let all = ProcessedPlaneCache.Key(view: try rows(array, 0..<256), pipeline: pipeline.activeText, factor: 1)
        worker.show([all], pipeline: pipeline, pyramid: array.pyramid, levels: levels) {}
        #expect(eventually { worker.results.get(all) != nil })
        let pinned = (0..<16).filter { cache.isPinned(levels[0].key([$0, 0])) }
        #expect(pinned.count == 2, "pinned bands \(pinned)")
        #expect(cache.statistics.usedBytes <= cache.budget)
    }
}
