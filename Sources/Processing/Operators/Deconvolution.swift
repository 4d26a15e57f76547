import ArrayModel

/// `deconvolve(sigma, iterations)`: Richardson–Lucy with a gaussian PSF, as
/// `skimage.restoration.richardson_lucy(x, psf, iterations, clip=False)` with
/// psf the normalised gaussian of radius int(4σ+0.5) (the product of scipy's
/// 1-D kernels). Each iteration is two separable convolutions with zero
/// borders (skimage's `convolve(mode='same')`), so a shown pixel depends on
/// 2·iterations·radius pixels around it: that is the halo.
struct Deconvolution: FilterOperator {
    static let spec = OperatorSpec(
        "deconvolve", [ParameterSpec("sigma", .sigma), ParameterSpec("iterations", .count, default: .number(10))],
        reference: "skimage.restoration.richardson_lucy(x, gaussian psf, iterations, clip=False)",
        dask: { Deconvolution.dask($0) }
    ) { args, setup in
        Deconvolution(sigma: args.sigma("sigma", setup), iterations: Int(clamping: args.number("iterations")))
    }
    let sigma: Sigma, iterations: Int
    var halo: Extent {
        let r = sigma.radius
        return Extent(2 * iterations * r.z, 2 * iterations * r.y, 2 * iterations * r.x)
    }
    /// Two gaussian passes and two point operations per iteration.
    var workPerPixel: Double { Double(iterations) * (2 * sigma.radius.separableTaps + 4) }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        let t = context.threads
        var estimate = FloatVolume(depth: input.depth, height: input.height, width: input.width, repeating: 0.5)
        for _ in 0..<iterations {
            let blurred = GaussianKernel.filter(estimate, sigma: sigma, boundary: .zero, threads: t)
            let ratio = input.combined(with: blurred) { x, b in x / (b + 1e-12) }
            estimate = estimate.combined(
                with: GaussianKernel.filter(ratio, sigma: sigma, boundary: .zero, threads: t), *)
        }
        return estimate
    }
}

extension Deconvolution {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        let v = c.stage.perAxis("sigma")
        let three = v.z > 0
        return DaskStage(
            """
            skimage.restoration.richardson_lucy(p, psf, iterations, clip=False)
                on each \(three ? "z-stack" : "plane") p, psf the normalised gaussian of radius int(4 sigma + 0.5). Each iteration
                is two convolutions with zero borders, so a pixel depends on 2 * iterations * radius
                pixels around it: the halo.
            """,
            """
            psf = gaussian_psf(\(c.sigmaTuple(v)))

            def richardson_lucy(p):
                return skimage.restoration.richardson_lucy(p, psf, num_iter=\(Int(c.arguments.number("iterations"))), clip=False)

            return with_halo(x, lambda block: on_slices(block, richardson_lucy, \(DaskStageContext.sliceAxes(three: three))), \(c.haloDepth))
            """, modules: [.skimageRestoration], after: gaussianPSF)
    }

    /// The PSF `dask` calls, as Python.
    private static let gaussianPSF = #"""
        def gaussian_psf(sigma):
            """The PSF vstack's deconvolve uses: the outer product of scipy's normalised 1-D gaussian
            kernels (radius int(4 sigma + 0.5)), one per axis (a sigma of 0: that axis is left alone)."""
            psf = np.ones((1,) * len(sigma))
            for axis, s in enumerate(sigma):
                if s > 0:
                    r = int(4.0 * s + 0.5)
                    k = np.exp(-0.5 * np.arange(-r, r + 1) ** 2 / (s * s))
                    shape = [1] * len(sigma)
                    shape[axis] = 2 * r + 1
                    psf = psf * (k / k.sum()).reshape(shape)
            return psf
        """#
}
