/// Otsu's threshold exactly as `skimage.filters.threshold_otsu(image, nbins=256)`
/// computes it for float32 data: NumPy's histogram (float32 edges from
/// `linspace`, edge-corrected bin indices), float32 bin centres and the
/// float32 cumulative sums of the between-class variance, first maximum.
enum Otsu {
    static func threshold(_ values: [Float], bins: Int = 256) -> Float? {
        let finite = values.filter { $0.isFinite }
        guard let first = finite.first else { return nil }
        var lo = first, hi = first
        for v in finite { if v < lo { lo = v }; if v > hi { hi = v } }
        if lo == hi { return lo }
        // np.linspace(lo, hi, bins + 1, dtype=float32): arange·step + start, in float32, last = stop.
        let step = (hi - lo) / Float(bins)
        var edges = (0...bins).map { Float($0) * step + lo }
        edges[bins] = hi
        var counts = [Int](repeating: 0, count: bins)
        let denominator = hi - lo
        for v in finite {
            var i = Int((v - lo) / denominator * Float(bins))
            if i == bins { i -= 1 }
            if v < edges[i] { i -= 1 }
            if v >= edges[i + 1] && i != bins - 1 { i += 1 }
            counts[i] += 1
        }
        let c = counts.map(Float.init)
        let centres = (0..<bins).map { (edges[$0] + edges[$0 + 1]) / 2 }
        var weight1 = [Float](repeating: 0, count: bins), weight2 = weight1
        var mean1 = weight1, mean2 = weight1
        var w: Float = 0, m: Float = 0
        for i in 0..<bins {
            w += c[i]; m += c[i] * centres[i]
            weight1[i] = w; mean1[i] = m / w
        }
        w = 0; m = 0
        for i in stride(from: bins - 1, through: 0, by: -1) {
            w += c[i]; m += c[i] * centres[i]
            weight2[i] = w; mean2[i] = m / w
        }
        var best = -Float.infinity, index = 0
        for i in 0..<(bins - 1) {
            let d = mean1[i] - mean2[i + 1]
            let v = weight1[i] * weight2[i + 1] * (d * d)
            if v > best { best = v; index = i }   // NaN (empty classes) never wins, as in argmax after the first
        }
        return centres[index]
    }
}
