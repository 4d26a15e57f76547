import Foundation

/// A stable colour for every label id: the same id gets the same colour in
/// every run, process and machine, and neighbouring ids look different.
///
/// The rule (documented in docs/RENDERING.md, and re-derived by the tests):
/// - the palette has 256 entries; entry k is the OKLCH colour with hue
///   k·360°/256, lightness 0.62, 0.74 or 0.86 for k mod 3 = 0, 1, 2, and
///   chroma 0.15, lowered in steps of 0.005 until it is inside sRGB, then
///   rounded to 8 bits;
/// - id n takes entry `(n · 0x9E3779B97F4A7C15 mod 2^64) >> 56` (Fibonacci
///   hashing): ids one apart land 158 or 159 entries (~223° of hue) apart.
/// Id 0 is the background and has no colour.
public enum LabelPalette {
    public static let entries: [RGB] = (0..<256).map { k in
        let hue = Double(k) * 2 * Double.pi / 256
        let lightness = [0.62, 0.74, 0.86][k % 3]
        var chroma = 0.15
        while true {
            let (r, g, b) = linearSRGB(oklab: lightness, chroma * cos(hue), chroma * sin(hue))
            if [r, g, b].allSatisfy({ $0 >= 0 && $0 <= 1 }) || chroma <= 0 {
                func byte(_ v: Double) -> UInt8 {
                    let c = min(max(v, 0), 1)
                    let e = c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1 / 2.4) - 0.055
                    return UInt8((e * 255).rounded())
                }
                return RGB(byte(r), byte(g), byte(b))
            }
            chroma -= 0.005
        }
    }

    /// The palette entry of an id (meaningless for id 0, which is not drawn).
    @inline(__always)
    public static func index(of id: UInt64) -> Int { Int((id &* 0x9E37_79B9_7F4A_7C15) >> 56) }

    @inline(__always)
    public static func color(of id: UInt64) -> RGB { entries[index(of: id)] }

    /// OKLab (Björn Ottosson's matrices) to linear sRGB.
    static func linearSRGB(oklab L: Double, _ a: Double, _ b: Double) -> (Double, Double, Double) {
        let l = pow(L + 0.3963377774 * a + 0.2158037573 * b, 3)
        let m = pow(L - 0.1055613458 * a - 0.0638541728 * b, 3)
        let s = pow(L - 0.0894841775 * a - 1.2914855480 * b, 3)
        return (
            4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
            -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
            -0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s
        )
    }
}
