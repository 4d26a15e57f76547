import Threads
import Foundation

/// A procedural 5-D light-sheet dataset (c, t, z, y, x; uint16), computed
/// chunk by chunk and never stored: an embryo whose surface is one dense layer
/// of cells (`Embryo`), imaged in three channels (nuclei, membranes, spots)
/// with depth-dependent scattering, camera offset and shot noise. Generating a
/// chunk costs only that chunk (objects are culled by their boxes).
public final class SyntheticArray: LazyArray {
    public static let defaultShape = [3, 199, 201, 1024, 768]
    public static let defaultChunks = [1, 1, 1, 256, 256]

    public let metadata: ArrayMetadata
    let embryo: Embryo
    /// Simulated storage latency added to every chunk read (`demo:?latency=50ms`).
    public let latency: Double
    /// Level-0 pixels per pixel along y and x (1 on level 0; 2, 4, … on the levels of `demo:?levels=N`).
    let step: Int
    /// The full-resolution shape (the embryo lives in its coordinates).
    let fullShape: [Int]
    /// Coarser levels, each sampling every `step`-th level-0 pixel (strided, like a nearest-neighbour pyramid).
    private let coarser: [SyntheticArray]

    /// - Parameter shape: (c, t, z, y, x).
    /// - Parameter levels: how many levels in all (1: no pyramid); each halves y and x.
    public init(
        shape: [Int] = SyntheticArray.defaultShape, chunkShape: [Int] = SyntheticArray.defaultChunks,
        location: String = "demo:", latency: Double = 0, levels: Int = 1
    ) {
        self.latency = latency
        precondition(shape.count == 5 && chunkShape.count == 5 && levels >= 1)
        step = 1
        fullShape = shape
        let levelShapes = (0..<levels).map { SyntheticArray.levelShape(shape, step: 1 << $0) }
        var m = ArrayMetadata(
            format: "synthetic", location: location, shape: shape, dataType: .uint16, chunkShape: chunkShape,
            fillValue: .zero, axisNames: ["c", "t", "z", "y", "x"], codecs: ["procedural"], levels: levelShapes,
            notes: levels > 1 ? ["\(levels) levels, each sampling every 2nd pixel of the one before"] : [])
        m.labelImages = ["nuclei", "cells"]
        m.notes.append("labels: nuclei, cells")
        m.scales = SyntheticArray.scales
        m.channels = SyntheticArray.channels
        let embryo = Embryo(shape: shape)
        let divisions = embryo.nuclei.filter { $0.division < shape[1] }.count
        m.notes.append(
            "an embryo of \(embryo.nuclei.count) cells (\(divisions) of them divide) and \(embryo.beads.count) beads")
        metadata = m
        self.embryo = embryo
        let base = metadata
        coarser = (1..<levels).map { level in
            SyntheticArray(
                embryo: embryo, fullShape: shape, step: 1 << level, chunkShape: chunkShape, latency: latency,
                location: "\(base.location) level \(level)")
        }
    }

    /// A coarser level: the same embryo sampled every `step` pixels.
    private init(embryo: Embryo, fullShape: [Int], step: Int, chunkShape: [Int], latency: Double, location: String) {
        (self.step, self.fullShape, self.latency, self.embryo, coarser) = (step, fullShape, latency, embryo, [])
        var m = ArrayMetadata(
            format: "synthetic", location: location, shape: SyntheticArray.levelShape(fullShape, step: step),
            dataType: .uint16,
            chunkShape: chunkShape, fillValue: .zero, axisNames: ["c", "t", "z", "y", "x"], codecs: ["procedural"])
        m.scales = SyntheticArray.scales.enumerated().map { axis, s in
            axis >= 3 ? s.map { AxisScale(step: $0.step * Double(step), unit: $0.unit) } : s
        }
        m.channels = SyntheticArray.channels
        metadata = m
    }

    /// 0.5 µm pixels, 1.5 µm z steps (3× the pixel, as the embryo's geometry assumes), 30 s per time point.
    static let scales: [AxisScale?] = [
        nil, AxisScale(step: 30, unit: "second"), AxisScale(step: 0.5 * Embryo.zStep, unit: "micrometer"),
        AxisScale(step: 0.5, unit: "micrometer"), AxisScale(step: 0.5, unit: "micrometer"),
    ]
    static let channels = [
        ChannelInfo(label: "nuclei", color: "00FF00", window: nil, active: true),
        ChannelInfo(label: "membranes", color: "FF00FF", window: nil, active: true),
        ChannelInfo(label: "spots", color: "00FFFF", window: nil, active: true),
    ]

    static func levelShape(_ shape: [Int], step: Int) -> [Int] {
        [shape[0], shape[1], shape[2], (shape[3] + step - 1) / step, (shape[4] + step - 1) / step]
    }

    public var pyramid: [PyramidLevel] {
        [PyramidLevel(single: self)]
            + coarser.enumerated().map { i, level in
                let f = Double(level.step)
                return PyramidLevel(
                    array: level, path: "\(i + 1)", factors: [1, 1, 1, f, f], offsets: [0, 0, 0, 0, 0])
            }
    }

    /// With latency the loads wait on "storage", so many may run at once.
    public var preferredConcurrency: Int? { latency > 0 ? 32 : nil }

    public func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? {
        guard latency > 0 else { return generate(index) }
        // Slow storage as a remote store is: many waits at once, the chunk's making one a core
        // (`DecodeGate`), so that 32 loads in flight do not hold 32 chunk buffers at once.
        Thread.sleep(forTimeInterval: latency)
        return DecodeGate.run { generate(index) }
    }

    private func generate(_ index: [Int]) -> ArrayBuffer? {
        let meta = metadata
        let cs = meta.chunkShape
        let region = meta.grid.region(of: index)
        let (c, t) = (index[0] * cs[0], index[1] * cs[1])
        var values = [UInt16](repeating: 0, count: cs.reduce(1, *))
        let plane = cs[3] * cs[4]
        values.withUnsafeMutableBufferPointer { out in
            var o = 0
            for cc in 0..<cs[0] {
                for tt in 0..<cs[1] {
                    for zz in 0..<cs[2] {
                        let (ci, ti, zi) = (c + cc, t + tt, region[2].lowerBound + zz)
                        if ci < meta.shape[0] && ti < meta.shape[1] && zi < meta.shape[2] {
                            embryo.fill(
                                out.baseAddress! + o, channel: ci, t: ti,
                                tile: Embryo.Tile(
                                    z: zi, y0: region[3].lowerBound, x0: region[4].lowerBound, ny: cs[3], nx: cs[4],
                                    step: step))
                        }
                        o += plane
                    }
                }
            }
        }
        let bytes = values.withUnsafeBytes { Array($0) }
        return ArrayBuffer(dataType: .uint16, shape: cs, bytes: bytes)
    }
}
