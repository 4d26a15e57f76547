/// How many colours the terminal shows (SPEC §5).
public enum ColorDepth: String, Sendable, CaseIterable {
    case truecolor
    case palette256 = "256"
    case palette16 = "16"
    case none

    /// SPEC §1: `--color` wins, then VSTACK_COLOR, then COLORTERM=truecolor/24bit,
    /// then the terminal's colour count (TERM unset: 256, for files; TERM=dumb: none).
    public static func detect(option: String?, environment: [String: String], terminfoColors: Int?) throws -> ColorDepth
    {
        for source in [option, environment["VSTACK_COLOR"]] {
            if let s = source?.lowercased(), !s.isEmpty {
                if let d = parse(s) { return d }
                throw RenderError("--color '\(s)': expected truecolor, 256, 16 or none")
            }
        }
        let colorterm = (environment["COLORTERM"] ?? "").lowercased()
        if colorterm == "truecolor" || colorterm == "24bit" { return .truecolor }
        guard let term = environment["TERM"], !term.isEmpty else { return .palette256 }
        if term == "dumb" { return .none }
        switch terminfoColors ?? 8 {
        case 16_777_216...: return .truecolor
        case 256...: return .palette256
        case 8...: return .palette16
        default: return .none
        }
    }

    public static func parse(_ s: String) -> ColorDepth? {
        switch s.lowercased() {
        case "truecolor", "24bit", "direct": .truecolor
        case "256": .palette256
        case "16", "8": .palette16
        case "none", "mono", "0": ColorDepth.none
        default: nil
        }
    }

    /// The colour as this depth shows it.
    public func quantize(_ c: RGB) -> TermColor {
        switch self {
        case .truecolor: .rgb(c)
        case .palette256: .index(Palette.nearest256(c))
        case .palette16: .index(Palette.nearest16(c))
        case .none: .default
        }
    }
}

/// A colour as sent to the terminal.
public enum TermColor: Hashable, Sendable {
    case `default`
    case index(UInt8)
    case rgb(RGB)

    /// The colour a terminal with the xterm default palette shows.
    public var rgbValue: RGB? {
        switch self {
        case .default: nil
        case .rgb(let c): c
        case .index(let i): Palette.xterm256[Int(i)]
        }
    }
}

/// The xterm 256-colour palette and nearest-colour searches.
public enum Palette {
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// The 16 system colours as xterm shows them, then the 6×6×6 cube, then 24 grays.
    public static let xterm256: [RGB] = {
        let system: [RGB] = [
            RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0), RGB(0, 0, 238), RGB(205, 0, 205),
            RGB(0, 205, 205), RGB(229, 229, 229),
            RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0), RGB(92, 92, 255), RGB(255, 0, 255),
            RGB(0, 255, 255), RGB(255, 255, 255),
        ]
        var all = system
        for r in 0..<6 {
            for g in 0..<6 {
                for b in 0..<6 {
                    all.append(RGB(UInt8(cubeLevels[r]), UInt8(cubeLevels[g]), UInt8(cubeLevels[b])))
                }
            }
        }
        for i in 0..<24 {
            let v = UInt8(8 + 10 * i)
            all.append(RGB(v, v, v))
        }
        return all
    }()

    /// Nearest of the cube (16–231) and the gray ramp (232–255); the system
    /// colours are skipped because terminals theme them.
    public static func nearest256(_ c: RGB) -> UInt8 {
        func level(_ v: UInt8) -> Int {
            // Index of the nearest cube level.
            let v = Int(v)
            if v < 48 { return 0 }
            if v < 115 { return 1 }
            return min(5, (v - 35) / 40)
        }
        let (ri, gi, bi) = (level(c.r), level(c.g), level(c.b))
        let cube = 16 + 36 * ri + 6 * gi + bi
        let mean = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let grayIndex = mean < 8 ? 0 : min(23, (mean - 8 + 5) / 10)
        let gray = 232 + grayIndex
        return c.distance2(xterm256[gray]) < c.distance2(xterm256[cube]) ? UInt8(gray) : UInt8(cube)
    }

    public static func nearest16(_ c: RGB) -> UInt8 {
        var best = 0, bestD = Int.max
        for i in 0..<16 {
            let d = c.distance2(xterm256[i])
            if d < bestD { (best, bestD) = (i, d) }
        }
        return UInt8(best)
    }
}

public struct RenderError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
