import Threads
import Foundation
import Synchronization
import Testing

@testable import ArrayModel
@testable import Cache
@testable import Processing
@testable import Rendering
@testable import TUI

/// A 2-level pyramid in memory: level 0 is 256×256 uint16 (y + x) in 64×64 chunks, level 1 every
/// 2nd pixel of it (128×128, 64×64 chunks). Every chunk read is counted, and reads can be made to fail.
final class CountingPyramid: LazyArray, @unchecked Sendable {
    /// Thread contract: `reads` and `failing` are atomics; the rest is immutable.
    let metadata: ArrayMetadata
    let step: Int
    let reads = Atomic<Int>(0)
    let failing = Atomic<Bool>(false)
    private let coarse: CountingPyramid?

    init(size: Int = 256, step: Int = 1, levels: Int = 2, dataType: DataType = .uint16) {
        metadata = ArrayMetadata(
            format: "test", location: "counting: level \(step)", shape: [size, size], dataType: dataType,
            chunkShape: [64, 64], fillValue: .zero, axisNames: ["y", "x"], codecs: [])
        self.step = step
        coarse = levels > 1 ? CountingPyramid(size: size / 2, step: step * 2, levels: levels - 1) : nil
    }

    func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? {
        reads.add(1, ordering: .relaxed)
        if failing.load(ordering: .relaxed) { throw RuntimeTestError.readAfterPlan }
        var v: [UInt16] = []
        for y in (index[0] * 64)..<(index[0] * 64 + 64) {
            for x in (index[1] * 64)..<(index[1] * 64 + 64) {
                v.append(UInt16(truncatingIfNeeded: (y + x) * step))
            }
        }
        return ArrayBuffer(dataType: .uint16, shape: [64, 64], bytes: v.withUnsafeBytes { Array($0) })
    }

    var pyramid: [PyramidLevel] {
        var levels = [PyramidLevel(single: self)]
        var next = coarse, factor = 2.0
        while let c = next {
            levels.append(PyramidLevel(array: c, path: "\(levels.count)", factors: [factor, factor], offsets: [0, 0]))
            (next, factor) = (c.coarse, factor * 2)
        }
        return levels
    }

    /// Every level's reads.
    var totalReads: Int { pyramid.reduce(0) { $0 + ($1.array as! CountingPyramid).reads.load(ordering: .relaxed) } }
    func failFromNowOn() { for l in pyramid { (l.array as! CountingPyramid).failing.store(true, ordering: .relaxed) } }
}

enum RuntimeTestError: Error { case readAfterPlan }

@Suite struct FramePlanTests {
    func request(
        _ array: LazyArray, rows: Range<Int>? = nil, columns: Range<Int>? = nil, cells: (Int, Int)
    )
        throws -> FrameRequest
    {
        var view = try PlaneSelection(array.metadata)
        if let rows { view.rows = rows }
        if let columns { view.columns = columns }
        return FrameRequest(views: [view], size: .cells(columns: cells.0, rows: cells.1), mode: .half)
    }

    /// At fit on a small pane the coarse level draws, from its own keys; zoomed to a 64² region on a
    /// big pane, level 0 draws from the one chunk under it.
    @Test func aPyramidPicksTheLevelAndItsKeys() throws {
        let array = CountingPyramid()
        let levels = array.pyramid.enumerated().map { i, l in
            CachedChunks(cache: ChunkCache(budget: 1 << 26), array: l.array, level: i)
        }
        let fit = FramePlan(try request(array, cells: (40, 20)), pyramid: array.pyramid, cacheBudget: 1 << 26)
        #expect(fit.level == 1 && fit.image == .assemble)
        #expect(fit.levelViews[0].rows == 0..<128 && fit.width == 40 && fit.height == 40)
        let keys = fit.imageKeys(levels)
        #expect(keys.count == 4 && keys.allSatisfy { $0.level == 1 })
        let zoomed = FramePlan(
            try request(array, rows: 0..<64, columns: 64..<128, cells: (80, 40)), pyramid: array.pyramid,
            cacheBudget: 1 << 26)
        #expect(zoomed.level == 0 && zoomed.imageKeys(levels).map(\.index) == [[0, 1]])
        let again = FramePlan(try request(array, cells: (40, 20)), pyramid: array.pyramid, cacheBudget: 1 << 26)
        #expect(fit != zoomed && fit == again)
    }

    /// A 16384² flat plane whose chunks exceed a quarter of the budget is reduced into the picture's
    /// pixels, not assembled; with a budget that holds it, it is assembled.
    @Test func aHugeFlatPlaneIsReduced() throws {
        let array = CountingPyramid(size: 16384, levels: 1)
        let huge = FramePlan(try request(array, cells: (100, 50)), pyramid: array.pyramid, cacheBudget: 256 << 20)
        #expect(huge.level == 0 && huge.image == .reduce && huge.width == 100 && huge.height == 100)
        let small = FramePlan(
            try request(array, rows: 0..<256, columns: 0..<256, cells: (100, 50)), pyramid: array.pyramid,
            cacheBudget: 256 << 20)
        #expect(small.image == .assemble)
    }

