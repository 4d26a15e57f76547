import Foundation

/// `gamma(g)`: `skimage.exposure.adjust_gamma`, (x/scale)^g·scale with the data type's scale
/// (65535 for uint16, 1 for floats), kept as float (no rounding back to integers).
struct Gamma: FilterOperator {
    static let spec = OperatorSpec(
        "gamma", [ParameterSpec("g", .number)],
        reference: "(x / scale) ** g * scale, as skimage.exposure.adjust_gamma", dask: { Gamma.dask($0) }
    ) { args, _ in
        let g = args.number("g")
        guard g >= 0 else {
            throw PipelineSyntaxError(
                message: "gamma: g must be ≥ 0, found \(PipelineValue.format(g)) at column \(args.column("g"))",
                column: args.column("g"))
        }
        return Gamma(g: Float(g))
    }
    let g: Float
    var halo: Extent { .zero }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        let scale = context.kind.exposureScale, g = g
        return input.map { powf($0 / scale, g) * scale }
    }
}

extension Gamma {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        let scale = c.exposureScale
        return DaskStage(
            "(x / scale) ** g * scale, as skimage.exposure.adjust_gamma without rounding.",
            """
            scale = np.float32(\(scale.value))  # \(scale.why)
            return (x / scale) ** np.float32(\(DaskStageContext.number(c.arguments.number("g")))) * scale
            """)
    }
}
