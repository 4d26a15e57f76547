/// `gaussian(sigma)`: `scipy.ndimage.gaussian_filter` (truncate 4, reflect); σ = (z,y,x) makes it 3-D.
struct Gaussian: FilterOperator {
    static let spec = OperatorSpec(
        "gaussian", [ParameterSpec("sigma", .sigma)],
        reference: "scipy.ndimage.gaussian_filter(x, sigma)", dask: { Gaussian.dask($0) }
    ) { args, setup in
        Gaussian(sigma: args.sigma("sigma", setup))
    }
    let sigma: Sigma
    var halo: Extent { sigma.radius }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        GaussianKernel.filter(input, sigma: sigma, threads: context.threads)
    }
}

extension Gaussian {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        DaskStage(
            "scipy.ndimage.gaussian_filter(x, sigma) (truncate 4, reflect), by dask-image.",
            "return ndfilters.gaussian_filter(x, sigma=\(c.sigma()), mode=\"reflect\", truncate=4.0)",
            modules: [.daskImageFilters])
    }
}
