import ArrayModel
import Foundation

/// `threshold(value)`, `threshold(otsu)`, `threshold(local, block=N, offset=0)`: a 0/1 mask of x > t.
/// Otsu's t comes from the shown region (SPEC §4), as `skimage.filters.threshold_otsu` would compute
/// it on that region; the local t is `skimage.filters.threshold_local` (gaussian method).
struct Threshold: FilterOperator {
    static let spec = OperatorSpec(
        "threshold",
        [
            ParameterSpec("value", .numberOrWord(["otsu", "local"])),
            ParameterSpec("block", .oddCount, default: .number(35)),
            ParameterSpec("offset", .number, default: .number(0)),
        ],
        reference: "x > t; skimage.filters.threshold_otsu / threshold_local(x, block, offset=offset)"
    ) { args, setup in
        let block = Int(clamping: args.number("block"))
        switch args.word("value") {
        case "otsu": return Threshold(method: .otsu)
        case "local":
            let s = Double(block - 1) / 6
            return Threshold(
                method: .local(Sigma(y: s, x: s).scaled(by: setup.factor), offset: Float(args.number("offset"))))
        default: return Threshold(method: .value(Float(args.number("value"))))
        }
    }

    enum Method { case value(Float), otsu, local(Sigma, offset: Float) }
    let method: Method

    var halo: Extent {
        if case .local(let sigma, _) = method { return sigma.radius }
        return .zero
    }
    func outputKind(_ input: ValueKind) -> ValueKind { .mask }

    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        switch method {
        case .value(let t):
            return input.map { $0 > t ? 1 : 0 }
        case .otsu:
            let t = Otsu.threshold(input.cropped(to: context.core).pixels) ?? .infinity
            context.threshold(Double(t))
            context.note("otsu " + String(format: "%.6g", Double(t)))
            return input.map { $0 > t ? 1 : 0 }
        case .local(let sigma, let offset):
            let local = GaussianKernel.filter(input, sigma: sigma, threads: context.threads)
            return input.combined(with: local) { x, g in x > g - offset ? 1 : 0 }
        }
    }
}
