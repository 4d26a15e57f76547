/// `erode(size)`: `scipy.ndimage.grey_erosion(x, size)`.
struct Erosion: FilterOperator {
    static let spec = OperatorSpec(
        "erode", [ParameterSpec("size", .size, default: .number(3))],
        reference: "scipy.ndimage.grey_erosion(x, size)", dask: { Erosion.dask($0) }
    ) { args, setup in
        Erosion(size: args.size("size", setup))
    }
    let size: Extent
    var halo: Extent { Morphology.halo(size) }
    func outputKind(_ input: ValueKind) -> ValueKind { input }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        Morphology.erode(input, size, threads: context.threads)
    }
}

extension Erosion {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        c.morphology("grey_erosion")
    }
}
