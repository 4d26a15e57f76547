import Foundation

/// `logscale`: `skimage.exposure.adjust_log`, log2(1 + x/scale)·scale with the data type's scale,
/// kept as float.
struct LogScale: FilterOperator {
    static let spec = OperatorSpec(
        "logscale", [], reference: "log2(1 + x / scale) * scale, as skimage.exposure.adjust_log",
        dask: { LogScale.dask($0) }
    ) { _, _ in LogScale() }
    var halo: Extent { .zero }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        let scale = context.kind.exposureScale
        return input.map { log2f(1 + $0 / scale) * scale }
    }
}

extension LogScale {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        let scale = c.exposureScale
        return DaskStage(
            "log2(1 + x / scale) * scale, as skimage.exposure.adjust_log without rounding.",
            """
            scale = np.float32(\(scale.value))  # \(scale.why)
            return np.log2(1 + x / scale) * scale
            """)
    }
}
