/// `uniform(size)`: `scipy.ndimage.uniform_filter`, the mean over the window (reflect).
struct Uniform: FilterOperator {
    static let spec = OperatorSpec(
        "uniform", [ParameterSpec("size", .size, default: .number(3))],
        reference: "scipy.ndimage.uniform_filter(x, size)", dask: { Uniform.dask($0) }
    ) { args, setup in
        Uniform(size: args.size("size", setup))
    }
    let size: Extent
    var halo: Extent { Extent(size.z / 2, size.y / 2, size.x / 2) }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        var out = input
        for (axis, n) in [(Axis.z, size.z), (.y, size.y), (.x, size.x)] where n > 1 {
            out = Correlate.along(
                axis, out, weights: [Float](repeating: 1 / Float(n), count: n), threads: context.threads)
        }
        return out
    }
}

extension Uniform {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        c.sizeFilter("uniform_filter")
    }
}
