/// `close(size)`: `scipy.ndimage.grey_closing(x, size)`, erosion of the dilation.
struct Closing: FilterOperator {
    static let spec = OperatorSpec(
        "close", [ParameterSpec("size", .size, default: .number(3))],
        reference: "scipy.ndimage.grey_closing(x, size)", dask: { Closing.dask($0) }
    ) { args, setup in
        Closing(size: args.size("size", setup))
    }
    let size: Extent
    var halo: Extent { Morphology.halo(size) + Morphology.halo(size) }
    func outputKind(_ input: ValueKind) -> ValueKind { input }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        Morphology.erode(Morphology.dilate(input, size, threads: context.threads), size, threads: context.threads)
    }
}

extension Closing {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        c.morphology("grey_closing")
    }
}
