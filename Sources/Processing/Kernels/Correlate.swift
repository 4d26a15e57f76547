/// `scipy.ndimage.correlate1d` on a volume: out[i] = Σⱼ w[j]·in[i + j − before],
/// with before = len/2 + origin, the scipy convention (odd kernels are centred).
/// The inner loops keep 16 outputs in registers across all taps (one store a
/// block), so they are bound by loads, not by memory traffic.
enum Correlate {
    static func along(
        _ axis: Axis, _ v: FloatVolume, weights: [Float], origin: Int = 0,
        boundary: Boundary = .reflect, threads: Int
    ) -> FloatVolume {
        precondition(!weights.isEmpty)
        if weights.count == 1 && weights[0] == 1 { return v }
        let extent = [v.depth, v.height, v.width][axis.rawValue]
        if extent == 0 { return v }
        var out = [Float](unsafeUninitializedCapacity: v.pixels.count) { _, n in n = v.pixels.count }
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

    /// Along x: each row is extended at both ends into a scratch line; then output block
    /// i…i+15 = Σⱼ w[j]·line[i+j …], symmetric kernels folding the two halves first.
    private static func rows(
        _ s: UnsafePointer<Float>, _ d: SharedPointer<Float>, _ v: FloatVolume,
        _ w: UnsafeBufferPointer<Float>, before: Int, boundary: Boundary, threads: Int
    ) {
        let n = v.width, taps = w.count
        let symmetric = taps % 2 == 1 && before == taps / 2 && (0..<(taps / 2)).allSatisfy { w[$0] == w[taps - 1 - $0] }
        Parallel.bands(v.depth * v.height, threads: threads, minimumBand: Swift.max(1, 16384 / Swift.max(1, n * taps)))
        { range in
            var line = [Float](repeating: 0, count: n + taps - 1 + 16)
            line.withUnsafeMutableBufferPointer { lp in
                let p = lp.baseAddress!
                for row in range {
                    let input = s + row * n, output = d.base + row * n
                    for k in 0..<(n + taps - 1) {
                        let i = k - before
                        if i >= 0 && i < n {
                            p[k] = input[i]
                        } else {
                            p[k] = boundary == .reflect ? input[reflectIndex(i, n)] : 0
                        }
                    }
                    var i = 0
                    if symmetric {
                        let c = taps / 2
                        while i + 16 <= n {
                            var acc = SIMD16<Float>(repeating: w[c]) * load(p + i + c)
                            for j in 0..<c {
                                acc += SIMD16<Float>(repeating: w[j]) * (load(p + i + j) + load(p + i + taps - 1 - j))
                            }
                            store(acc, output + i)
                            i += 16
                        }
                        while i < n {
                            var a = w[c] * p[i + c]
                            for j in 0..<c { a += w[j] * (p[i + j] + p[i + taps - 1 - j]) }
                            output[i] = a
                            i += 1
                        }
                    } else {
                        while i + 16 <= n {
                            var acc = SIMD16<Float>(repeating: 0)
                            for j in 0..<taps { acc += SIMD16<Float>(repeating: w[j]) * load(p + i + j) }
                            store(acc, output + i)
                            i += 16
                        }
                        while i < n {
                            var a: Float = 0
                            for j in 0..<taps { a += w[j] * p[i + j] }
                            output[i] = a
                            i += 1
                        }
                    }
                }
            }
        }
    }

    /// Along y or z: output run = Σⱼ w[j]·(input run at the reflected position j − before).
    private static func strided(
        _ s: UnsafePointer<Float>, _ d: SharedPointer<Float>, _ a: StridedAxis,
        _ w: UnsafeBufferPointer<Float>, before: Int, boundary: Boundary, threads: Int
    ) {
        a.forEachRun(threads: threads) { base, count, position in
            let output = d.base + base + position * a.stride
            // The runs each tap reads (nil beyond a zero border).
            var inputs: [UnsafePointer<Float>] = []
            var weights: [Float] = []
            inputs.reserveCapacity(w.count)
            for j in 0..<w.count {
                var q = position + j - before
                if q < 0 || q >= a.length {
                    if boundary == .zero { continue }
                    q = reflectIndex(q, a.length)
                }
                inputs.append(s + base + q * a.stride)
                weights.append(w[j])
            }
            let taps = inputs.count
            if taps == 0 {
                for i in 0..<count { output[i] = 0 }
                return
            }
            inputs.withUnsafeBufferPointer { ins in
                weights.withUnsafeBufferPointer { ws in
                    var i = 0
                    while i + 16 <= count {
                        var acc = SIMD16<Float>(repeating: ws[0]) * load(ins[0] + i)
                        for j in 1..<taps { acc += SIMD16<Float>(repeating: ws[j]) * load(ins[j] + i) }
                        store(acc, output + i)
                        i += 16
                    }
                    while i < count {
                        var acc = ws[0] * ins[0][i]
                        for j in 1..<taps { acc += ws[j] * ins[j][i] }
                        output[i] = acc
                        i += 1
                    }
                }
            }
        }
    }
}

@inline(__always)
func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func load(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}
