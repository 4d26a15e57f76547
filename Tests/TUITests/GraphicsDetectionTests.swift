import Rendering
import Testing
@testable import TUI

/// Which pixel protocol the answers of real terminals lead to (the byte strings are what
/// kitty, foot, xterm and iTerm2 send back to `GraphicsDetection.queries`).
@Suite struct GraphicsDetectionTests {
    func replies(_ text: String) -> TerminalReplies { TerminalReplies(parsing: Array(text.utf8)) }

    @Test func kittyAnswersEverything() {
        let r = replies("\u{1b}_Gi=31;OK\u{1b}\\\u{1b}P>|kitty(0.35.2)\u{1b}\\\u{1b}[6;16;8t\u{1b}[?62;c")
        #expect(
            r.kittyGraphics && r.version == "kitty(0.35.2)" && r.cell == CellSize(8, 16) && r.deviceAttributes == [62])
        #expect(GraphicsDetection.choose(hint: nil, replies: r) == .kitty)
    }

    @Test func sixelComesFromDA1() {
        #expect(
            GraphicsDetection.choose(hint: nil, replies: replies("\u{1b}P>|foot(1.16.2)\u{1b}\\\u{1b}[?62;4;22c"))
                == .sixel)
        // xterm without -ti vt340: no 4 among the attributes (the first number is the class, not a feature).
        #expect(GraphicsDetection.choose(hint: nil, replies: replies("\u{1b}[?64;1;2;6;9;15;18;21;22c")) == nil)
        #expect(GraphicsDetection.choose(hint: nil, replies: replies("\u{1b}[?4;1c")) == nil)
    }

    @Test func iTermByNameOrHint() {
        #expect(
            GraphicsDetection.choose(hint: nil, replies: replies("\u{1b}P>|iTerm2 3.5.0\u{1b}\\\u{1b}[?62;4c"))
                == .iterm)
        #expect(GraphicsDetection.choose(hint: .iterm, replies: replies("\u{1b}[?62;4c")) == .iterm)
    }

    @Test func silenceAndNoiseGiveNothing() {
        #expect(GraphicsDetection.choose(hint: .kitty, replies: replies("")) == nil)
        // Keys typed meanwhile and a truncated answer are skipped, not misread.
        let r = replies("jjk\u{1b}[A\u{1b}_Gi=31;EINVAL\u{1b}\\\u{1b}[6;0;0t\u{1b}[?6")
        #expect(!r.kittyGraphics && r.cell == nil && r.deviceAttributes == nil)
    }

    @Test func environmentHints() {
        #expect(GraphicsDetection.hint(["TERM": "xterm-kitty"]) == .kitty)
        #expect(GraphicsDetection.hint(["TERM_PROGRAM": "WezTerm"]) == .kitty)
        #expect(GraphicsDetection.hint(["TERM_PROGRAM": "iTerm.app"]) == .iterm)
        #expect(GraphicsDetection.hint(["TERM": "foot-extra"]) == .sixel)
        #expect(GraphicsDetection.hint(["TERM": "xterm-256color"]) == nil)
    }

    @Test func tmuxKnowsTheOuterTerminal() {
        #expect(
            TmuxGraphics(passthrough: true, clientTerm: "xterm-kitty", clientType: "", clientFeatures: "").outerProtocol
                == .kitty)
        #expect(
            TmuxGraphics(
                passthrough: true, clientTerm: "xterm-256color", clientType: "WezTerm 2024", clientFeatures: ""
            ).outerProtocol == .kitty)
        #expect(
            TmuxGraphics(
                passthrough: true, clientTerm: "xterm-256color", clientType: "", clientFeatures: "256,RGB,sixel"
            ).outerProtocol == .sixel)
        #expect(
            TmuxGraphics(passthrough: true, clientTerm: "screen", clientType: "", clientFeatures: "256").outerProtocol
                == nil)
    }

    @Test func glyphModesNeverAsk() {
        let s = GraphicsSetup.resolve(
            requested: "quad", fallback: .half, cellSize: nil, environment: ["TERM": "xterm-kitty"],
            interactive: true)
        #expect(s.mode == .quad && s.pixelModes.isEmpty)
        let forced = GraphicsSetup.resolve(
            requested: "kitty", fallback: .half, cellSize: CellSize(7, 14), environment: [:],
            interactive: false)
        #expect(forced.mode == .pixels(.kitty, cell: CellSize(7, 14)))
    }
}
