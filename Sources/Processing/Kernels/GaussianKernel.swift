import ArrayModel
import Foundation

/// scipy's 1-D gaussian kernels (`_gaussian_kernel1d`), truncated at
/// radius = int(truncate·σ + 0.5), computed in double and normalised.
enum GaussianKernel {
    static let truncate = 4.0

    static func radius(_ sigma: Double) -> Int { sigma > 0 ? Int(clamping: truncate * sigma + 0.5) : 0 }

    /// The kernel of derivative `order` (0 smooths, 2 is the second derivative), reversed as
    /// `gaussian_filter1d` passes it to `correlate1d` (all the kernels used are symmetric).
    static func weights(sigma: Double, order: Int = 0) -> [Float] {
        let r = radius(sigma)
        let s2 = sigma * sigma
        let xs = (-r...r).map(Double.init)
        var phi = xs.map { exp(-0.5 / s2 * $0 * $0) }
        let sum = phi.reduce(0, +)
        phi = phi.map { $0 / sum }
        switch order {
        case 0: break
        case 1: phi = zip(xs, phi).map { -$0 / s2 * $1 }.reversed()
        case 2: phi = zip(xs, phi).map { ($0 * $0 / (s2 * s2) - 1 / s2) * $1 }
        default: preconditionFailure("derivative order \(order)")
        }
        return phi.map(Float.init)
    }

    /// `gaussian_filter` with per-axis σ (an axis with σ = 0 is left alone) and per-axis derivative order.
    static func filter(
        _ v: FloatVolume, sigma: Sigma, order: (z: Int, y: Int, x: Int) = (0, 0, 0),
        boundary: Boundary = .reflect, threads: Int
    ) -> FloatVolume {
        var out = v
        // scipy filters axis 0 first, then 1, then 2.
        for (axis, s, o) in [(Axis.z, sigma.z, order.z), (.y, sigma.y, order.y), (.x, sigma.x, order.x)] where s > 0 {
            out = Correlate.along(axis, out, weights: weights(sigma: s, order: o), boundary: boundary, threads: threads)
        }
        return out
    }
}

/// A gaussian's σ along (z, y, x); z = 0 for the 2-D operators.
public struct Sigma: Sendable, Equatable {
    public var z: Double, y: Double, x: Double
    public init(z: Double = 0, y: Double, x: Double) { (self.z, self.y, self.x) = (z, y, x) }
    public var radius: Extent { Extent(GaussianKernel.radius(z), GaussianKernel.radius(y), GaussianKernel.radius(x)) }
    public func scaled(by f: Double) -> Sigma { Sigma(z: z, y: y / f, x: x / f) }
}
