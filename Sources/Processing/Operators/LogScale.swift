import Foundation

/// `logscale`: `skimage.exposure.adjust_log`, log2(1 + x/scale)·scale with the data type's scale,
/// kept as float.
struct LogScale: FilterOperator {
    static let spec = OperatorSpec(
        "logscale", [], reference: "log2(1 + x / scale) * scale, as skimage.exposure.adjust_log"
    ) { _, _ in LogScale() }
    var halo: Extent { .zero }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        let scale = context.kind.exposureScale
        return input.map { log2f(1 + $0 / scale) * scale }
    }
}
