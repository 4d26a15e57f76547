/// `dog(sigma1, sigma2)`: gaussian_filter(x, σ1) − gaussian_filter(x, σ2); σ2 defaults to 1.6·σ1.
struct DifferenceOfGaussians: FilterOperator {
    static let spec = OperatorSpec(
        "dog", [ParameterSpec("sigma1", .sigma), ParameterSpec("sigma2", .sigma, default: .word("1.6*sigma1"))],
        reference: "ndimage.gaussian_filter(x, s1) - ndimage.gaussian_filter(x, s2)",
        dask: { DifferenceOfGaussians.dask($0) }
    ) { args, setup in
        let s1 = args.sigma("sigma1", setup)
        let s2 =
            args.word("sigma2") != nil
            ? Sigma(z: s1.z * 1.6, y: s1.y * 1.6, x: s1.x * 1.6) : args.sigma("sigma2", setup)
        return DifferenceOfGaussians(sigma1: s1, sigma2: s2)
    }
    let sigma1: Sigma, sigma2: Sigma
    var halo: Extent { Extent.max(sigma1.radius, sigma2.radius) }
    var workPerPixel: Double { sigma1.radius.separableTaps + sigma2.radius.separableTaps + 2 }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        GaussianKernel.filter(input, sigma: sigma1, threads: context.threads)
            .combined(with: GaussianKernel.filter(input, sigma: sigma2, threads: context.threads), -)
    }
}

extension DifferenceOfGaussians {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        let s1 = c.stage.perAxis("sigma1")
        let s2: (z: Double, y: Double, x: Double) =
            c.arguments.word("sigma2") != nil ? (s1.z * 1.6, s1.y * 1.6, s1.x * 1.6) : c.stage.perAxis("sigma2")
        return DaskStage(
            "gaussian_filter(x, sigma1) - gaussian_filter(x, sigma2), by dask-image.",
            """
            sigma1 = per_axis(x.ndim, \(c.axisArguments(s1, integer: false, zIsDefault: 0)))
            sigma2 = per_axis(x.ndim, \(c.axisArguments(s2, integer: false, zIsDefault: 0)))
            return (ndfilters.gaussian_filter(x, sigma1, mode="reflect", truncate=4.0)
                    - ndfilters.gaussian_filter(x, sigma2, mode="reflect", truncate=4.0))
            """, modules: [.daskImageFilters])
    }
}
