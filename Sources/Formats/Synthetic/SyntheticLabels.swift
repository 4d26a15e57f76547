import Threads
import Foundation

/// The synthetic dataset's segmentations (`vstack demo`, `L`), computed chunk
/// by chunk like the image, with its shape, axes and chunks, the same for
/// every channel:
/// - `nuclei`: every nucleus as one object, without the optics' blur (id k + 1
///   for nucleus k; a second daughter is `count + k + 1`), the later on top;
/// - `cells`: every pixel of the cell layer with the id of the nucleus whose
///   cell it is in (the nearest within reach), so the cells tile the layer.
public final class SyntheticLabels: LazyArray {
    public let metadata: ArrayMetadata
    let embryo: Embryo
    let cells: Bool

    init(_ image: SyntheticArray, cells: Bool) {
        embryo = image.embryo
        self.cells = cells
        let m = image.metadata
        let name = cells ? "cells" : "nuclei"
        metadata = ArrayMetadata(
            format: "synthetic", location: m.location + " labels " + name, shape: image.fullShape,
            dataType: .uint32, chunkShape: m.chunkShape, fillValue: .zero, axisNames: m.axisNames,
            codecs: ["procedural"], notes: ["the \(name) of \(m.location) as objects"])
    }

    public func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? {
        let meta = metadata
        let cs = meta.chunkShape
        let region = meta.grid.region(of: index)
        let shape = meta.shape
        var ids = [UInt32](repeating: 0, count: cs.reduce(1, *))
        let plane = cs[3] * cs[4]
        var o = 0
        for cc in 0..<cs[0] {
            for tt in 0..<cs[1] {
                for zz in 0..<cs[2] {
                    defer { o += plane }
                    let (c, t, z) = (region[0].lowerBound + cc, region[1].lowerBound + tt, region[2].lowerBound + zz)
                    guard c < shape[0], t < shape[1], z < shape[2] else { continue }
                    let tile = Embryo.Tile(
                        z: z, y0: region[3].lowerBound, x0: region[4].lowerBound, ny: cs[3], nx: cs[4], step: 1)
                    ids.withUnsafeMutableBufferPointer { out in
                        if cells {
                            drawCells(out.baseAddress! + o, t: t, tile: tile)
                        } else {
                            drawNuclei(out.baseAddress! + o, t: t, tile: tile)
                        }
                    }
                }
            }
        }
        return ArrayBuffer(dataType: .uint32, shape: cs, bytes: ids.withUnsafeBytes { Array($0) })
    }

    private func drawNuclei(_ out: UnsafeMutablePointer<UInt32>, t: Int, tile: Embryo.Tile) {
        let placed = embryo.placed(t: t, zp: tile.zp, reach: 0.5 * embryo.spacing, y: tile.yRange, x: tile.xRange)
        for p in placed {
            let dz = tile.zp - p.position.x
            guard abs(dz) < p.radius else { continue }
            let half = (p.radius * p.radius - dz * dz).squareRoot()
            for i in tile.rows(p.position.y - half, p.position.y + half) {
                let dy = tile.y(i) - p.position.y
                for j in tile.columns(p.position.z - half, p.position.z + half) {
                    let dx = tile.x(j) - p.position.z
                    if dx * dx + dy * dy + dz * dz <= p.radius * p.radius { out[i * tile.nx + j] = p.id }
                }
            }
        }
    }

    private func drawCells(_ out: UnsafeMutablePointer<UInt32>, t: Int, tile: Embryo.Tile) {
        let c = embryo.cells(t: t, tile: tile)
        guard !c.placed.isEmpty else { return }
        let (rows, cols) = embryo.radiusTables(tile)
        let a = Float(pow((tile.zp - embryo.centre.x) / embryo.radii.x, 2))
        let (inner2, outer2) = (Float(embryo.shellInner * embryo.shellInner), Float(1))
        for i in 0..<tile.ny {
            for j in 0..<tile.nx {
                let o = i * tile.nx + j
                let r2 = a + rows[i] + cols[j]
                if c.owner[o] >= 0 && r2 >= inner2 && r2 <= outer2 { out[o] = c.placed[Int(c.owner[o])].id }
            }
        }
    }
}

extension SyntheticArray {
    /// The synthetic label image `name` (`nuclei` or `cells`), nil for any other name.
    public func labelImage(_ name: String) -> LazyArray? {
        guard step == 1 else { return nil }
        switch name {
        case "nuclei": return SyntheticLabels(self, cells: false)
        case "cells": return SyntheticLabels(self, cells: true)
        default: return nil
        }
    }
}
