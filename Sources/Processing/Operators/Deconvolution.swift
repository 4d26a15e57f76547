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
        reference: "skimage.restoration.richardson_lucy(x, gaussian psf, iterations, clip=False)"
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
