/// `laplace`: `scipy.ndimage.laplace` over y and x (the [1, -2, 1] second differences, summed).
struct Laplace: FilterOperator {
    static let spec = OperatorSpec("laplace", [], reference: "scipy.ndimage.laplace(x)") { _, _ in Laplace() }
    var halo: Extent { Extent(0, 1, 1) }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        let dyy = Correlate.along(.y, input, weights: [1, -2, 1], threads: context.threads)
        let dxx = Correlate.along(.x, input, weights: [1, -2, 1], threads: context.threads)
        return dyy.combined(with: dxx, +)
    }
}
