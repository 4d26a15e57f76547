/// `minimum(size)`: `scipy.ndimage.minimum_filter`, which with a flat box is
/// `grey_erosion`: the same operator under its other name.
enum MinimumFilter {
    static let spec = OperatorSpec(
        "minimum", [ParameterSpec("size", .size, default: .number(3))],
        reference: "scipy.ndimage.minimum_filter(x, size)", dask: { MinimumFilter.dask($0) }
    ) { args, setup in
        Erosion(size: args.size("size", setup))
    }
}

extension MinimumFilter {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        c.sizeFilter("minimum_filter")
    }
}
