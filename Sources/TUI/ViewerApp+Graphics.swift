/// The pixel protocol found while the viewer runs (`--mode auto` on a terminal outside tmux): the
/// first frame is drawn in glyphs at once, and the terminal's answer, read with the keys on the UI
/// thread (`Terminal.read` → `.terminalReplies` → `handle`), switches to its best pixel mode; the
/// loop redraws after any input, so the next frame is in pixels.
extension ViewerApp {
    /// Sends the pending graphics query, if any (before the first frame, after the terminal is raw:
    /// the answer is neither echoed nor taken for keys).
    func sendGraphicsQuery() {
        if let query = graphicsQuery { ScreenWriter.write(query.queries) }
    }

    /// The terminal answered: its pixel modes go first in `r`'s cycle, and the best is shown, as
    /// `ViewCommand` sets them when the answer is waited for. An answer showing none changes nothing.
    func adoptGraphics(_ answer: TerminalReplies) {
        guard let query = graphicsQuery else { return }
        graphicsQuery = nil
        let modes = query.pixelModes(answer: answer)
        guard let best = modes.first else { return }
        state.modes = modes + state.modes.filter { $0.pixelProtocol == nil }
        state.mode = best
    }
}
