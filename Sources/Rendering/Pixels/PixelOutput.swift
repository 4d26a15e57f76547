/// Draws pictures through one pixel protocol: the encoder for it, and the tmux wrapping.
public struct PixelOutput: Sendable {
    public let pixelProtocol: PixelProtocol
    /// Inside tmux: every sequence goes through its passthrough (`TmuxPassthrough`).
    public var tmuxWrap: Bool
    private var kitty = KittyEncoder()

    /// nil for a glyph mode.
    /// - Parameter movesCursor: the cursor ends past the picture (a frame on stdout) rather than where it was.
    /// - Parameter kittyFormat: how kitty pictures travel (PNG unless a benchmark compares).
    public init?(
        mode: DisplayMode, tmuxWrap: Bool = false, movesCursor: Bool = false, kittyFormat: KittyEncoder.Format = .png
    ) {
        guard let p = mode.pixelProtocol else { return nil }
        (pixelProtocol, self.tmuxWrap) = (p, tmuxWrap)
        kitty.movesCursor = movesCursor
        kitty.format = kittyFormat
    }

    /// The sequences that draw `image` at the cursor, scaled to `cells` when given (kitty, iTerm2).
    public func encode(_ image: PixelImage, cells: (columns: Int, rows: Int)? = nil) throws -> [UInt8] {
        let bytes: [UInt8]
        switch pixelProtocol {
        case .kitty: bytes = try kitty.encode(image, cells: cells)
        case .sixel: bytes = SixelEncoder.encode(image)
        case .iterm: bytes = try ITermEncoder().encode(image, cells: cells)
        }
        return wrapped(bytes)
    }

    /// What removes the picture when the viewer leaves or changes mode (kitty keeps images apart
    /// from the text; sixel and iTerm2 pictures are cells, cleared with the screen).
    public func clear() -> [UInt8] {
        pixelProtocol == .kitty ? wrapped(kitty.delete()) : []
    }

    private func wrapped(_ bytes: [UInt8]) -> [UInt8] {
        guard tmuxWrap else { return bytes }
        // kitty's chunks are wrapped one by one: tmux holds a passthrough sequence in memory whole.
        if pixelProtocol == .kitty {
            var out: [UInt8] = []
            var start = 0
            var i = 0
            while i + 1 < bytes.count {
                if bytes[i] == 0x1B && bytes[i + 1] == 0x5C {
                    out += TmuxPassthrough.wrap(Array(bytes[start..<(i + 2)]))
                    start = i + 2
                    i += 2
                } else {
                    i += 1
                }
            }
            return out
        }
        return TmuxPassthrough.wrap(bytes)
    }
}
