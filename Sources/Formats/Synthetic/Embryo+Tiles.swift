import Foundation

/// Drawing the embryo: one (y, x) tile of one channel at one (t, z), as a
/// light-sheet camera would record it. Each object is drawn only over the
/// pixels its box covers, so a tile costs its own objects, not the specimen.
extension Embryo {
    /// What the three channels show.
    enum Channel: Int {
        /// A nuclear stain (H2B-GFP): the nuclei of the cell layer.
        case nuclei
        /// A membrane stain: the outlines of the cells, apical and basal surfaces included.
        case membranes
        /// Sparse bright spots: a few granules in most cells, and beads in the agarose.
        case spots
    }

    /// A tile of level pixels: pixel (i, j) is level-0 pixel ((y0 + i)·step, (x0 + j)·step) at plane z.
    struct Tile {
        var z: Int, y0: Int, x0: Int, ny: Int, nx: Int, step: Int

        var zp: Double { Double(z) * Embryo.zStep }
        func y(_ i: Int) -> Double { Double((y0 + i) * step) }
        func x(_ j: Int) -> Double { Double((x0 + j) * step) }
        var yRange: ClosedRange<Double> { y(0)...y(ny - 1) }
        var xRange: ClosedRange<Double> { x(0)...x(nx - 1) }
        /// The tile rows whose physical y lies in `lo...hi`.
        func rows(_ lo: Double, _ hi: Double) -> Range<Int> { span(lo, hi, origin: y0, count: ny) }
        func columns(_ lo: Double, _ hi: Double) -> Range<Int> { span(lo, hi, origin: x0, count: nx) }
        /// Calls `body(offset, d²)` for every pixel of the tile within `radius` (physical, 3-D) of
        /// `p`: the disc where the ball cuts the plane. `d²` is the squared distance to `p`.
        @inline(__always) func forEachPixel(
            within radius: Double, of p: SIMD3<Double>, _ body: (_ offset: Int, _ d2: Float) -> Void
        ) {
            let dz = zp - p.x
            guard abs(dz) < radius else { return }
            let half = (radius * radius - dz * dz).squareRoot()
            let (r2, dz2) = (Float(radius * radius), Float(dz * dz))
            let cols = columns(p.z - half, p.z + half)
            for i in rows(p.y - half, p.y + half) {
                let dy = Float(y(i) - p.y)
                let base = dy * dy + dz2
                for j in cols {
                    let dx = Float(x(j) - p.z)
                    let d2 = base + dx * dx
                    if d2 < r2 { body(i * nx + j, d2) }
                }
            }
        }

        private func span(_ lo: Double, _ hi: Double, origin: Int, count: Int) -> Range<Int> {
            let s = Double(step)
            let a = max(0, Int((lo / s).rounded(.up)) - origin)
            let b = min(count, Int((hi / s).rounded(.down)) - origin + 1)
            return a..<max(a, b)
        }
    }

    /// Camera offset, gain (counts² per count of signal) and read noise (counts).
    static let offset: Float = 100, gain: Float = 1.6, readNoise: Float = 1.8
    /// Autofluorescence of the agarose and of the yolk, and the diffuse stain of the cell layer,
    /// per channel (counts at the surface).
    static let agarose: [Float] = [30, 45, 25], yolk: [Float] = [240, 360, 40], layer: [Float] = [0, 0, 60]

