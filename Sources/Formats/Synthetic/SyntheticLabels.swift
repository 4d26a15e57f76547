import Foundation

/// The synthetic dataset's segmentation (`vstack demo`, `L`): every blob's
/// flat top (where its profile is above half height) as one object, id = the
/// blob's index in its channel + 1, the later blob on top where two overlap.
/// Same shape, axes and chunks as the image; computed chunk by chunk.
public final class SyntheticLabels: LazyArray {
    public let metadata: ArrayMetadata
    let image: SyntheticArray

    init(_ image: SyntheticArray) {
        self.image = image
        let m = image.metadata
        metadata = ArrayMetadata(
            format: "synthetic", location: m.location + " labels blobs", shape: image.fullShape,
            dataType: .uint32, chunkShape: m.chunkShape, fillValue: .zero, axisNames: m.axisNames,
            codecs: ["procedural"], notes: ["the blobs of \(m.location) as objects"])
    }

    public func readChunk(_ index: [Int]) throws -> ArrayBuffer? {
        let meta = metadata
        let cs = meta.chunkShape
        let region = meta.grid.region(of: index)
        let shape = image.fullShape
        let (h, w, d) = (Double(shape[3]), Double(shape[4]), Double(shape[2]))
        var ids = [UInt32](repeating: 0, count: cs.reduce(1, *))
        let plane = cs[3] * cs[4]
        var o = 0
        for cc in 0..<cs[0] {
            for tt in 0..<cs[1] {
                for zz in 0..<cs[2] {
                    defer { o += plane }
                    let (c, t, z) = (region[0].lowerBound + cc, region[1].lowerBound + tt, region[2].lowerBound + zz)
                    guard c < shape[0], t < shape[1], z < shape[2] else { continue }
                    let (y0, x0) = (region[3].lowerBound, region[4].lowerBound)
                    for (k, b) in image.blobs[c].enumerated() {
                        let (bz, by, bx) = image.position(b, t: Double(t), depth: d, height: h, width: w)
                        let dz = (Double(z) - bz) / b.rz
                        guard abs(dz) <= 1 else { continue }
                        let ylo = max(y0, Int((by - b.ry).rounded(.up))), yhi = min(y0 + cs[3], Int(by + b.ry) + 1)
                        let xlo = max(x0, Int((bx - b.rx).rounded(.up))), xhi = min(x0 + cs[4], Int(bx + b.rx) + 1)
                        guard ylo < yhi && xlo < xhi else { continue }
                        for y in ylo..<yhi {
                            let dy = (Double(y) - by) / b.ry
                            for x in xlo..<xhi {
                                let dx = (Double(x) - bx) / b.rx
                                if dx * dx + dy * dy + dz * dz <= 1 {
                                    ids[o + (y - y0) * cs[4] + (x - x0)] = UInt32(k + 1)
                                }
                            }
                        }
                    }
                }
            }
        }
        return ArrayBuffer(dataType: .uint32, shape: cs, bytes: ids.withUnsafeBytes { Array($0) })
    }
}

extension SyntheticArray {
    /// The synthetic label image `name` (`blobs`), nil for any other name.
    public func labelImage(_ name: String) -> LazyArray? {
        name == "blobs" && step == 1 ? SyntheticLabels(self) : nil
    }
}
