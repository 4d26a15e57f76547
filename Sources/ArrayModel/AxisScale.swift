import Foundation

/// A physical step along one axis: `0.406 µm`, `2 s`.
public struct AxisScale: Sendable, Equatable, CustomStringConvertible {
    public var step: Double
    public var unit: String?
    public init(step: Double, unit: String?) { (self.step, self.unit) = (step, unit) }

    public var description: String {
        let v = step == step.rounded() && abs(step) < 1e9 ? String(Int(step)) : String(format: "%.6g", step)
        guard let symbol = unitSymbol else { return v }
        return v + " " + symbol
    }

    /// The unit as people write it next to a number: OME-NGFF's `micrometer` is `µm`, `second` is `s`.
    public var unitSymbol: String? {
        guard let unit, !unit.isEmpty else { return nil }
        let symbols = [
            "micrometer": "µm", "nanometer": "nm", "millimeter": "mm", "centimeter": "cm", "meter": "m",
            "angstrom": "Å", "picometer": "pm", "second": "s", "millisecond": "ms", "microsecond": "µs",
            "nanosecond": "ns", "minute": "min", "hour": "h",
        ]
        return symbols[unit] ?? unit
    }
}