    /// Channel `channel` at (t, tile) as uint16 counts: the signal, the background, then shot and read noise.
    func fill(_ out: UnsafeMutablePointer<UInt16>, channel: Int, t: Int, tile: Tile) {
        var signal = [Float](repeating: 0, count: tile.ny * tile.nx)
        switch Channel(rawValue: channel % 3)! {
        case .nuclei: drawNuclei(t: t, tile: tile, into: &signal)
        case .membranes: drawMembranes(t: t, tile: tile, into: &signal)
        case .spots: drawSpots(t: t, tile: tile, into: &signal)
        }
        let (rows, cols) = radiusTables(tile)
        let a = Float(pow((tile.zp - centre.x) / radii.x, 2))
        // The light sheet is brightest at its waist, the middle of x.
        let illumination = (0..<tile.nx).map { j in
            Float(0.72 + 0.28 * cos(Double.pi * (tile.x(j) - centre.z) / (2 * centre.z)))
        }
        let (agarose, yolk, layer) = (Embryo.agarose[channel % 3], Embryo.yolk[channel % 3], Embryo.layer[channel % 3])
        let inner2 = Float(shellInner * shellInner)
        let (rz, cz, zp, length) = (Float(radii.x), Float(centre.x), Float(tile.zp), Float(attenuationLength))
        let seed = UInt64(channel) << 48 ^ UInt64(t) << 32 ^ UInt64(tile.z) << 16
        signal.withUnsafeBufferPointer { s in
            for i in 0..<tile.ny {
                let gy = UInt64((tile.y0 + i) * tile.step)
                for j in 0..<tile.nx {
                    let r2 = a + rows[i] + cols[j]
                    var v = agarose
                    if r2 < 1 {
                        // Yolk or cell layer, dimmer with depth below the upper surface (1/(1 + d + d²/2) ≈ e^-d).
                        let d = max(0, zp - (cz - rz * max(0, 1 - rows[i] - cols[j]).squareRoot())) / length
                        v += (r2 < inner2 ? yolk : layer) / (1 + d + 0.5 * d * d)
                    }
                    v = (v + s[i * tile.nx + j]) * illumination[j]
                    var noise = SplitMix64(
                        seed: seed ^ gy &* 0x9E37_79B9 ^ UInt64((tile.x0 + j) * tile.step) &* 0x85EB_CA6B)
                    let bits = noise.next()
                    // Three 16-bit uniforms summed: mean 1.5, variance 1/4, nearly normal.
                    let n =
                        (Float(bits & 0xFFFF) + Float(bits >> 16 & 0xFFFF) + Float(bits >> 32 & 0xFFFF)) / 65536 - 1.5
                    let sigma = (Embryo.gain * v + Embryo.readNoise * Embryo.readNoise).squareRoot()
                    let count = Embryo.offset + v + 2 * n * sigma
                    out[i * tile.nx + j] = UInt16(min(max(count, 0), 65535))
                }
            }
        }
    }

    /// ((y - cy)/ry)² per tile row and ((x - cx)/rx)² per tile column: ρ² is z's term plus one of each.
    func radiusTables(_ tile: Tile) -> (rows: [Float], columns: [Float]) {
        (
            (0..<tile.ny).map { Float(pow((tile.y($0) - centre.y) / radii.y, 2)) },
            (0..<tile.nx).map { Float(pow((tile.x($0) - centre.z) / radii.z, 2)) }
        )
    }

    /// The largest a nucleus reaches along z (physical) after blur and the axial stretch.
    var nucleusReach: Double { Embryo.axialStretch * (0.46 * spacing + 0.7 + 2 * radii.x * 0.011) }

    /// Soft-edged nuclei: flat inside radius − blur, falling smoothly to 0 at radius + blur.
    private func drawNuclei(t: Int, tile: Tile, into signal: inout [Float]) {
        for p in placed(t: t, zp: tile.zp, reach: nucleusReach, y: tile.yRange, x: tile.xRange) {
            // Along z the optics stretch every object: measure z in stretched units.
            var q = p.position
            q.x = tile.zp - (tile.zp - q.x) / Embryo.axialStretch
            let (outer, inner) = (p.radius + p.blur, max(0, p.radius - p.blur))
            let (i2, w2, fo) = (Float(inner * inner), Float(2 * p.blur), Float(outer))
            let amplitude = Float(p.brightness * p.attenuation)
            tile.forEachPixel(within: outer, of: q) { o, q2 in
                var v: Float = 1
                if q2 > i2 {
                    let s = (fo - q2.squareRoot()) / w2
                    v = s * s * (3 - 2 * s)
                }
                signal[o] += amplitude * v
            }
        }
    }

    /// For every pixel of the tile, the nearest nucleus centre within `cellReach` (3-D, physical)
    /// and the squared distances to the nearest and the second nearest: the cells are the
    /// Voronoi regions of the nuclei.
    struct Cells {
        var placed: [Placed]
        var owner: [Int32]
        var nearest: [Float], second: [Float]
    }

