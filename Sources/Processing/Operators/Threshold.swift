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
        reference: "x > t; skimage.filters.threshold_otsu / threshold_local(x, block, offset=offset)",
        dask: { Threshold.dask($0) }
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

extension Threshold {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        let a = c.arguments
        switch a.word("value") {
        case "otsu":
            return DaskStage(
                """
                x > skimage.filters.threshold_otsu(p), as 0/1, for each plane p.
                    vstack takes Otsu's threshold from the region it shows, and `vstack export`
                    shows a whole plane: so the threshold is computed here plane by plane (256 bins,
                    on float32, as vstack does), not over the whole dataset.
                """,
                """
                def otsu_mask(plane):
                    if plane.min() == plane.max():
                        return 0  # no threshold: nothing above it
                    return plane > skimage.filters.threshold_otsu(plane, nbins=256)

                return plane_axes(x).map_blocks(lambda block: on_slices(block, otsu_mask, (ROW_AXIS, COL_AXIS), \(c.maskType)), dtype=\(c.maskType))
                """, modules: [.daskImageFilters, .skimageFilters])
        case "local":
            let block = Int(a.number("block"))
            return DaskStage(
                "x > skimage.filters.threshold_local(p, block, offset=offset) on each plane p,\n    as 0/1; dask-image's threshold_local (gaussian of sigma (block - 1) / 6, reflect).",
                """
                threshold = ndfilters.threshold_local(x, per_axis(x.ndim, rows=\(block), cols=\(block), fill=1), method="gaussian",
                                                      offset=\(DaskStageContext.number(a.number("offset"))), mode="reflect")
                return (x > threshold).astype(\(c.maskType))
                """, modules: [.daskImageFilters])
        default:
            // dask-image is imported for every threshold, as the script always has.
            return DaskStage(
                "x > t, as 0/1.",
                "return (x > np.float32(\(DaskStageContext.number(a.number("value"))))).astype(\(c.maskType))",
                modules: [.daskImageFilters])
        }
    }
}
