/// Medians as `scipy.ndimage.median_filter`: the element of rank n/2 of the
/// n-element window starting at i − size/2 along each axis, reflect borders.
enum MedianFilter {
    /// 3×3 in the plane: sort each column triple (lo ≤ mid ≤ hi, one pass per row
    /// over whole rows), then median = med3(max of the los, med3 of the mids,
    /// min of the his) over three neighbouring columns: 19 min/max a pixel, vectorised.
    static func median3x3(_ v: FloatVolume, threads: Int) -> FloatVolume {
        let (h, w) = (v.height, v.width)
        var out = [Float](repeating: 0, count: v.pixels.count)
        v.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = SharedPointer(base: dst.baseAddress!)
                Parallel.bands(v.depth * h, threads: threads, minimumBand: 16) { range in
                    let n = w + 2
                    var scratch = [Float](repeating: 0, count: 3 * n)
                    scratch.withUnsafeMutableBufferPointer { sp in
                        let lo = sp.baseAddress!, mid = lo + n, hi = mid + n
                        for row in range {
                            let z = row / h, y = row % h
                            let plane = s + z * h * w
                            let a = plane + reflectIndex(y - 1, h) * w, b = plane + y * w,
                                c = plane + reflectIndex(y + 1, h) * w
                            for k in 0..<n {
                                let x = k == 0 ? reflectIndex(-1, w) : (k == n - 1 ? reflectIndex(w, w) : k - 1)
                                let (p, q, r) = (a[x], b[x], c[x])
                                let mn = min(p, q), mx = max(p, q)
                                lo[k] = min(mn, r)
                                hi[k] = max(mx, r)
                                mid[k] = max(mn, min(mx, r))
                            }
                            let o = d.base + row * w
                            for i in 0..<w {
                                let l = max(max(lo[i], lo[i + 1]), lo[i + 2])
                                let u = min(min(hi[i], hi[i + 1]), hi[i + 2])
                                let m0 = mid[i], m1 = mid[i + 1], m2 = mid[i + 2]
                                let mn = min(m0, m1), mx = max(m0, m1)
                                let m = max(mn, min(mx, m2))
                                let mn2 = min(l, m), mx2 = max(l, m)
                                o[i] = max(mn2, min(mx2, u))
                            }
                        }
                    }
                }
            }
        }
        return FloatVolume(depth: v.depth, height: h, width: w, pixels: out)
    }

    /// Any box window: gather, then select rank n/2 (quickselect).
    static func select(_ v: FloatVolume, size: Extent, threads: Int) -> FloatVolume {
        let (dd, h, w) = (v.depth, v.height, v.width)
        var out = [Float](repeating: 0, count: v.pixels.count)
        let n = size.z * size.y * size.x
        v.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = SharedPointer(base: dst.baseAddress!)
                Parallel.bands(dd * h, threads: threads, minimumBand: 4) { range in
                    var window = [Float](repeating: 0, count: n)
                    // Reflected column indices of each window, shared by all rows.
                    let columns = (0..<(w + size.x - 1)).map { reflectIndex($0 - size.x / 2, w) }
                    window.withUnsafeMutableBufferPointer { wp in
                        for row in range {
                            let z = row / h, y = row % h
                            let planes = (0..<size.z).map { reflectIndex(z + $0 - size.z / 2, dd) }
                            let rows = (0..<size.y).map { reflectIndex(y + $0 - size.y / 2, h) }
                            for x in 0..<w {
                                var k = 0
                                for p in planes {
                                    for r in rows {
                                        let line = s + (p * h + r) * w
                                        for j in 0..<size.x {
                                            wp[k] = line[columns[x + j]]
                                            k += 1
                                        }
                                    }
                                }
                                d.base[row * w + x] = quickselect(wp.baseAddress!, n, n / 2)
                            }
                        }
                    }
                }
            }
        }
        return FloatVolume(depth: dd, height: h, width: w, pixels: out)
    }

    /// The element of rank k of p[0..<n] (p is reordered).
    static func quickselect(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ k: Int) -> Float {
        var lo = 0, hi = n - 1
        while hi > lo {
            let pivot = p[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while p[i] < pivot { i += 1 }
                while p[j] > pivot { j -= 1 }
                if i <= j {
                    p.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return p[k] }
        }
        return p[k]
    }
}

private extension UnsafeMutablePointer where Pointee == Float {
    func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}
