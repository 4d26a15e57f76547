import Rendering

/// The display mode a session starts in, resolved once from `--mode`/`VSTACK_MODE`, the
/// environment and the terminal's answers.
public struct GraphicsSetup: Sendable {
    public var mode: DisplayMode
    /// The pixel modes the terminal showed it speaks (for `r`), best first.
    public var pixelModes: [DisplayMode]
    /// Graphics escapes are wrapped for tmux's passthrough.
    public var tmuxWrap: Bool
    /// Something the user should know (tmux passthrough off), for stderr or the message line.
    public var note: String?
    /// The terminal is still to be asked (`resolve(deferQuery: true)`): `mode` is the glyph mode to
    /// draw in until it answers.
    public var pendingQuery: PendingGraphicsQuery?

    public init(
        mode: DisplayMode, pixelModes: [DisplayMode] = [], tmuxWrap: Bool = false, note: String? = nil,
        pendingQuery: PendingGraphicsQuery? = nil
    ) {
        (self.mode, self.pixelModes, self.tmuxWrap, self.note) = (mode, pixelModes, tmuxWrap, note)
        self.pendingQuery = pendingQuery
    }

    /// - Parameters:
    ///   - requested: `--mode` or `VSTACK_MODE` (`auto`, a glyph mode or a pixel protocol); nil: `fallback`.
    ///   - fallback: the glyph mode when nothing else is chosen (half, or ascii without UTF-8).
    ///   - cellSize: `--cell-size` (else the kernel's, the terminal's answer, then 10x20).
    ///   - interactive: stdin and stdout are a terminal, so it (and tmux) can be asked; otherwise nothing is.
    ///   - deferQuery: `auto` on a terminal outside tmux does not wait for the answer: the setup is
    ///     `fallback` with the query in `pendingQuery`, for the viewer to send (its first frame comes at once).
    public static func resolve(
        requested: String?, fallback: GlyphMode, cellSize: CellSize?, environment env: [String: String],
        interactive: Bool, deferQuery: Bool = false, timeout: Double = 1.0
    ) -> GraphicsSetup {
        let requested = requested?.lowercased()
        if let requested, let g = GlyphMode(rawValue: requested) { return GraphicsSetup(mode: .glyphs(g)) }
        let forced = requested.flatMap(PixelProtocol.init(rawValue:))
        guard forced != nil || requested == "auto" else { return GraphicsSetup(mode: .glyphs(fallback)) }
        let term = env["TERM"] ?? ""
        // Only a terminal is asked, tmux included: a frame for a file or a pipe is never wrapped,
        // and the settings check `ViewCommand` makes before the terminal is taken spawns nothing.
        let tmux = interactive ? TmuxGraphics.current(environment: env) : nil
        var protocols: [PixelProtocol] = []
        var replies = TerminalReplies()
        var note: String?
        if let forced {
            protocols = [forced]
            if let tmux, !tmux.passthrough { note = TmuxGraphics.passthroughHint }
            // The cell size is still worth asking for (a forced mode on a real terminal).
            if cellSize == nil && GraphicsQuery.kernelCellSize() == nil && interactive && term != "dumb" && tmux == nil
            {
                replies = GraphicsQuery.ask(timeout: timeout)
            }
        } else if let tmux {
            if let outer = tmux.outerProtocol {
                if tmux.passthrough { protocols = [outer] } else { note = TmuxGraphics.passthroughHint }
            }
        } else if interactive && !term.isEmpty && term != "dumb" {
            let query = PendingGraphicsQuery(
                hint: GraphicsDetection.hint(env), cellSize: cellSize ?? GraphicsQuery.kernelCellSize())
            if deferQuery { return GraphicsSetup(mode: .glyphs(fallback), pendingQuery: query) }
            let modes = query.pixelModes(answer: GraphicsQuery.ask(timeout: timeout))
            return GraphicsSetup(mode: modes.first ?? .glyphs(fallback), pixelModes: modes)
        }
        guard let first = protocols.first else { return GraphicsSetup(mode: .glyphs(fallback), note: note) }
        let cell = cellSize ?? GraphicsQuery.kernelCellSize() ?? replies.cell ?? .fallback
        let modes = protocols.map { DisplayMode.pixels($0, cell: cell) }
        return GraphicsSetup(
            mode: .pixels(first, cell: cell), pixelModes: modes,
            tmuxWrap: tmux != nil, note: note)
    }
}
