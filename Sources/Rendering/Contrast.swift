#if canImport(Glibc)
import Glibc
#endif
import ArrayModel

/// Contrast limits and gamma: maps data values to 0…1 before the colour map.
public struct Contrast: Sendable, Equatable {
    public var low: Double
    public var high: Double
    public var gamma: Double

    public init(low: Double, high: Double, gamma: Double = 1) {
        (self.low, self.high, self.gamma) = (low, high, gamma)
    }

    /// Normalises `v`: (v - low) / (high - low), clamped, then ^(1/gamma)… as napari does,
    /// gamma applies to the normalised value (t^gamma). A constant window (low == high)
    /// maps values above it to 1 and the rest to 0, never dividing by zero.
    @inline(__always)
    public func normalize(_ v: Float) -> Float {
        if v.isNaN { return .nan }
        let span = Float(high - low)
        var t: Float
        if span > 0 { t = (v - Float(low)) / span } else { t = v > Float(high) ? 1 : 0 }
        t = min(max(t, 0), 1)
        return gamma == 1 ? t : Float(pow(Double(t), gamma))
    }

    /// The 0.5 and 99.5 percentiles of the finite values (NumPy's linear
    /// interpolation); (0, 1) when there are none.
    public static func auto(_ values: [Float], lowPercentile: Double = 0.5, highPercentile: Double = 99.5) -> Contrast {
        var finite = [Float](unsafeUninitializedCapacity: values.count) { buf, n in
            n = 0
            for v in values where v.isFinite {
                buf[n] = v
                n += 1
            }
        }
        guard !finite.isEmpty else { return Contrast(low: 0, high: 1) }
        let lo = Percentile.value(&finite, lowPercentile)
        let hi = Percentile.value(&finite, highPercentile)
        return Contrast(low: lo, high: hi)
    }

    /// Auto contrast straight from a data plane: a histogram for 8- and 16-bit
    /// integers (exact order statistics, so the same result as sorting), else selection.
    public static func auto(
        _ plane: ArrayBuffer, lowPercentile: Double = 0.5, highPercentile: Double = 99.5
    ) -> Contrast {
        let offset: Int
        switch plane.dataType {
        case .uint8, .bool, .uint16: offset = 0
        case .int8: offset = 128
        case .int16: offset = 32768
        default: return auto(plane.floats(), lowPercentile: lowPercentile, highPercentile: highPercentile)
        }
        var histogram = [Int](repeating: 0, count: plane.dataType.size == 1 ? 256 : 65536)
        guard plane.count > 0 else { return Contrast(low: 0, high: 1) }
        plane.bytes.withUnsafeBytes { raw in
            histogram.withUnsafeMutableBufferPointer { h in
                switch plane.dataType {
                case .uint8, .bool: for v in raw.bindMemory(to: UInt8.self) { h[Int(v)] += 1 }
                case .int8: for v in raw.bindMemory(to: Int8.self) { h[Int(v) + offset] += 1 }
                case .uint16: for v in raw.bindMemory(to: UInt16.self) { h[Int(v)] += 1 }
                default: for v in raw.bindMemory(to: Int16.self) { h[Int(v) + offset] += 1 }
                }
            }
        }
        return auto(histogram: histogram, offset: offset, lowPercentile: lowPercentile, highPercentile: highPercentile)
    }

    /// Percentiles from a histogram of integer values (bin b holds value b - offset): exact order statistics.
    public static func auto(
        histogram: [Int], offset: Int, lowPercentile: Double = 0.5, highPercentile: Double = 99.5
    ) -> Contrast {
        let n = histogram.reduce(0, +)
        guard n > 0 else { return Contrast(low: 0, high: 1) }
        /// The k-th smallest value (0-based).
        func order(_ k: Int) -> Double {
            var seen = 0
            for (bin, count) in histogram.enumerated() where count > 0 {
                seen += count
                if seen > k { return Double(bin - offset) }
            }
            return Double(histogram.count - 1 - offset)
        }
        func percentile(_ q: Double) -> Double {
            let pos = q / 100 * Double(n - 1)
            let k = Int(clamping: pos.rounded(.down)), frac = pos - Double(k)
            let lo = order(k)
            return frac == 0 || k + 1 >= n ? lo : lo + frac * (order(k + 1) - lo)
        }
        return Contrast(low: percentile(lowPercentile), high: percentile(highPercentile))
    }
}

/// Percentiles by selection (O(n)), matching `numpy.percentile` (method "linear").
enum Percentile {
    /// Reorders `a`; returns the q-th percentile (0…100).
    static func value(_ a: inout [Float], _ q: Double) -> Double {
        let n = a.count
        let pos = q / 100 * Double(n - 1)
        let k = Int(clamping: pos.rounded(.down))
        let frac = pos - Double(k)
        let lo = Double(select(&a, k))
        if frac == 0 || k + 1 >= n { return lo }
        // After selecting k, the (k+1)-th smallest is the minimum of the upper part.
        var next = a[k + 1]
        for i in (k + 1)..<n where a[i] < next { next = a[i] }
        return lo + frac * (Double(next) - lo)
    }

    /// Quickselect (Hoare partition, median-of-three): the k-th smallest, with
    /// a[..<k] ≤ a[k] ≤ a[(k+1)...] afterwards.
    static func select(_ a: inout [Float], _ k: Int) -> Float {
        a.withUnsafeMutableBufferPointer { p in
            var lo = 0, hi = p.count - 1
            while hi > lo {
                let mid = lo + (hi - lo) / 2
                if p[mid] < p[lo] { p.swapAt(mid, lo) }
                if p[hi] < p[lo] { p.swapAt(hi, lo) }
                if p[hi] < p[mid] { p.swapAt(hi, mid) }
                let pivot = p[mid]
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
                if k <= j { hi = j } else if k >= i { lo = i } else { break }
            }
            return p[k]
        }
    }
}