    /// The label layer takes the label image's level for the picture's pixels and its keys are the
    /// label image's; until the label image is open the plan says so.
    @Test func aLabelsLayer() throws {
        let array = CountingPyramid()
        let labelArray = CountingPyramid(step: 1)
        let layer = try LabelLayer(labelArray, name: "cells", image: array.metadata, imageNames: ["y", "x"])
        var r = try request(array, cells: (40, 20))
        r.labels = 0
        let plan = FramePlan(r, pyramid: array.pyramid, cacheBudget: 1 << 26, labelLayer: layer)
        let labels = try #require(plan.labels)
        #expect(labels.level == 1 && labels.step == 1 && labels.index == 0)
        let levels = labelArray.pyramid.enumerated().map { i, l in
            CachedChunks(cache: ChunkCache(budget: 1 << 26), array: l.array, level: i)
        }
        #expect(plan.labelKeys(levels).count == 4)
        #expect(FramePlan(r, pyramid: array.pyramid, cacheBudget: 1 << 26).labelProblem == .opening)
    }

    /// A filter on a plane of a 3-D stack: its keys are the level-0 views at the working factor.
    @Test func aFilterOnAStack() throws {
        let meta = ArrayMetadata(
            format: "test", location: "stack:", shape: [40, 4096, 4096], dataType: .uint16,
            chunkShape: [1, 512, 512], fillValue: .zero, axisNames: ["z", "y", "x"], codecs: [])
        let array = MetadataOnly(metadata: meta)
        var view = try PlaneSelection(meta)
        view.indices[0] = 7
        let r = FrameRequest(
            views: [view], size: .cells(columns: 100, rows: 50), mode: .half,
            pipeline: try Pipeline("gaussian(2)|threshold(otsu)"))
        let plan = FramePlan(r, pyramid: array.pyramid, cacheBudget: 1 << 30, maxWorkPixels: 1 << 22)
        let filter = try #require(plan.filter)
        #expect(filter.factor == 2 && filter.keys.map(\.view) == [view])
        #expect(filter.keys[0].pipeline == "gaussian(2)|threshold(otsu)")
        // Its reads: the 2-D halo grows the plane's region; a 3-D stage (a z,y,x tuple) reads z ± its halo.
        #expect(filter.level == 0 && filter.reads.count == 1 && filter.reads[0].indices[0] == 7)
        let chunks = CachedChunks(cache: ChunkCache(budget: 1 << 26), array: array, level: 0)
        #expect(Set(plan.filterKeys([chunks]).map(\.index[0])) == [7])
        var r3 = r
        r3.pipeline = try Pipeline("gaussian((2,1,1))")
        let plan3 = FramePlan(r3, pyramid: array.pyramid, cacheBudget: 1 << 30, maxWorkPixels: 1 << 22)
        let zs = Set(plan3.filterKeys([chunks]).map(\.index[0]))
        #expect(zs.count > 3 && zs.contains(7) && zs.contains(6) && zs.contains(8), "z planes read: \(zs.sorted())")
        var off = r
        off.pipeline = nil
        #expect(FramePlan(off, pyramid: array.pyramid, cacheBudget: 1 << 30).filter == nil)
    }

    /// Once the plan's loads are in, composing the frame reads nothing: every later read would fail
    /// (and show as an error tile), yet the frame is complete and no read happened.
    @Test func composingReadsNothing() throws {
        let array = CountingPyramid()
        let cache = ChunkCache(budget: 1 << 26)
        let session = ViewSession(array: array, cache: cache, wake: {})
        defer { session.stop() }
        var state = ViewState(selection: try PlaneSelection(array.metadata), shape: array.metadata.shape)
        state.probe = ViewState.Point(y: 100, x: 30)
        let pane = ViewState.Pane(columns: 80, rows: 38)
        state.fitRegion(pane)
        let plan = session.plan(state.frameRequest(pane, metadata: array.metadata), maxWorkPixels: 1 << 22)
        session.request(plan)
        let probeKeys = plan.probeKeys(session.loader.levels)
        #expect(session.loader.waitUntilLoaded(plan.imageKeys(session.loader.levels) + probeKeys, timeout: 20))
        array.failFromNowOn()
        let reads = array.totalReads
        let inputs = try session.resident(plan, counting: false)
        let composed = FrameComposer(
            state: state, plan: plan, inputs: inputs, array: array, name: "counting:", pyramid: session.pyramid,
            cache: cache, columns: 80, rows: 40, depth: .truecolor, shownPicture: nil
        ).compose()
        #expect(array.totalReads == reads)
        #expect(inputs.planes.allSatisfy { $0.isComplete })
        // The probe's value is level 0's (y + x), not the drawn level's.
        #expect(inputs.probeValue == 130)
        #expect(composed.facts.mapping != nil)
    }
}

/// An array that is only metadata (planning never reads).
final class MetadataOnly: LazyArray {
    init(metadata: ArrayMetadata) { self.metadata = metadata }
    let metadata: ArrayMetadata
    func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? { nil }
}
