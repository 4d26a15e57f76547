import Foundation

/// Byte counts as users write them: `512MiB`, `4GiB`, `1.5G`, `800M`, `65536`.
public enum ByteSize {
    public static func parse(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let digits = t.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(digits), value >= 0 else { return nil }
        let unit = t.dropFirst(digits.count).lowercased().replacingOccurrences(of: " ", with: "")
        let scale: Double
        switch unit {
        case "", "b": scale = 1
        case "k", "kb", "kib": scale = 1024
        case "m", "mb", "mib": scale = 1024 * 1024
        case "g", "gb", "gib": scale = 1024 * 1024 * 1024
        case "t", "tb", "tib": scale = 1024 * 1024 * 1024 * 1024
        default: return nil
        }
        let bytes = value * scale
        return bytes < Double(Int.max) ? Int(bytes) : nil
    }

    /// 1536 → "1.50 KiB" (`info`); compact: "412 MiB", "1.0 GiB" (the status line).
    public static func describe(_ n: Int, compact: Bool = false) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var v = Double(n), u = 0
        while v >= 1024 && u < units.count - 1 {
            v /= 1024
            u += 1
        }
        if u == 0 { return "\(n) B" }
        if compact { return v >= 10 ? "\(Int(v.rounded())) \(units[u])" : String(format: "%.1f %@", v, units[u]) }
        let r = (v * 100).rounded() / 100
        let whole = Int(r), frac = Int(((r - Double(whole)) * 100).rounded())
        return "\(whole).\(frac < 10 ? "0" : "")\(frac) \(units[u])"
    }
}
