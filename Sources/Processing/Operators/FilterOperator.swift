/// One processing operator bound to its arguments (SPEC §4). It declares the
/// margin of input it needs around each output pixel and maps a volume to a
/// volume of the same size; the volume's edges are treated as the data's
/// edges, and the pipeline crops away what that makes inexact (`HaloPlan`).
public protocol FilterOperator: Sendable {
    /// Input needed around each output pixel along (z, y, x), at the working resolution.
    var halo: Extent { get }
    /// What the output holds when the input holds `input`.
    func outputKind(_ input: ValueKind) -> ValueKind
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume
    /// Rough operations per pixel, for the work bound (`PlaneFilter.maxWork`).
    var workPerPixel: Double { get }
}

extension FilterOperator {
    public func outputKind(_ input: ValueKind) -> ValueKind { .float }
    /// A separable kernel as wide as the halo along each axis that has one (what most operators are).
    public var workPerPixel: Double { 2 + halo.separableTaps }
}

extension Extent {
    /// Taps of a separable kernel of this radius: 2r+1 along each axis with r > 0.
    var separableTaps: Double {
        var taps = 0.0
        for r in [z, y, x] where r > 0 { taps += 2 * Double(r) + 1 }
        return taps
    }
}

/// What a stage's values are: it decides the point operations' ranges and
/// whether a result is written as a 0/1 mask.
public enum ValueKind: Sendable, Equatable {
    /// Samples of an integer data type, with its range (e.g. 0…65535).
    case integer(min: Double, max: Double)
    /// 0/1 from a threshold (and morphology on it).
    case mask
    /// Anything else: floating-point data or a filter's result.
    case float
}

/// What an operator is told besides its input.
/// Thread contract: filled in by the pipeline before a stage runs and only read while the
/// stage's threads run (`tupleOrder` and `factor` change between stages, on the pipeline's thread).
public final class OperatorContext: @unchecked Sendable {
    /// Cores the operator may use.
    public let threads: Int
    /// The part of the input that is shown (statistics such as Otsu's come from it, SPEC §4).
    public let core: Box
    /// What the input holds.
    public let kind: ValueKind
    /// Values the operator computed that the user may want to see, e.g. `otsu 1234.5`.
    public private(set) var notes: [String] = []
    /// Threshold values chosen from the data, in stage order.
    public private(set) var thresholds: [Double] = []

    public init(threads: Int, core: Box, kind: ValueKind) {
        (self.threads, self.core, self.kind) = (threads, core, kind)
    }

    func note(_ text: String) { notes.append(text) }
    func threshold(_ value: Double) { thresholds.append(value) }
}

/// How a stage binds: axis order for tuples, and the working resolution's factor.
public struct OperatorSetup: Sendable {
    /// For each of (depth, rows, columns), which element of a (z, y, x) tuple applies.
    public var tupleOrder: [Int]
    /// Working pixels are `factor`×`factor` data pixels: spatial parameters in y and x are divided by it.
    public var factor: Double

    public init(tupleOrder: [Int] = [0, 1, 2], factor: Double = 1) {
        (self.tupleOrder, self.factor) = (tupleOrder, factor)
    }

    /// The tuple order for a view whose rows, columns and depth axes have these names:
    /// a (z, y, x) tuple follows the names when they are z, y and x, else (depth, rows, columns).
    public static func order(rows: String, columns: String, depth: String?) -> [Int] {
        let zyx = ["z", "y", "x"]
        guard let r = zyx.firstIndex(of: rows), let c = zyx.firstIndex(of: columns), r != c else { return [0, 1, 2] }
        let d = depth.flatMap { zyx.firstIndex(of: $0) } ?? (3 - r - c)
        guard d != r && d != c else { return [0, 1, 2] }
        return [d, r, c]
    }
}
