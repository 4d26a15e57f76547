/// `median(size)`: `scipy.ndimage.median_filter` (the element of rank n/2 of the window, reflect).
/// 3×3 uses a vectorised min/max network; other windows select per pixel.
struct Median: FilterOperator {
    static let spec = OperatorSpec(
        "median", [ParameterSpec("size", .size, default: .number(3))],
        reference: "scipy.ndimage.median_filter(x, size)", dask: { Median.dask($0) }
    ) { args, setup in
        Median(size: args.size("size", setup))
    }
    let size: Extent
    var halo: Extent { Extent(size.z / 2, size.y / 2, size.x / 2) }
    func outputKind(_ input: ValueKind) -> ValueKind { input }
    /// Selection visits the whole window for every pixel.
    var workPerPixel: Double { Double(size.z) * Double(size.y) * Double(size.x) }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        if size == Extent(1, 3, 3) { return MedianFilter.median3x3(input, threads: context.threads) }
        return MedianFilter.select(input, size: size, threads: context.threads)
    }
}

extension Median {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        c.sizeFilter("median_filter")
    }
}
