import Foundation

/// `invert`: `skimage.util.invert` for what the values are: dtype max − x for unsigned integer
/// data, −1 − x for signed, 1 − x for masks and floating-point values.
struct Invert: FilterOperator {
    static let spec = OperatorSpec("invert", [], reference: "skimage.util.invert(x)") { _, _ in Invert() }
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
