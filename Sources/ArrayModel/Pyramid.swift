/// One level of a multiscale array: an ordinary array of the same rank whose
/// pixels stand for `factors` level-0 pixels each.
///
/// Coordinates follow OME-NGFF: an index names a pixel's centre, and
/// `offsets` is where this level's pixel 0 centre lies in level-0 pixels
/// (0 for level 0; 0.5 for a 2× level written by ome-zarr-py or ngff-zarr,
/// whose translations say so). A pyramid without translations is read as
/// corner-aligned blocks (offset (f-1)/2), which is how block means and
/// strided subsampling are written.
public struct PyramidLevel: Sendable {
    public let array: LazyArray
    /// Where the level is stored, relative to the image (`s1`, `scale1/image`, `0`).
    public let path: String
    /// Level-0 pixels per pixel of this level, per axis (1 on level 0).
    public let factors: [Double]
    /// This level's pixel 0 centre in level-0 pixel coordinates, per axis.
    public let offsets: [Double]

    public init(array: LazyArray, path: String, factors: [Double], offsets: [Double]) {
        precondition(factors.count == array.metadata.rank && offsets.count == array.metadata.rank)
        (self.array, self.path, self.factors, self.offsets) = (array, path, factors, offsets)
    }

    /// A single-scale array as its own level 0.
    public init(single array: LazyArray) {
        let rank = array.metadata.rank
        self.init(
            array: array, path: "", factors: Array(repeating: 1, count: rank), offsets: Array(repeating: 0, count: rank)
        )
    }

    /// Factors from the shapes alone (`ceil(n0 / nL)`), corner-aligned: for pyramids that record no scales.
    public init(array: LazyArray, path: String, levelZeroShape: [Int]) {
        let shape = array.metadata.shape
        let factors = zip(levelZeroShape, shape).map { n0, n in n > 0 && n0 > n ? (Double(n0) / Double(n)).rounded() : 1
        }
        self.init(array: array, path: path, factors: factors, offsets: factors.map { ($0 - 1) / 2 })
    }

    /// The continuous level coordinate of a level-0 coordinate on `axis`.
    public func coordinate(_ levelZero: Double, axis: Int) -> Double {
        (levelZero - offsets[axis]) / factors[axis]
    }

    /// The level index holding level-0 index `i` on `axis` (the nearest centre, ties to the lower).
    public func index(_ i: Int, axis: Int) -> Int { index(levelZero: Double(i), axis: axis) }

    /// The level index whose centre is nearest the level-0 coordinate `u` (ties to the lower).
    public func index(levelZero u: Double, axis: Int) -> Int {
        let n = array.metadata.shape[axis]
        let nearest = (coordinate(u, axis: axis) - 0.5).rounded(.up)
        return PyramidLevel.clamped(nearest, 0, max(0, n - 1))
    }

    /// The level-0 coordinate of this level's index `i` on `axis` (the pixel's centre).
    public func levelZero(_ i: Int, axis: Int) -> Double { Double(i) * factors[axis] + offsets[axis] }

    /// The level range covering level-0 pixels `range` on `axis` (at least one pixel).
    public func range(_ range: Range<Int>, axis: Int) -> Range<Int> {
        let n = array.metadata.shape[axis]
        // Pixel i covers [i - 0.5, i + 0.5) around its centre.
        let lo = coordinate(Double(range.lowerBound) - 0.5, axis: axis) + 0.5
        let hi = coordinate(Double(range.upperBound) - 0.5, axis: axis) + 0.5
        let a = PyramidLevel.clamped(lo.rounded(.down), 0, max(0, n - 1))
        let b = min(PyramidLevel.clamped(hi.rounded(.up), a + 1, max(a + 1, n)), n)
        return a..<b
    }

    /// `x` as an Int within `lo...hi`: beyond them (±infinity included) the nearer bound, NaN `lo`.
    /// Metadata numbers are range-checked at open; this keeps an index an index whatever
    /// arithmetic produced `x` (Int(1e300) would trap).
    static func clamped(_ x: Double, _ lo: Int, _ hi: Int) -> Int {
        guard !x.isNaN, x > Double(lo) else { return lo }
        return x < Double(hi) ? Int(x) : hi
    }

    /// The plane of this level that shows the level-0 plane `view`.
    public func selection(for view: PlaneSelection) -> PlaneSelection {
        var s = view
        for d in s.indices.indices where d != view.rowAxis && d != view.columnAxis {
            s.indices[d] = index(view.indices[d], axis: d)
        }
        s.rows = range(view.rows, axis: view.rowAxis)
        s.columns = range(view.columns, axis: view.columnAxis)
        return s
    }
}

/// The level a view reads: the coarsest whose pixels are not larger than a
/// screen pixel on either displayed axis (napari's `compute_multiscale_level`,
/// BigDataViewer's best mipmap level).
public enum LevelChoice {
    /// - Parameter dataPerScreenPixel: level-0 pixels per screen pixel along (rows, columns).
    public static func level(
        _ levels: [PyramidLevel], rowAxis: Int, columnAxis: Int,
        dataPerScreenPixel: (rows: Double, columns: Double)
    ) -> Int {
        var best = 0
        for (i, level) in levels.enumerated() {
            let tolerance = 1 + 1e-9
            if level.factors[rowAxis] <= dataPerScreenPixel.rows * tolerance
                && level.factors[columnAxis] <= dataPerScreenPixel.columns * tolerance
            {
                best = i
            }
        }
        return best
    }
}
