import Foundation

/// The specimen `vstack demo` images: an ellipsoidal embryo like a Drosophila
/// blastoderm, whose surface is one dense layer of cells, mounted in agarose
/// with fluorescent beads. Pure geometry, fixed at init and never mutated, so
/// every chunk of every level is computed from the same model and is the same
/// bytes on every run (`Embryo+Tiles.swift` draws it).
///
/// Coordinates are physical, in y/x pixels: level-0 voxel (z, y, x) is at
/// (z · `zStep`, y, x), as in a light-sheet stack whose z step is 3× its pixel
/// size. Every `SIMD3` here holds (z, y, x) in that order, so its `.x` is z
/// and its `.z` is x.
///
/// Over t the embryo turns slowly about its long axis (y), every nucleus
/// wobbles about its place, and about a fifth of the nuclei divide: they
/// condense, then two daughters move apart along the surface.
final class Embryo: Sendable {
    /// A z step in units of the y/x pixel size.
    static let zStep = 3.0
    /// How much longer than wide the optics make every object along z.
    static let axialStretch = 1.5

    /// The embryo's centre and semi-axes (physical). radii.z == radii.x, so the turn about y
    /// keeps every nucleus on the surface.
    let centre: SIMD3<Double>
    let radii: SIMD3<Double>
    /// The cell layer, as fractions of the radii: cells fill `shellInner...1`, nuclei sit at `nucleusLayer`.
    let shellInner = 0.88
    let nucleusLayer = 0.94
    /// The typical distance between neighbouring nuclei, and the reach of a cell (a pixel belongs to the
    /// nearest nucleus within it).
    let spacing: Double
    var cellReach: Double { spacing * 1.4 }
    let nuclei: [Nucleus]
    let beads: [Bead]
    /// Radians the embryo turns per time point.
    let turnRate = 0.002
    /// Depth (physical) over which scattering leaves 1/e of the light.
    let attenuationLength = 320.0

    struct Nucleus: Sendable {
        /// Position at t = 0, relative to the centre.
        var position: SIMD3<Double>
        var radius: Double
        var brightness: Double
        var phase: Double
        /// The time point at which it has split in two; `Int.max`: never.
        var division: Int
        /// The unit tangent along which the daughters separate (relative frame, turns with the embryo).
        var axis: SIMD3<Double>
        /// Its cell's bright granules (channel 2): how many, and the seed of their offsets and brightness.
        var spots: Int
        var spotSeed: UInt64
    }

    struct Bead: Sendable {
        var position: SIMD3<Double>
        var brightness: Double
    }

    /// A nucleus (or daughter) where it is at one time point, with what the optics do to it there.
    struct Placed {
        var position: SIMD3<Double>
        var radius: Double
        var brightness: Double
        /// Edge half-width from scattering (physical), and the fraction of light left, at its depth.
        var blur: Double
        var attenuation: Double
        /// Label id: nucleus k is k + 1; its second daughter `nuclei.count + k + 1`.
        var id: UInt32
        var nucleus: Int
        var second: Bool
    }

    /// - Parameter shape: (c, t, z, y, x) in level-0 voxels.
    init(shape: [Int]) {
        let (nz, ny, nx) = (Double(shape[2]) * Embryo.zStep, Double(shape[3]), Double(shape[4]))
        let r = min(0.33 * nx, 0.41 * nz)
        centre = SIMD3(0.62 * nz, 0.5 * ny, 0.5 * nx)
        radii = SIMD3(r, 0.44 * ny, r)
        let scale = min(1, max(0.25, (ny * nx / (1024.0 * 768.0)).squareRoot()))
        spacing = 17 * scale
        var rng = SplitMix64(seed: 0x00E_B540)
        nuclei = Embryo.packNuclei(
            radii: radii * nucleusLayer, spacing: spacing, frames: shape[1], rng: &rng)
        beads = Embryo.scatterBeads(
            count: Int(450 * scale * scale), box: SIMD3(nz, ny, nx), centre: centre, radii: radii, rng: &rng)
    }

    /// Random sequential packing on the ellipsoid: uniform candidates on its surface (weighted by
    /// the area element), each kept unless it is within 0.85 spacing of one kept before, found
    /// through a grid of spacing-sized cells.
    private static func packNuclei(
        radii: SIMD3<Double>, spacing: Double, frames: Int, rng: inout SplitMix64
    ) -> [Nucleus] {
        let minimum = 0.85 * spacing
        let cells = SIMD3<Int>(
            Int(2 * radii.x / minimum) + 3, Int(2 * radii.y / minimum) + 3, Int(2 * radii.z / minimum) + 3)
        var heads = [Int32](repeating: -1, count: cells.x * cells.y * cells.z)
        var next: [Int32] = []
        var kept: [SIMD3<Double>] = []
        let gMax = 1 / min(radii.x, radii.y, radii.z)
        let area = 4 * Double.pi * pow((pow(radii.x * radii.y, 1.6) * 2 + pow(radii.x * radii.z, 1.6)) / 3, 1 / 1.6)
        let attempts = Int(area / (minimum * minimum) * 8)
        func cell(_ p: SIMD3<Double>) -> SIMD3<Int> {
            SIMD3(
                Int((p.x + radii.x) / minimum) + 1, Int((p.y + radii.y) / minimum) + 1,
                Int((p.z + radii.z) / minimum) + 1)
        }
        for _ in 0..<attempts {
            // A uniform direction, kept with probability ∝ the ellipsoid's area element there.
            let u = rng.uniform(-1...1), phi = rng.uniform(0...(2 * Double.pi))
            let s = (1 - u * u).squareRoot()
            let n = SIMD3(s * cos(phi), u, s * sin(phi))
            let g = (n * n / (radii * radii)).sum().squareRoot()
            if rng.uniform(0...1) * gMax > g { continue }
            let p = n * radii
            let k = cell(p)
            var free = true
            search: for dz in -1...1 {
                for dy in -1...1 {
                    for dx in -1...1 {
                        var j = heads[((k.z + dz) * cells.y + k.y + dy) * cells.x + k.x + dx]
                        while j >= 0 {
                            let d = kept[Int(j)] - p
                            if (d * d).sum() < minimum * minimum {
                                free = false
                                break search
                            }
                            j = next[Int(j)]
                        }
                    }
                }
            }
            guard free else { continue }
            let slot = (k.z * cells.y + k.y) * cells.x + k.x
            next.append(heads[slot])
            heads[slot] = Int32(kept.count)
            kept.append(p)
        }
        return kept.map { p in
            // A tangent: the normal's cross product with a random direction.
            let normal = p / (radii * radii)
            let v = SIMD3(rng.uniform(-1...1), rng.uniform(-1...1), rng.uniform(-1...1))
            var axis = SIMD3(
                normal.y * v.z - normal.z * v.y, normal.z * v.x - normal.x * v.z, normal.x * v.y - normal.y * v.x)
            axis /= max((axis * axis).sum().squareRoot(), 1e-9)
            let divides = rng.uniform(0...1) < 0.2 && frames > 16
            let division = divides ? 8 + Int(rng.next() % UInt64(frames - 16)) : Int.max
            let radius = spacing * rng.uniform(0.38...0.46)
            return Nucleus(
                position: p, radius: radius, brightness: rng.uniform(2600...7000), phase: rng.uniform(0...6.3),
                division: division, axis: axis, spots: Int(rng.next() % 6), spotSeed: rng.next())
        }
    }

