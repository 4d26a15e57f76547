/// `log(sigma)`: `scipy.ndimage.gaussian_laplace`, the sum over axes of the
/// gaussian's second derivative along each (y and x; z too for a 3-D σ).
struct LaplacianOfGaussian: FilterOperator {
    static let spec = OperatorSpec(
        "log", [ParameterSpec("sigma", .sigma)],
        reference: "scipy.ndimage.gaussian_laplace(x, sigma)"
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
