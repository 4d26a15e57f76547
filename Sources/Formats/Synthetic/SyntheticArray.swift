import Foundation

/// A procedural 5-D light-sheet-like dataset (c, t, z, y, x; uint16), computed
/// chunk by chunk and never stored. Each channel holds its own population of
/// nucleus-like ellipsoidal blobs that drift with t; generating a chunk costs
/// only that chunk (blobs are culled by their bounding boxes).
public final class SyntheticArray: LazyArray {
    public static let defaultShape = [3, 199, 201, 1024, 768]
    public static let defaultChunks = [1, 1, 1, 256, 256]

    public let metadata: ArrayMetadata
    let blobs: [[Blob]]
    /// Simulated storage latency added to every chunk read (`demo:?latency=50ms`).
    public let latency: Double
    /// Level-0 pixels per pixel along y and x (1 on level 0; 2, 4, … on the levels of `demo:?levels=N`).
    let step: Int
    /// The full-resolution shape (the blobs live in its coordinates).
    let fullShape: [Int]
    /// Coarser levels, each sampling every `step`-th level-0 pixel (strided, like a nearest-neighbour pyramid).
    private let coarser: [SyntheticArray]

    struct Blob: Sendable {
        var z, y, x: Double
        var rz, ry, rx: Double
        var vz, vy, vx: Double
        var amplitude: Double
        var texture: UInt64
    }

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
        m.labelImages = ["blobs"]
        m.notes.append("labels: blobs")
        metadata = m
        let (nz, ny, nx) = (Double(shape[2]), Double(shape[3]), Double(shape[4]))
        // Per channel: nuclei (large, dim), smaller cells, and bright puncta.
        let kinds: [(count: Int, radius: ClosedRange<Double>, amplitude: ClosedRange<Double>)] = [
            (260, 14...26, 6000...14000), (420, 6...12, 3000...9000), (9000, 1.5...3.5, 8000...30000),
        ]
        var all: [[Blob]] = []
        for c in 0..<shape[0] {
            var rng = SplitMix64(seed: 0x5EED_0000 + UInt64(c))
            let kind = kinds[c % kinds.count]
            let scale = (ny * nx / (1024.0 * 768.0)).squareRoot()
            let count = max(4, Int(Double(kind.count) * scale * scale * min(1, nz / 201)))
            all.append(
                (0..<count).map { _ in
                    let r = rng.uniform(kind.radius) * max(scale, 0.25)
                    return Blob(
                        z: rng.uniform(0...nz), y: rng.uniform(0...ny), x: rng.uniform(0...nx),
                        rz: r * rng.uniform(0.5...0.8), ry: r * rng.uniform(0.8...1.2), rx: r * rng.uniform(0.8...1.2),
                        vz: rng.uniform(-0.2...0.2), vy: rng.uniform(-1.5...1.5), vx: rng.uniform(-1.5...1.5),
                        amplitude: rng.uniform(kind.amplitude), texture: rng.next())
                })
        }
        blobs = all
        let base = metadata
        coarser = (1..<levels).map { level in
            SyntheticArray(
                blobs: all, fullShape: shape, step: 1 << level, chunkShape: chunkShape, latency: latency,
                location: "\(base.location) level \(level)")
        }
    }

    /// A coarser level: the same blobs sampled every `step` pixels.
    private init(blobs: [[Blob]], fullShape: [Int], step: Int, chunkShape: [Int], latency: Double, location: String) {
        (self.step, self.fullShape, self.latency, self.blobs, coarser) = (step, fullShape, latency, blobs, [])
        metadata = ArrayMetadata(
            format: "synthetic", location: location, shape: SyntheticArray.levelShape(fullShape, step: step),
            dataType: .uint16,
            chunkShape: chunkShape, fillValue: .zero, axisNames: ["c", "t", "z", "y", "x"], codecs: ["procedural"])
    }

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

    public func readChunk(_ index: [Int]) throws -> ArrayBuffer? {
        if latency > 0 { Thread.sleep(forTimeInterval: latency) }
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
                            fillPlane(
                                out.baseAddress! + o, c: ci, t: ti, z: zi,
                                y0: region[3].lowerBound, x0: region[4].lowerBound, ny: cs[3], nx: cs[4])
                        }
                        o += plane
                    }
                }
            }
        }
        let bytes = values.withUnsafeBytes { Array($0) }
        return ArrayBuffer(dataType: .uint16, shape: cs, bytes: bytes)
    }

    /// One (y, x) tile at (c, t, z): background, noise, and every blob whose box meets the tile.
    private func fillPlane(
        _ out: UnsafeMutablePointer<UInt16>, c: Int, t: Int, z: Int, y0: Int, x0: Int, ny: Int, nx: Int
    ) {
        var acc = [Float](repeating: 0, count: ny * nx)
        let shape = fullShape
        let (h, w, d) = (Double(shape[3]), Double(shape[4]), Double(shape[2]))
        // Output pixel (y, x) samples level-0 pixel ((y0 + y)·step, (x0 + x)·step).
        let step = self.step, fs = Double(step)
        let zd = Double(z), tf = Double(t)
        for b in blobs[c] {
            let (bz, by, bx) = position(b, t: tf, depth: d, height: h, width: w)
            let dz = (zd - bz) / b.rz
            if abs(dz) > 2.5 { continue }
            let ylo = max(y0, Int(((by - 2.5 * b.ry) / fs).rounded(.up))),
                yhi = min(y0 + ny, Int((by + 2.5 * b.ry) / fs) + 1)
            let xlo = max(x0, Int(((bx - 2.5 * b.rx) / fs).rounded(.up))),
                xhi = min(x0 + nx, Int((bx + 2.5 * b.rx) / fs) + 1)
            if ylo >= yhi || xlo >= xhi { continue }
            let zfall = dz * dz
            let iry = 1 / b.ry, irx = 1 / b.rx
            for y in ylo..<yhi {
                let dy = (Double(y * step) - by) * iry
                let row = (y - y0) * nx - x0
                for x in xlo..<xhi {
                    let dx = (Double(x * step) - bx) * irx
                    let r2 = dx * dx + dy * dy + zfall
                    if r2 > 6.25 { continue }
                    // A flat-topped profile with a soft edge, like a stained nucleus.
                    let edge = 1 / (1 + exp((r2 - 1) * 3))
                    acc[row + x] += Float(b.amplitude * edge)
                }
            }
        }
        let seed = UInt64(c) << 48 ^ UInt64(t) << 32 ^ UInt64(z) << 16
        for y in 0..<ny {
            for x in 0..<nx {
                let (gy, gx) = ((y0 + y) * step, (x0 + x) * step)
                var noise = SplitMix64(seed: seed ^ UInt64(gy) &* 0x9E37_79B9 ^ UInt64(gx) &* 0x85EB_CA6B)
                let n = Float(noise.next() & 0xFF) * 0.25
                let background = 100 + 40 * Float(sin(Double(gx) * 0.004) * cos(Double(gy) * 0.003)) + n
                let v = acc[y * nx + x] * (0.85 + Float(noise.next() & 0xFF) / 1700) + background
                out[y * nx + x] = UInt16(min(max(v, 0), 65535))
            }
        }
    }

    /// Where a blob is at time t: it drifts, reflected at the borders so it stays inside.
    func position(
        _ b: Blob, t: Double, depth d: Double, height h: Double, width w: Double
    ) -> (z: Double, y: Double, x: Double) {
        (
            reflect(b.z + b.vz * t, d), reflect(b.y + b.vy * t + 6 * sin(t * 0.07 + b.x), h),
            reflect(b.x + b.vx * t + 6 * cos(t * 0.05 + b.y), w)
        )
    }

    private func reflect(_ v: Double, _ size: Double) -> Double {
        let period = 2 * size
        var m = v.truncatingRemainder(dividingBy: period)
        if m < 0 { m += period }
        return m < size ? m : period - m
    }
}

/// A small, fast, deterministic generator (SplitMix64).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ r: ClosedRange<Double>) -> Double {
        r.lowerBound + Double(next() >> 11) / Double(1 << 53) * (r.upperBound - r.lowerBound)
    }
}
