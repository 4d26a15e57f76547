/// `dilate(size)`: `scipy.ndimage.grey_dilation(x, size)`.
struct Dilation: FilterOperator {
    static let spec = OperatorSpec(
        "dilate", [ParameterSpec("size", .size, default: .number(3))],
        reference: "scipy.ndimage.grey_dilation(x, size)", dask: { Dilation.dask($0) }
    ) { args, setup in
        Dilation(size: args.size("size", setup))
    }
    let size: Extent
    var halo: Extent { Morphology.halo(size) }
    func outputKind(_ input: ValueKind) -> ValueKind { input }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        Morphology.dilate(input, size, threads: context.threads)
    }
}

extension Dilation {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        c.morphology("grey_dilation")
    }
}
