/// `scipy.ndimage.correlate1d` on a volume: out[i] = Σⱼ w[j]·in[i + j − before],
/// with before = len/2 + origin, the scipy convention (odd kernels are centred).
enum Correlate {
    static func along(_ axis: Axis, _ v: FloatVolume, weights: [Float], origin: Int = 0,
                      boundary: Boundary = .reflect, threads: Int) -> FloatVolume {
        precondition(!weights.isEmpty)
        if weights.count == 1 && weights[0] == 1 { return v }
        let extent = [v.depth, v.height, v.width][axis.rawValue]
        if extent == 0 { return v }
        var out = [Float](repeating: 0, count: v.pixels.count)
        let before = weights.count / 2 + origin
        v.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = SharedPointer(base: dst.baseAddress!)
                weights.withUnsafeBufferPointer { w in
                    if axis == .x {
                        rows(s, d, v, w, before: before, boundary: boundary, threads: threads)
                    } else {
                        strided(s, d, StridedAxis(v, axis), w, before: before, boundary: boundary, threads: threads)
                    }
                }
            }
        }
        return FloatVolume(depth: v.depth, height: v.height, width: v.width, pixels: out)
    }

    /// Along x: each row is extended at both ends into a scratch line, then every tap is one contiguous pass.
    private static func rows(_ s: UnsafePointer<Float>, _ d: SharedPointer<Float>, _ v: FloatVolume,
                             _ w: UnsafeBufferPointer<Float>, before: Int, boundary: Boundary, threads: Int) {
        let n = v.width, taps = w.count
        let symmetric = taps % 2 == 1 && before == taps / 2 && (0..<(taps / 2)).allSatisfy { w[$0] == w[taps - 1 - $0] }
        Parallel.bands(v.depth * v.height, threads: threads, minimumBand: Swift.max(1, 16384 / Swift.max(1, n * taps))) { range in
            var line = [Float](repeating: 0, count: n + taps - 1)
            line.withUnsafeMutableBufferPointer { lp in
                let p = lp.baseAddress!
                for row in range {
                    let input = s + row * n, output = d.base + row * n
                    for k in 0..<(n + taps - 1) {
                        let i = k - before
                        if i >= 0 && i < n { p[k] = input[i] }
                        else { p[k] = boundary == .reflect ? input[reflectIndex(i, n)] : 0 }
                    }
                    if symmetric {
                        let c = taps / 2, wc = w[c]
                        for i in 0..<n { output[i] = wc * p[i + c] }
                        for j in 0..<c {
                            let wj = w[j], a = p + j, b = p + (taps - 1 - j)
                            for i in 0..<n { output[i] += wj * (a[i] + b[i]) }
                        }
                    } else {
                        let w0 = w[0]
                        for i in 0..<n { output[i] = w0 * p[i] }
                        for j in 1..<Swift.max(1, taps) {
                            let wj = w[j], a = p + j
                            for i in 0..<n { output[i] += wj * a[i] }
                        }
                    }
                }
            }
        }
    }

    /// Along y or z: an output run is the weighted sum of whole input runs.
    private static func strided(_ s: UnsafePointer<Float>, _ d: SharedPointer<Float>, _ a: StridedAxis,
                                _ w: UnsafeBufferPointer<Float>, before: Int, boundary: Boundary, threads: Int) {
        a.forEachRun(threads: threads) { base, count, position in
            let output = d.base + base + position * a.stride
            for i in 0..<count { output[i] = 0 }
            for j in 0..<w.count {
                var q = position + j - before
                if q < 0 || q >= a.length {
                    if boundary == .zero { continue }
                    q = reflectIndex(q, a.length)
                }
                let wj = w[j], input = s + base + q * a.stride
                for i in 0..<count { output[i] += wj * input[i] }
            }
        }
    }
}
