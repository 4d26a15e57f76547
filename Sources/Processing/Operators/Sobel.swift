/// `sobel`: the gradient magnitude hypot(sobel_y, sobel_x) of `scipy.ndimage.sobel` along y and x.
struct Sobel: FilterOperator {
    static let spec = OperatorSpec(
        "sobel", [], reference: "numpy.hypot(ndimage.sobel(x, 0), ndimage.sobel(x, 1))", dask: { Sobel.dask($0) }
    ) {
        _, _ in Sobel()
    }
    var halo: Extent { Extent(0, 1, 1) }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        let t = context.threads
        let dy = Correlate.along(
            .x, Correlate.along(.y, input, weights: [-1, 0, 1], threads: t), weights: [1, 2, 1], threads: t)
        let dx = Correlate.along(
            .y, Correlate.along(.x, input, weights: [-1, 0, 1], threads: t), weights: [1, 2, 1], threads: t)
        return dy.combined(with: dx) { a, b in (a * a + b * b).squareRoot() }
    }
}

extension Sobel {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        DaskStage(
            "numpy.hypot(ndimage.sobel(p, 0), ndimage.sobel(p, 1)) on each plane p\n    (scipy's sobel smooths along every other axis, so it runs plane by plane).",
            """
            def magnitude(plane):
                return np.hypot(ndi.sobel(plane, 0), ndi.sobel(plane, 1))

            return with_halo(x, lambda block: on_slices(block, magnitude, (ROW_AXIS, COL_AXIS)), \(c.haloDepth))
            """, modules: [.scipyNdimage])
    }
}
