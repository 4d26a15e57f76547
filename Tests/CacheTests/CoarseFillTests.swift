import Threads
import Foundation
import Testing
@testable import Formats
@testable import Cache

/// A 2-level pyramid in memory: level 0 holds y·W + x (uint32) in 16×16
/// chunks, and its loads wait at a gate; level 1 is every 2nd pixel of it
/// (one 32×32 chunk), loaded at once.
final class GatedPyramid: LazyArray, @unchecked Sendable {
    static let (height, width) = (64, 48)
    let metadata = ArrayMetadata(
        format: "test", location: "gated:", shape: [GatedPyramid.height, GatedPyramid.width],
        dataType: .uint32, chunkShape: [16, 16], fillValue: .zero, axisNames: ["y", "x"], codecs: [])
    let gate = Gate()
    let coarse = Strided()

    final class Strided: LazyArray, @unchecked Sendable {
        let metadata = ArrayMetadata(
            format: "test", location: "gated: level 1", shape: [32, 24], dataType: .uint32,
            chunkShape: [32, 32], fillValue: .zero, axisNames: ["y", "x"], codecs: [])
        func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? {
            GatedPyramid.values(rows: 0..<32, columns: 0..<32, step: 2)
        }
    }

    static func values(rows: Range<Int>, columns: Range<Int>, step: Int) -> ArrayBuffer {
        var v: [UInt32] = []
        for y in rows { for x in columns { v.append(UInt32(y * step * width + x * step)) } }
        return ArrayBuffer(
            dataType: .uint32, shape: [rows.count, columns.count], bytes: v.withUnsafeBytes { Array($0) })
    }

    func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? {
        gate.wait()
        return GatedPyramid.values(
            rows: (index[0] * 16)..<(index[0] * 16 + 16), columns: (index[1] * 16)..<(index[1] * 16 + 16), step: 1)
    }

    var pyramid: [PyramidLevel] {
        [PyramidLevel(single: self), PyramidLevel(array: coarse, path: "1", factors: [2, 2], offsets: [0, 0])]
    }
}

@Suite struct CoarseFillTests {
    /// While level 0 waits, the view is drawn from level 1 (nearest pixel), and
    /// the plan names those parts as coarse, not missing; once level 0
    /// arrives the plane is exactly level 0.
    @Test func coarseLevelFillsWhileTheFineLevelLoads() throws {
        let array = GatedPyramid()
        let loader = PlaneLoader(array: array, cache: ChunkCache(budget: 1 << 24), workers: 2, recordsTrace: true)
        defer {
            array.gate.open()
            loader.stop()
        }
        var view = try PlaneSelection(array.metadata)
        view.rows = 8..<40
        view.columns = 4..<36
        let plan = loader.show([view], level: 0)
        #expect(plan.coarse == [ChunkKey(array: array.coarse, level: 1, index: [0, 0])])
        #expect(plan.visible.count == 9)
        #expect(loader.waitUntilLoaded(plan.coarse, timeout: 10))
        let partial = try loader.residentPlane(view, level: 0)
        #expect(partial.missing.isEmpty, "every loading part has coarse data")
        #expect(partial.coarse.count == 9)
        let values = partial.plane.bytes.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
        for i in 0..<view.rows.count {
            for j in 0..<view.columns.count {
                // Level-0 pixel (y, x) shows level 1's (⌊y/2⌋, ⌊x/2⌋) = level 0's (2⌊y/2⌋, 2⌊x/2⌋).
                let (y, x) = (view.rows.lowerBound + i, view.columns.lowerBound + j)
                #expect(values[i * view.columns.count + j] == UInt32((y / 2 * 2) * GatedPyramid.width + x / 2 * 2))
            }
        }
        // The coarse chunk was the first load started.
        let started = loader.scheduler.trace.compactMap { if case .started(let k, _) = $0 { k } else { nil } }
        #expect(started.first == plan.coarse[0])

        array.gate.open()
        #expect(loader.waitUntilLoaded(plan.visible, timeout: 10))
        let done = try loader.residentPlane(view, level: 0)
        #expect(done.isComplete)
        #expect(done.plane == GatedPyramid.values(rows: view.rows, columns: view.columns, step: 1))
    }

    /// A view drawn at level 1 reads level 1 in its own coordinates.
    @Test func aCoarseLevelViewIsMappedThroughTheFactors() throws {
        let array = GatedPyramid()
        array.gate.open()
        let loader = PlaneLoader(array: array, cache: ChunkCache(budget: 1 << 24), workers: 1)
        defer { loader.stop() }
        let view = try PlaneSelection(array.metadata)
        let plan = loader.show([view], level: 1)
        #expect(plan.level == 1 && plan.coarse.isEmpty && plan.visible.count == 1)
        #expect(loader.waitUntilLoaded(plan.visible, timeout: 10))
        let partial = try loader.residentPlane(view, level: 1)
        #expect(partial.isComplete && partial.view.rows == 0..<32 && partial.view.columns == 0..<24)
        #expect(partial.plane == GatedPyramid.values(rows: 0..<32, columns: 0..<24, step: 2))
    }
}
