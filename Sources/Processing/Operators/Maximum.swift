/// `maximum(size)`: `scipy.ndimage.maximum_filter` (separable running maximum, reflect).
struct MaximumFilter: FilterOperator {
    static let spec = OperatorSpec(
        "maximum", [ParameterSpec("size", .size, default: .number(3))],
        reference: "scipy.ndimage.maximum_filter(x, size)", dask: { MaximumFilter.dask($0) }
    ) { args, setup in
        MaximumFilter(size: args.size("size", setup))
    }
    let size: Extent
    var halo: Extent { Morphology.halo(size) }
    func outputKind(_ input: ValueKind) -> ValueKind { input }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        Morphology.extremum(input, size, mirrored: false, Maximum.self, threads: context.threads)
    }
}

extension MaximumFilter {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        c.sizeFilter("maximum_filter")
    }
}
