import Rendering

/// A graphics query the viewer does not wait for: it draws its first frame in glyphs, sends
/// `queries`, and when the answer comes in with the keys (`Terminal.Input.terminalReplies`),
/// switches to the best pixel mode it shows (`ViewerApp.adoptGraphics`).
public struct PendingGraphicsQuery: Equatable, Sendable {
    /// The protocol the environment suggests (TERM, TERM_PROGRAM…), weighed with the answer.
    public var hint: PixelProtocol?
    /// `--cell-size`, else the kernel's; nil: the terminal's answer, else 10x20.
    public var cellSize: CellSize?

    public init(hint: PixelProtocol?, cellSize: CellSize?) { (self.hint, self.cellSize) = (hint, cellSize) }

    public var queries: [UInt8] { GraphicsDetection.queries }

    /// The pixel modes the answer shows the terminal speaks, best first (empty: none).
    public func pixelModes(answer: TerminalReplies) -> [DisplayMode] {
        guard let best = GraphicsDetection.choose(hint: hint, replies: answer) else { return [] }
        let cell = cellSize ?? answer.cell ?? .fallback
        return GraphicsDetection.alternatives(best, replies: answer).map { .pixels($0, cell: cell) }
    }
}
