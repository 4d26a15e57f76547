/// How much input around the shown region each stage needs. A stage's result
/// is exact up to its halo from an edge of its input that is not the data's
/// edge, so before stage k the input must reach `margins[k]` = the sum of the
/// halos of stages k… beyond the shown region (clamped to the data). Reading
/// `margins[0]` and cropping before each stage gives exactly what filtering
/// the whole plane gives (SPEC §4: no seams at chunk or tile borders).
public struct HaloPlan: Sendable, Equatable {
    public let margins: [Extent]

    public init(_ operators: [FilterOperator]) {
        var m: [Extent] = []
        var sum = Extent.zero
        for op in operators.reversed() {
            sum = sum + op.halo
            m.append(sum)
        }
        margins = m.reversed()
    }

    /// The margin read around the shown region.
    public var total: Extent { margins.first ?? .zero }
}

/// Runs bound operators over a volume read with the plan's margin.
public enum VolumePipeline {
    public struct Result: Sendable {
        /// The shown region only.
        public var volume: FloatVolume
        public var kind: ValueKind
        public var notes: [String]
        public var thresholds: [Double]
    }

    /// - Parameters:
    ///   - input: the data in `inputBox` (data coordinates, inside `limit`).
    ///   - core: the shown region, inside `inputBox`.
    ///   - limit: the data's whole extent: its edges are where reflection is real.
    public static func run(
        _ operators: [FilterOperator], input: FloatVolume, inputBox: Box, core: Box, limit: Box,
        kind: ValueKind, threads: Int
    ) -> Result {
        let plan = HaloPlan(operators)
        var volume = input, box = inputBox, kind = kind
        var notes: [String] = [], thresholds: [Double] = []
        for (k, op) in operators.enumerated() {
            let need = core.grown(by: plan.margins[k], within: limit)
            volume = volume.cropped(to: need.relative(to: box))
            box = need
            let context = OperatorContext(threads: threads, core: core.relative(to: box), kind: kind)
            volume = op.apply(volume, context)
            kind = op.outputKind(kind)
            notes += context.notes
            thresholds += context.thresholds
        }
        return Result(
            volume: volume.cropped(to: core.relative(to: box)), kind: kind, notes: notes, thresholds: thresholds)
    }
}
