import ArrayModel

/// Otsu's threshold exactly as `skimage.filters.threshold_otsu(image, nbins=256)`
/// computes it for float32 data: NumPy's histogram (float32 edges from
/// `linspace`, edge-corrected bin indices), float32 bin centres and the
/// float32 cumulative sums of the between-class variance, first maximum.
enum Otsu {
    static func threshold(_ values: [Float], bins: Int = 256) -> Float? {
        // Non-finite values are skipped (skimage would refuse them).
        var lo = Float.infinity, hi = -Float.infinity
        values.withUnsafeBufferPointer { p in
            // Comparisons skip NaN; 16 lanes at a time. Infinities need the slow pass.
            var lo16 = SIMD16<Float>(repeating: .infinity), hi16 = SIMD16<Float>(repeating: -.infinity)
            let n16 = p.count / 16 * 16
            UnsafeRawPointer(p.baseAddress!).withMemoryRebound(to: SIMD16<Float>.self, capacity: n16 / 16) { q in
                for k in 0..<(n16 / 16) {
                    let v = UnsafeRawPointer(q + k).loadUnaligned(as: SIMD16<Float>.self)
                    lo16.replace(with: v, where: v .< lo16)
                    hi16.replace(with: v, where: v .> hi16)
                }
            }
            lo = lo16.min()
            hi = hi16.max()
            for v in p[n16...] {
                lo = v < lo ? v : lo
                hi = v > hi ? v : hi
            }
            if !lo.isFinite || !hi.isFinite {
                (lo, hi) = (.infinity, -.infinity)
                for v in p where v.isFinite {
                    lo = v < lo ? v : lo
                    hi = v > hi ? v : hi
                }
            }
        }
        guard lo <= hi else { return nil }
        if lo == hi { return lo }
        // np.linspace(lo, hi, bins + 1, dtype=float32): arange·step + start, in float32, last = stop.
        let step = (hi - lo) / Float(bins)
        var edges = (0...bins).map { Float($0) * step + lo }
        edges[bins] = hi
        // NumPy estimates each bin from (v − lo)/(hi − lo)·bins and corrects it by one against the
        // edges, so the bin is the one whose edges hold v; the estimate here uses a reciprocal.
        var counts = [Int](repeating: 0, count: bins)
        let scale = Float(bins) / (hi - lo)
        values.withUnsafeBufferPointer { p in
            edges.withUnsafeBufferPointer { e in
                counts.withUnsafeMutableBufferPointer { c in
                    for v in p where v.isFinite {
                        var i = Swift.min(bins - 1, Swift.max(0, Int(clamping: (v - lo) * scale)))
                        if i > 0 && v < e[i] { i -= 1 } else if i < bins - 1 && v >= e[i + 1] { i += 1 }
                        c[i] &+= 1
                    }
                }
            }
        }
        let c = counts.map(Float.init)
        let centres = (0..<bins).map { (edges[$0] + edges[$0 + 1]) / 2 }
        var weight1 = [Float](repeating: 0, count: bins), weight2 = weight1
        var mean1 = weight1, mean2 = weight1
        var w: Float = 0, m: Float = 0
        for i in 0..<bins {
            w += c[i]
            m += c[i] * centres[i]
            weight1[i] = w
            mean1[i] = m / w
        }
        w = 0
        m = 0
        for i in stride(from: bins - 1, through: 0, by: -1) {
            w += c[i]
            m += c[i] * centres[i]
            weight2[i] = w
            mean2[i] = m / w
        }
        var best = -Float.infinity, index = 0
        for i in 0..<(bins - 1) {
            let d = mean1[i] - mean2[i + 1]
            let v = weight1[i] * weight2[i + 1] * (d * d)
            if v > best {
                best = v
                index = i
            }  // NaN (empty classes) never wins, as in argmax after the first
        }
        return centres[index]
    }
}
