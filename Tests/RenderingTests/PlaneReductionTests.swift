import Threads
import Foundation
import Testing
import Formats
@testable import Rendering

/// An in-memory (z, y, x) array with chunks that do not line up with the screen blocks.
final class MemoryArray: LazyArray, @unchecked Sendable {
    let metadata: ArrayMetadata
    let values: [Float]
    /// Every third chunk is absent (read as the fill value, 7).
    let absent: Bool
    init(dataType: DataType, seed: UInt64, nan: Bool = false, absent: Bool = false) {
        self.absent = absent
        metadata = ArrayMetadata(
            format: "test", location: "memory:", shape: [5, 211, 157], dataType: dataType,
            chunkShape: [2, 37, 29], fillValue: absent ? .int(7) : .zero, axisNames: ["z", "y", "x"], codecs: [])
        var state = seed
        values = (0..<(5 * 211 * 157)).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = Float(state >> 40) / Float(1 << 24)
            if nan && i % 97 == 0 { return .nan }
            return dataType == .uint16 ? (r * 60000).rounded(.down) : r * 1000 - 200
        }
    }
    func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? {
        if absent && index.reduce(0, +) % 3 == 0 { return nil }
        let cs = metadata.chunkShape, shape = metadata.shape
        var out: [Float] = []
        for z in 0..<cs[0] {
            for y in 0..<cs[1] {
                for x in 0..<cs[2] {
                    let (gz, gy, gx) = (index[0] * cs[0] + z, index[1] * cs[1] + y, index[2] * cs[2] + x)
                    out.append(
                        gz < shape[0] && gy < shape[1] && gx < shape[2]
                            ? values[(gz * shape[1] + gy) * shape[2] + gx] : 0)
                }
            }
        }
        let f = ArrayBuffer(float32: out, shape: cs)
        guard metadata.dataType == .uint16 else { return f }
        let u = out.map { UInt16($0) }
        return ArrayBuffer(dataType: .uint16, shape: cs, bytes: u.withUnsafeBytes { Array($0) })
    }
}

@Suite struct PlaneReductionTests {
    /// Folding chunk by chunk gives the pixels of downsampling the assembled plane.
    @Test(arguments: [DownsampleMode.mean, .max, .nearest])
    func reductionEqualsDownsamplingTheAssembledPlane(mode: DownsampleMode) throws {
        for (type, nan, absent) in [(DataType.uint16, false, false), (.float32, true, false), (.uint16, false, true)] {
            let array = MemoryArray(dataType: type, seed: 7, nan: nan, absent: absent)
            var view = try PlaneSelection(array.metadata, at: "z=3")
            view.rows = 5..<203
            view.columns = 7..<150
            let (w, h) = (41, 23)
            let reduction = PlaneReduction(view: view, dataType: type, width: w, height: h, mode: mode)
            #expect(try reduction.run(array, source: RegionReader.wholeChunks(array), threads: 2))
            let (got, complete) = reduction.image()
            #expect(complete.allSatisfy { $0 })
            let plane = try view.readPlane(array)
            let want = Downsampler.resample(FloatImage(plane), width: w, height: h, mode: mode)
            for (a, b) in zip(got.pixels, want.pixels) {
                if type == .uint16 || mode != .mean {
                    #expect(a == b || (a.isNaN && b.isNaN))
                } else {
                    #expect(a.isNaN && b.isNaN || abs(a - b) <= 1e-4 * max(1, abs(b)))
                }
            }
            if type == .uint16 { #expect(reduction.autoContrast() == Contrast.auto(plane)) }
        }
    }

    /// Until every chunk of a screen pixel's block is folded, the pixel is incomplete.
    @Test func pixelsAreIncompleteUntilTheirChunksArrive() throws {
        let array = MemoryArray(dataType: .uint16, seed: 3)
        let view = try PlaneSelection(array.metadata, at: "z=0")
        let reduction = PlaneReduction(view: view, dataType: .uint16, width: 20, height: 10, mode: .mean)
        let grid = array.metadata.grid
        let index = [0, 0, 0]
        let box = grid.overlap(of: index, with: view.region)
        reduction.add(ChunkPiece(try array.readChunk(index)!, origin: [0, 0, 0]), box: box)
        let (_, complete) = reduction.image()
        #expect(complete.contains(true) && complete.contains(false))
        #expect(!complete[19] && !complete[9 * 20 + 19])
    }
}
