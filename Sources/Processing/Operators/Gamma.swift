import Foundation

/// `gamma(g)`: `skimage.exposure.adjust_gamma`, (x/scale)^g·scale with the data type's scale
/// (65535 for uint16, 1 for floats), kept as float (no rounding back to integers).
struct Gamma: FilterOperator {
    static let spec = OperatorSpec(
        "gamma", [ParameterSpec("g", .number)],
        reference: "(x / scale) ** g * scale, as skimage.exposure.adjust_gamma"
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
