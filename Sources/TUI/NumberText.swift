import Foundation

/// Numbers as the status line, the probe and the histogram show them: whole
/// numbers in full, fractions with three significant digits, and scientific
/// notation only from 10⁷ up (or for fractions under 10⁻⁴), so that limits
/// read `101..2320` and `0.0123..1.5`.
enum NumberText {
    static func short(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        let magnitude = abs(v)
        if v == v.rounded() && magnitude < 1e15 { return String(Int(v)) }
        if magnitude >= 1e7 || magnitude < 1e-4 { return String(format: "%.3g", v) }
        if magnitude >= 100 { return String(Int(v.rounded())) }
        // Three significant digits after the leading one: 12.3, 1.5, 0.0123.
        let decimals = max(0, 2 - Int(log10(magnitude).rounded(.down)))
        var text = String(format: "%.\(decimals)f", v)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }
}
