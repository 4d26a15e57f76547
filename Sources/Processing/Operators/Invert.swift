import Foundation

/// `invert`: `skimage.util.invert` for what the values are: dtype max − x for unsigned integer
/// data, −1 − x for signed, 1 − x for masks and floating-point values.
struct Invert: FilterOperator {
    static let spec = OperatorSpec("invert", [], reference: "skimage.util.invert(x)", dask: { Invert.dask($0) }) {
        _, _ in Invert()
    }
    var halo: Extent { .zero }
    func outputKind(_ input: ValueKind) -> ValueKind { input }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        switch context.kind {
        case .integer(let lo, let hi) where lo == 0:
            let m = Float(hi)
            return input.map { m - $0 }
        case .integer: return input.map { -1 - $0 }
        case .mask, .float: return input.map { 1 - $0 }
        }
    }
}

extension ValueKind {
    /// The range `skimage.exposure` scales by (dtype_limits with clip_negative): the integer
    /// type's maximum, else 1.
    var exposureScale: Float {
        if case .integer(_, let hi) = self { return Float(hi) }
        return 1
    }
}

extension Invert {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        let body: String
        switch c.stage.inputKind {
        case .integer(let lo, let hi) where lo == 0:
            body =
                "return np.float32(\(DaskStageContext.number(hi))) - x  # skimage.util.invert for \(c.dataType): the dtype's maximum - x"
        case .integer: body = "return np.float32(-1) - x  # skimage.util.invert for a signed type: -1 - x"
        case .mask: body = "return np.float32(1) - x  # skimage.util.invert for a 0/1 mask: 1 - x"
        case .float: body = "return np.float32(1) - x  # skimage.util.invert for floating-point values: 1 - x"
        }
        return DaskStage("skimage.util.invert for what the stage receives (results stay float).", body)
    }
}
