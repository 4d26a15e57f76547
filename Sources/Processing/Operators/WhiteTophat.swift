/// `tophat(size)`: `scipy.ndimage.white_tophat(x, size)`, x minus its opening: background subtraction.
struct WhiteTophat: FilterOperator {
    static let spec = OperatorSpec(
        "tophat", [ParameterSpec("size", .size, default: .number(15))],
        reference: "scipy.ndimage.white_tophat(x, size)", dask: { WhiteTophat.dask($0) }
    ) { args, setup in
        WhiteTophat(size: args.size("size", setup))
    }
    let size: Extent
    var halo: Extent { Morphology.halo(size) + Morphology.halo(size) }
    func outputKind(_ input: ValueKind) -> ValueKind { input == .mask ? .mask : .float }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        let t = context.threads
        return input.combined(with: Morphology.dilate(Morphology.erode(input, size, threads: t), size, threads: t), -)
    }
}

extension WhiteTophat {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        c.morphology("white_tophat")
    }
}
