import Threads

/// Splits `0..<count` into contiguous bands and runs them on up to `threads` cores (this thread
/// and idle workers of the one pool, `WorkPool.shared`).
/// Every band is processed by one thread only, so a band may write its own part of an output.
enum Parallel {
    static func bands(_ count: Int, threads: Int, minimumBand: Int = 8, _ body: (Range<Int>) -> Void) {
        let parts = Swift.min(Swift.max(1, threads), Swift.max(1, count / Swift.max(1, minimumBand)))
        if parts <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        // More bands than threads balance uneven work (edges, halo rows).
        let bandCount = Swift.min(count, parts * 4)
        withoutActuallyEscaping(body) { body in
            // Bands write disjoint parts of their outputs; the caller's pointers are shared on purpose.
            nonisolated(unsafe) let run = body
            WorkPool.shared.forEach(bandCount, width: parts) { b in
                let lo = count * b / bandCount, hi = count * (b + 1) / bandCount
                if lo < hi { run(lo..<hi) }
            }
        }
    }
}

/// A pointer handed to parallel bands that write disjoint parts of one buffer.
/// Thread contract: each band writes only its own elements; the owner reads after the bands return.
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}

/// scipy's `reflect` boundary (d c b a | a b c d | d c b a): index `i` of a line of `n`.
@inline(__always)
func reflectIndex(_ i: Int, _ n: Int) -> Int {
    if i >= 0 && i < n { return i }
    if n == 1 { return 0 }
    let period = 2 * n
    var m = i % period
    if m < 0 { m += period }
    return m < n ? m : period - 1 - m
}
