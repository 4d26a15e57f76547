/// `scipy.ndimage.minimum_filter1d` / `maximum_filter1d` on a volume: the
/// extremum over the window [i − before, i − before + size), before = size/2 + origin.
/// Windows longer than 5 use van Herk/Gil–Werman: three comparisons a
/// pixel whatever the size (prefix and suffix extrema in blocks of `size`).
enum RunningExtremum {
    static func along<E: Extremum>(
        _ axis: Axis, _ v: FloatVolume, size: Int, origin: Int = 0, _: E.Type,
        threads: Int
    ) -> FloatVolume {
        let extent = [v.depth, v.height, v.width][axis.rawValue]
        if size <= 1 || extent == 0 { return v }
        var out = [Float](repeating: 0, count: v.pixels.count)
        let before = size / 2 + origin
        v.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = SharedPointer(base: dst.baseAddress!)
                if axis == .x {
                    rows(s, d, v, size: size, before: before, E.self, threads: threads)
                } else {
                    strided(s, d, StridedAxis(v, axis), size: size, before: before, E.self, threads: threads)
                }
            }
        }
        return FloatVolume(depth: v.depth, height: v.height, width: v.width, pixels: out)
    }

    static let directLimit = 5

    private static func rows<E: Extremum>(
        _ s: UnsafePointer<Float>, _ d: SharedPointer<Float>, _ v: FloatVolume,
        size: Int, before: Int, _: E.Type, threads: Int
    ) {
        let n = v.width, padded = n + size - 1
        Parallel.bands(v.depth * v.height, threads: threads, minimumBand: Swift.max(1, 8192 / Swift.max(1, n))) {
            range in
            var scratch = [Float](repeating: 0, count: 3 * (padded + size))
            scratch.withUnsafeMutableBufferPointer { sp in
                let p = sp.baseAddress!, g = p + padded + size, h = g + padded + size
                for row in range {
                    let input = s + row * n, output = d.base + row * n
                    for k in 0..<padded { p[k] = input[reflectIndex(k - before, n)] }
                    if size <= directLimit {
                        for i in 0..<n { output[i] = p[i] }
                        for j in 1..<size {
                            let a = p + j
                            for i in 0..<n { output[i] = E.pick(output[i], a[i]) }
                        }
                        continue
                    }
                    // g: extrema from each block's start; h: to each block's end.
                    var k = 0
                    while k < padded {
                        let end = Swift.min(k + size, padded)
                        g[k] = p[k]
                        for i in (k + 1)..<Swift.max(k + 1, end) { g[i] = E.pick(g[i - 1], p[i]) }
                        h[end - 1] = p[end - 1]
                        var i = end - 2
                        while i >= k {
                            h[i] = E.pick(h[i + 1], p[i])
                            i -= 1
                        }
                        k = end
                    }
                    for i in 0..<n { output[i] = E.pick(h[i], g[i + size - 1]) }
                }
            }
        }
    }

    private static func strided<E: Extremum>(
        _ s: UnsafePointer<Float>, _ d: SharedPointer<Float>, _ a: StridedAxis,
        size: Int, before: Int, _: E.Type, threads: Int
    ) {
        if size <= directLimit {
            a.forEachRun(threads: threads) { base, count, position in
                let output = d.base + base + position * a.stride
                let first = s + base + reflectIndex(position - before, a.length) * a.stride
                for i in 0..<count { output[i] = first[i] }
                for j in 1..<size {
                    let input = s + base + reflectIndex(position + j - before, a.length) * a.stride
                    for i in 0..<count { output[i] = E.pick(output[i], input[i]) }
                }
            }
            return
        }
        // van Herk over whole runs: one task per (outer group, band of the run).
        let width = Swift.min(a.inner, 512)
        let bands = (a.inner + width - 1) / width
        let padded = a.length + size - 1
        Parallel.bands(a.outer * bands, threads: threads, minimumBand: 1) { range in
            var scratch = [Float](repeating: 0, count: 2 * padded * width)
            scratch.withUnsafeMutableBufferPointer { sp in
                let g = sp.baseAddress!, h = g + padded * width
                for task in range {
                    let o = task / bands, start = (task % bands) * width
                    let count = Swift.min(width, a.inner - start)
                    let base = o * a.outerStride + start
                    func input(_ k: Int) -> UnsafePointer<Float> {
                        s + base + reflectIndex(k - before, a.length) * a.stride
                    }
                    var k = 0
                    while k < padded {
                        let end = Swift.min(k + size, padded)
                        var row = input(k), gk = g + k * width
                        for i in 0..<count { gk[i] = row[i] }
                        for m in (k + 1)..<Swift.max(k + 1, end) {
                            row = input(m)
                            let prev = g + (m - 1) * width, cur = g + m * width
                            for i in 0..<count { cur[i] = E.pick(prev[i], row[i]) }
                        }
                        row = input(end - 1)
                        let hl = h + (end - 1) * width
                        for i in 0..<count { hl[i] = row[i] }
                        var m = end - 2
                        while m >= k {
                            row = input(m)
                            let next = h + (m + 1) * width, cur = h + m * width
                            for i in 0..<count { cur[i] = E.pick(next[i], row[i]) }
                            m -= 1
                        }
                        k = end
                    }
                    for position in 0..<a.length {
                        let output = d.base + base + position * a.stride
                        let hp = h + position * width, gp = g + (position + size - 1) * width
                        for i in 0..<count { output[i] = E.pick(hp[i], gp[i]) }
                    }
                }
            }
        }
    }
}

/// Which extremum a running window keeps.
protocol Extremum { static func pick(_ a: Float, _ b: Float) -> Float }
enum Minimum: Extremum { @inline(__always) static func pick(_ a: Float, _ b: Float) -> Float { b < a ? b : a } }
enum Maximum: Extremum { @inline(__always) static func pick(_ a: Float, _ b: Float) -> Float { b > a ? b : a } }
