/// `log(sigma)`: `scipy.ndimage.gaussian_laplace`, the sum over axes of the
/// gaussian's second derivative along each (y and x; z too for a 3-D σ).
struct LaplacianOfGaussian: FilterOperator {
    static let spec = OperatorSpec(
        "log", [ParameterSpec("sigma", .sigma)],
        reference: "scipy.ndimage.gaussian_laplace(x, sigma)", dask: { LaplacianOfGaussian.dask($0) }
    ) { args, setup in
        LaplacianOfGaussian(sigma: args.sigma("sigma", setup))
    }
    let sigma: Sigma
    var halo: Extent { sigma.radius }
    /// One gaussian derivative pass per axis.
    var workPerPixel: Double { 3 * sigma.radius.separableTaps + 3 }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        // scipy's generic_laplace: the first axis's term, then each other axis's added in order.
        var orders: [(z: Int, y: Int, x: Int)] = [(0, 2, 0), (0, 0, 2)]
        if sigma.z > 0 { orders.insert((2, 0, 0), at: 0) }
        return orders.dropFirst().reduce(
            GaussianKernel.filter(input, sigma: sigma, order: orders[0], threads: context.threads)
        ) {
            $0.combined(with: GaussianKernel.filter(input, sigma: sigma, order: $1, threads: context.threads), +)
        }
    }
}

extension LaplacianOfGaussian {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        let v = c.stage.perAxis("sigma")
        let three = v.z > 0
        return DaskStage(
            "scipy.ndimage.gaussian_laplace(p, sigma) on each \(three ? "z-stack" : "plane") p\n    (it sums the second derivatives over every axis it is given).",
            """
            def laplacian_of_gaussian(p):
                return ndi.gaussian_laplace(p, \(c.sigmaTuple(v)))

            return with_halo(x, lambda block: on_slices(block, laplacian_of_gaussian, \(DaskStageContext.sliceAxes(three: three))), \(c.haloDepth))
            """, modules: [.scipyNdimage])
    }
}
