import Rendering

/// What a terminal answered to `GraphicsDetection.queries`, parsed from the raw bytes it sent back.
public struct TerminalReplies: Equatable, Sendable {
    /// Primary device attributes (`CSI ? Ps ; … c`): every terminal answers, so it ends the wait.
    public var deviceAttributes: [Int]?
    /// kitty's answer to the `a=q` query image (`ESC _ G i=31;OK ESC \`).
    public var kittyGraphics = false
    /// XTVERSION (`ESC P > | name version ESC \`), e.g. `kitty(0.35.2)`, `WezTerm 20240203`, `foot(1.16.2)`.
    public var version: String?
    /// The cell size in pixels (`CSI 6 ; height ; width t`, the answer to `CSI 16 t`).
    public var cell: CellSize?

    public init() {}

    /// Whether DA1 lists 4 (sixel graphics).
    public var sixel: Bool { deviceAttributes?.dropFirst().contains(4) ?? false }

    /// Parses everything recognisable in `bytes`; other bytes (keys typed meanwhile) are skipped.
    public init(parsing bytes: [UInt8]) {
        var i = 0
        func terminated(from start: Int) -> (body: ArraySlice<UInt8>, next: Int)? {
            // A string sequence ends with ST (ESC \) or BEL.
            var j = start
            while j < bytes.count {
                if bytes[j] == 0x07 { return (bytes[start..<j], j + 1) }
                if bytes[j] == 0x1B && j + 1 < bytes.count && bytes[j + 1] == 0x5C { return (bytes[start..<j], j + 2) }
                j += 1
            }
            return nil
        }
        while i + 1 < bytes.count {
            guard bytes[i] == 0x1B else {
                i += 1
                continue
            }
            switch bytes[i + 1] {
            case 0x5B:  // CSI
                var j = i + 2
                while j < bytes.count && !(0x40...0x7E).contains(bytes[j]) { j += 1 }
                guard j < bytes.count else { return }
                let params = String(decoding: bytes[(i + 2)..<j], as: UTF8.self)
                let final = bytes[j]
                if final == 0x63 && params.hasPrefix("?") {  // c
                    deviceAttributes = params.dropFirst().split(separator: ";").compactMap { Int($0) }
                } else if final == 0x74 {  // t
                    let v = params.split(separator: ";").compactMap { Int($0) }
                    if v.count == 3 && v[0] == 6 && v[1] > 0 && v[2] > 0 && v[1] <= 512 && v[2] <= 512 {
                        cell = CellSize(v[2], v[1])
                    }
                }
                i = j + 1
            case 0x5F:  // APC: kitty graphics
                guard let (body, next) = terminated(from: i + 2) else { return }
                let text = String(decoding: body, as: UTF8.self)
                if text.hasPrefix("G"), text.contains("i=\(GraphicsDetection.kittyQueryID)"), text.hasSuffix(";OK") {
                    kittyGraphics = true
                }
                i = next
            case 0x50:  // DCS: XTVERSION
                guard let (body, next) = terminated(from: i + 2) else { return }
                if body.starts(with: [0x3E, 0x7C]) { version = String(decoding: body.dropFirst(2), as: UTF8.self) }
                i = next
            default:
                i += 1
            }
        }
    }
}
