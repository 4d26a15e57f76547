/// `laplace`: `scipy.ndimage.laplace` over y and x (the [1, -2, 1] second differences, summed).
struct Laplace: FilterOperator {
    static let spec = OperatorSpec("laplace", [], reference: "scipy.ndimage.laplace(x)", dask: { Laplace.dask($0) }) {
        _, _ in Laplace()
    }
    var halo: Extent { Extent(0, 1, 1) }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        let dyy = Correlate.along(.y, input, weights: [1, -2, 1], threads: context.threads)
        let dxx = Correlate.along(.x, input, weights: [1, -2, 1], threads: context.threads)
        return dyy.combined(with: dxx, +)
    }
}

extension Laplace {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        DaskStage(
            "scipy.ndimage.laplace(p) on each plane p (it sums over every axis it is given).",
            "return with_halo(x, lambda block: on_slices(block, ndi.laplace, (ROW_AXIS, COL_AXIS)), \(c.haloDepth))",
            modules: [.scipyNdimage])
    }
}
