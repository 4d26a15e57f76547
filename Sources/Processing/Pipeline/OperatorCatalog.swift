/// Every operator of SPEC §4, in the order docs/OPERATORS.md lists them.
public enum OperatorCatalog {
    public static let all: [OperatorSpec] = [
        Gaussian.spec, Median.spec, Uniform.spec, MinimumFilter.spec, MaximumFilter.spec, Sobel.spec, Laplace.spec,
        LaplacianOfGaussian.spec, DifferenceOfGaussians.spec, UnsharpMask.spec, Threshold.spec, Erosion.spec,
        Dilation.spec, Opening.spec, Closing.spec, WhiteTophat.spec, Invert.spec, Gamma.spec, LogScale.spec,
        Clip.spec, Deconvolution.spec, MaximumProjection.spec,
    ]

    public static var names: [String] { all.map(\.name) }

    public static func spec(named name: String) -> OperatorSpec? { all.first { $0.name == name } }
}
