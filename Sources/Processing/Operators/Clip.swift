/// `clip(lo, hi)`: `numpy.clip`.
struct Clip: FilterOperator {
    static let spec = OperatorSpec(
        "clip", [ParameterSpec("lo", .number), ParameterSpec("hi", .number)],
        reference: "numpy.clip(x, lo, hi)", dask: { Clip.dask($0) }
    ) { args, _ in
        let (lo, hi) = (args.number("lo"), args.number("hi"))
        guard lo <= hi else {
            throw PipelineSyntaxError(
                message:
                    "clip: lo must be ≤ hi, found \(PipelineValue.format(lo)) > \(PipelineValue.format(hi)) at column \(args.column("hi"))",
                column: args.column("hi"))
        }
        return Clip(lo: Float(lo), hi: Float(hi))
    }
    let lo: Float, hi: Float
    var halo: Extent { .zero }
    func outputKind(_ input: ValueKind) -> ValueKind { input }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        let (lo, hi) = (lo, hi)
        return input.map { $0 < lo ? lo : ($0 > hi ? hi : $0) }
    }
}

extension Clip {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        DaskStage(
            "numpy.clip(x, lo, hi).",
            "return da.clip(x, np.float32(\(DaskStageContext.number(c.arguments.number("lo")))), np.float32(\(DaskStageContext.number(c.arguments.number("hi")))))"
        )
    }
}
