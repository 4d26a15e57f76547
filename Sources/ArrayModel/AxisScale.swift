import Foundation

/// A physical step along one axis: `0.406 µm`, `2 s`.
public struct AxisScale: Sendable, Equatable, CustomStringConvertible {
    public var step: Double
    public var unit: String?
    public init(step: Double, unit: String?) { (self.step, self.unit) = (step, unit) }

    public var description: String {
        let v = step == step.rounded() && abs(step) < 1e9 ? String(Int(step)) : String(format: "%.6g", step)
        guard let unit, !unit.isEmpty else { return v }
        return v + " " + unit
    }
}