    func cells(t: Int, tile: Tile) -> Cells {
        let reach = cellReach
        let placed = placed(t: t, zp: tile.zp, reach: reach, y: tile.yRange, x: tile.xRange)
        let count = tile.ny * tile.nx
        var c = Cells(
            placed: placed, owner: [Int32](repeating: -1, count: count),
            nearest: [Float](repeating: .infinity, count: count), second: [Float](repeating: .infinity, count: count))
        for (k, p) in placed.enumerated() {
            tile.forEachPixel(within: reach, of: p.position) { o, d2 in
                if d2 < c.nearest[o] {
                    (c.second[o], c.nearest[o], c.owner[o]) = (c.nearest[o], d2, Int32(k))
                } else if d2 < c.second[o] {
                    c.second[o] = d2
                }
            }
        }
        return c
    }

    /// Cell outlines: where the nearest two nuclei are about equally near (the lateral
    /// membranes), and the layer's outer (apical) and inner (basal) surfaces.
    private func drawMembranes(t: Int, tile: Tile, into signal: inout [Float]) {
        let c = cells(t: t, tile: tile)
        guard !c.placed.isEmpty else { return }
        let (rows, cols) = radiusTables(tile)
        let a = Float(pow((tile.zp - centre.x) / radii.x, 2))
        let (inner, radius) = (Float(shellInner), Float(radii.x))
        let blur = c.placed.map { Float(1.0 + $0.blur) }
        let amplitude = c.placed.map { Float(2600 * $0.attenuation) }
        @inline(__always) func bump(_ u: Float) -> Float { u >= 1 ? 0 : (1 - u * u) * (1 - u * u) }
        for i in 0..<tile.ny {
            for j in 0..<tile.nx {
                let o = i * tile.nx + j
                let k = Int(c.owner[o])
                guard k >= 0 else { continue }
                let rho = (a + rows[i] + cols[j]).squareRoot()
                let w = blur[k]
                let outerSurface = bump(abs(rho - 1) * radius / w)
                let innerSurface = bump(abs(rho - inner) * radius / w)
                var v = max(0.8 * outerSurface, 0.6 * innerSurface)
                if rho >= inner && rho <= 1 {
                    // A little stain in every cell, and the lateral membrane between two cells.
                    v = max(v, 0.06)
                    if c.second[o] < .infinity {
                        v = max(v, bump((c.second[o].squareRoot() - c.nearest[o].squareRoot()) / (2 * w)))
                    }
                }
                signal[o] += amplitude[k] * v
            }
        }
    }

    /// Granules and beads: point-like, as wide as the optics (wider along z and with depth).
    private func drawSpots(t: Int, tile: Tile, into signal: inout [Float]) {
        var points: [(p: SIMD3<Double>, amplitude: Double, sigma: Double)] = []
        let sigmaZ = 3.0
        for p in placed(t: t, zp: tile.zp, reach: 3 * sigmaZ + spacing * 0.5, y: tile.yRange, x: tile.xRange) {
            // The granules keep their places in the cell; a second daughter's are mirrored.
            let n = nuclei[p.nucleus]
            var rng = SplitMix64(seed: n.spotSeed)
            for _ in 0..<n.spots {
                let w = SIMD3(rng.uniform(-1...1), rng.uniform(-1...1), rng.uniform(-1...1)) * (0.45 * spacing)
                let amplitude = rng.uniform(4000...15000)
                points.append((p.position + (p.second ? -w : w), amplitude * p.attenuation, 0.9 + 0.5 * p.blur))
            }
        }
        let (y, x) = (tile.yRange, tile.xRange)
        for b in beads {
            let q = b.position
            guard abs(q.x - tile.zp) < 3 * sigmaZ, q.y > y.lowerBound - 6, q.y < y.upperBound + 6,
                q.z > x.lowerBound - 6, q.z < x.upperBound + 6
            else { continue }
            let d = depth(q)
            points.append((q, b.brightness * exp(-d / attenuationLength), 1.0 + 0.5 * (0.7 + d * 0.011)))
        }
        for (p, amplitude, sigma) in points {
            let dz = tile.zp - p.x
            let peak = Float(amplitude * exp(-dz * dz / (2 * sigmaZ * sigmaZ)))
            guard peak > 1 else { continue }
            let half = 3 * sigma
            let k = Float(-1 / (2 * sigma * sigma))
            for i in tile.rows(p.y - half, p.y + half) {
                let dy = Float(tile.y(i) - p.y)
                for j in tile.columns(p.z - half, p.z + half) {
                    let dx = Float(tile.x(j) - p.z)
                    signal[i * tile.nx + j] += peak * exp(k * (dx * dx + dy * dy))
                }
            }
        }
    }
}
