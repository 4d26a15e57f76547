/// `unsharp(sigma, amount)`: x + amount·(x − gaussian_filter(x, σ)).
struct UnsharpMask: FilterOperator {
    static let spec = OperatorSpec(
        "unsharp",
        [ParameterSpec("sigma", .sigma, default: .number(1)), ParameterSpec("amount", .number, default: .number(1))],
        reference: "x + amount * (x - ndimage.gaussian_filter(x, sigma))", dask: { UnsharpMask.dask($0) }
    ) { args, setup in
        UnsharpMask(sigma: args.sigma("sigma", setup), amount: Float(args.number("amount")))
    }
    let sigma: Sigma, amount: Float
    var halo: Extent { sigma.radius }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        let amount = amount
        return input.combined(with: GaussianKernel.filter(input, sigma: sigma, threads: context.threads)) { x, g in
            x + amount * (x - g)
        }
    }
}

extension UnsharpMask {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        DaskStage(
            "x + amount * (x - gaussian_filter(x, sigma)), by dask-image.",
            """
            amount = np.float32(\(DaskStageContext.number(c.arguments.number("amount"))))
            return x + amount * (x - ndfilters.gaussian_filter(x, \(c.sigma()), mode="reflect", truncate=4.0))
            """, modules: [.daskImageFilters])
    }
}
