/// `open(size)`: `scipy.ndimage.grey_opening(x, size)`, dilation of the erosion.
struct Opening: FilterOperator {
    static let spec = OperatorSpec(
        "open", [ParameterSpec("size", .size, default: .number(3))],
        reference: "scipy.ndimage.grey_opening(x, size)", dask: { Opening.dask($0) }
    ) { args, setup in
        Opening(size: args.size("size", setup))
    }
    let size: Extent
    var halo: Extent { Morphology.halo(size) + Morphology.halo(size) }
    func outputKind(_ input: ValueKind) -> ValueKind { input }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        Morphology.dilate(Morphology.erode(input, size, threads: context.threads), size, threads: context.threads)
    }
}

extension Opening {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        c.morphology("grey_opening")
    }
}
