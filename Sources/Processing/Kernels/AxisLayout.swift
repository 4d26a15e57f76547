/// One of a volume's three axes.
public enum Axis: Int, Sendable, CaseIterable {
    case z = 0, y = 1, x = 2
}

/// What lies beyond a volume's edge when a window reaches past it.
enum Boundary: Sendable {
    /// scipy's `reflect` (d c b a | a b c d): every operator but deconvolution.
    case reflect
    /// Zeros: `scipy.signal.convolve(mode='same')`, which Richardson–Lucy uses.
    case zero
}

/// How a volume's elements line up along an axis that is not the innermost:
/// lines of `length` elements `stride` apart, in `outer` groups `outerStride`
/// apart, each element a contiguous run of `inner` floats. Work along y or z
/// is done on those runs at once, so the inner loops are contiguous and vectorise.
struct StridedAxis {
    let length: Int, stride: Int
    let outer: Int, outerStride: Int
    let inner: Int

    init(_ v: FloatVolume, _ axis: Axis) {
        switch axis {
        case .y: (length, stride, outer, outerStride, inner) = (v.height, v.width, v.depth, v.planeSize, v.width)
        case .z: (length, stride, outer, outerStride, inner) = (v.depth, v.planeSize, 1, 0, v.planeSize)
        case .x: preconditionFailure("x is the contiguous axis")
        }
    }

    /// Runs are cut into bands of at most this many floats (z: a plane is long).
    var bandWidth: Int { Swift.min(inner, 4096) }
    var bandsPerRun: Int { (inner + bandWidth - 1) / bandWidth }

    /// Calls `body(offset, count, linePosition)` for every output run, on `threads` cores:
    /// `offset` is the start of the run (without the line position), `count` its floats.
    func forEachRun(threads: Int, _ body: (_ base: Int, _ count: Int, _ position: Int) -> Void) {
        let bands = bandsPerRun, width = bandWidth
        let tasks = outer * length * bands
        Parallel.bands(tasks, threads: threads, minimumBand: Swift.max(1, 16384 / Swift.max(1, width))) { range in
            for t in range {
                let band = t % bands
                let position = (t / bands) % length
                let o = t / (bands * length)
                let start = band * width
                body(o * outerStride + start, Swift.min(width, inner - start), position)
            }
        }
    }
}