    /// Beads in the agarose around the embryo (none inside it), fixed in place.
    private static func scatterBeads(
        count: Int, box: SIMD3<Double>, centre: SIMD3<Double>, radii: SIMD3<Double>, rng: inout SplitMix64
    ) -> [Bead] {
        var beads: [Bead] = []
        while beads.count < count {
            let p = SIMD3(rng.uniform(0...box.x), rng.uniform(0...box.y), rng.uniform(0...box.z))
            let q = (p - centre) / radii
            if (q * q).sum() < 1.1 * 1.1 { continue }
            beads.append(Bead(position: p, brightness: rng.uniform(12000...40000)))
        }
        return beads
    }

    /// The normalised radius² of a physical point: < 1 inside the embryo.
    @inline(__always) func rho2(_ p: SIMD3<Double>) -> Double {
        let q = (p - centre) / radii
        return (q * q).sum()
    }

    /// Physical depth below the embryo's upper surface (the side the detection lens looks from) at `p`.
    func depth(_ p: SIMD3<Double>) -> Double {
        let dy = (p.y - centre.y) / radii.y, dx = (p.z - centre.z) / radii.z
        let s = 1 - dy * dy - dx * dx
        guard s > 0 else { return 0 }
        return max(0, p.x - (centre.x - radii.x * s.squareRoot()))
    }

    /// Every nucleus and daughter at time `t` whose centre lies within `reach` (physical, along
    /// z) of the plane `zp` and within `reach` of the y and x ranges: what one tile can see.
    func placed(t: Int, zp: Double, reach: Double, y: ClosedRange<Double>, x: ClosedRange<Double>) -> [Placed] {
        let angle = turnRate * Double(t)
        let (ca, sa) = (cos(angle), sin(angle))
        let tf = Double(t)
        // A daughter is at most 0.45 spacing from its parent's place, plus the wobble.
        let margin = reach + 0.5 * spacing + 2
        var out: [Placed] = []
        for (k, n) in nuclei.enumerated() {
            let pz = n.position.x * ca - n.position.z * sa + centre.x
            if abs(pz - zp) > margin { continue }
            let py = n.position.y + centre.y
            if py < y.lowerBound - margin || py > y.upperBound + margin { continue }
            let px = n.position.x * sa + n.position.z * ca + centre.z
            if px < x.lowerBound - margin || px > x.upperBound + margin { continue }
            let base = SIMD3(pz, py + 1.5 * sin(0.21 * tf + n.phase), px + 1.5 * cos(0.17 * tf + 1.3 * n.phase))
            var radius = n.radius, brightness = n.brightness
            var pair: [(SIMD3<Double>, Bool)] = [(base, false)]
            if t >= n.division {
                // Daughters: apart along the turned axis, small and bright at first.
                let age = Double(t - n.division)
                let apart = 0.45 * spacing * min(1, (age + 1) / 6)
                let a = SIMD3(n.axis.x * ca - n.axis.z * sa, n.axis.y, n.axis.x * sa + n.axis.z * ca)
                pair = [(base + a * apart, false), (base - a * apart, true)]
                radius *= 0.8 + 0.1 * min(1, age / 20)
                brightness *= 1 + 0.6 * max(0, 1 - age / 8)
            } else if t >= n.division - 6 {
                // Condensing before it divides.
                let k = Double(t - (n.division - 6)) / 6
                radius *= 1 - 0.25 * k
                brightness *= 1 + 0.8 * k
            }
            for (p, second) in pair {
                guard abs(p.x - zp) <= reach, p.y >= y.lowerBound - reach, p.y <= y.upperBound + reach,
                    p.z >= x.lowerBound - reach, p.z <= x.upperBound + reach
                else { continue }
                let d = depth(p)
                out.append(
                    Placed(
                        position: p, radius: radius, brightness: brightness, blur: 0.7 + d * 0.011,
                        attenuation: exp(-d / attenuationLength),
                        id: UInt32(second ? nuclei.count + k + 1 : k + 1), nucleus: k, second: second))
            }
        }
        return out
    }
}
