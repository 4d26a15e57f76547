import ArrayModel

/// A 256-entry colour table mapping normalised intensity 0…1 to RGB.
public struct ColorMap: Sendable, Equatable {
    public let name: String
    public let table: [RGB]

    /// The colour NaN pixels get: a dark crimson no map produces at low values.
    public static let nanColor = RGB(150, 0, 60)

    /// Names in the order `m`/`M` cycle through them.
    public static var names: [String] { ColorMapTables.names }

    public static func named(_ name: String) -> ColorMap? {
        guard let hex = ColorMapTables.hex[name.lowercased()] else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(768)
        var it = hex.utf8.makeIterator()
        func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
        while let hi = it.next(), let lo = it.next() { bytes.append(nibble(hi) << 4 | nibble(lo)) }
        let table = (0..<256).map { RGB(bytes[3 * $0], bytes[3 * $0 + 1], bytes[3 * $0 + 2]) }
        return ColorMap(name: name.lowercased(), table: table)
    }

    public static let gray = ColorMap.named("gray")!

    /// Black to one colour, e.g. a channel's own colour from OME metadata (`0000FF`).
    public static func linear(to c: RGB, name: String) -> ColorMap {
        func ramp(_ v: UInt8, _ i: Int) -> UInt8 { UInt8((Double(v) * Double(i) / 255).rounded()) }
        return ColorMap(name: name, table: (0..<256).map { RGB(ramp(c.r, $0), ramp(c.g, $0), ramp(c.b, $0)) })
    }

    /// The colour for a normalised value (NaN → `nanColor`; clamped to 0…1).
    @inline(__always)
    public func color(_ t: Float) -> RGB {
        if t.isNaN { return ColorMap.nanColor }
        let i = Int(clamping: (min(max(t, 0), 1) * 255).rounded())
        return table[i]
    }
}
