/// `minimum(size)`: `scipy.ndimage.minimum_filter` (separable running minimum, reflect).
struct MinimumFilter: FilterOperator {
    static let spec = OperatorSpec("minimum", [ParameterSpec("size", .size, default: .number(3))],
                                   reference: "scipy.ndimage.minimum_filter(x, size)") { args, setup in
        MinimumFilter(size: args.size("size", setup))
    }
    let size: Extent
    var halo: Extent { Morphology.halo(size) }
    func outputKind(_ input: ValueKind) -> ValueKind { input }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        Morphology.erode(input, size, threads: context.threads)
    }
}
