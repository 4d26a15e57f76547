import Rendering
import Testing
@testable import TUI

/// The answers to the graphics queries come out of the terminal's input whole, and the keys typed
/// around them stay keys, in order (the answers are what kitty, foot and xterm send).
@Suite struct TerminalInputSplitterTests {
    let kitty = Array("\u{1b}_Gi=31;OK\u{1b}\\\u{1b}P>|kitty(0.35.2)\u{1b}\\\u{1b}[6;16;8t\u{1b}[?62;c".utf8)

    @Test func answersAreTakenOutAndKeysKeepTheirOrder() {
        let up = Array("\u{1b}OA".utf8), mouse = Array("\u{1b}[<0;12;5M".utf8), pageDown = Array("\u{1b}[6~".utf8)
        let typed = Array("jé".utf8) + up + kitty.prefix(10) + kitty.dropFirst(10) + pageDown + mouse + [0x1B, 0x71]
        let split = TerminalInputSplitter.split(typed)
        #expect(split.replies == kitty)
        #expect(split.keys == Array("jé".utf8) + up + pageDown + mouse + [0x1B, 0x71])
        #expect(!split.unfinished)
        let replies = TerminalReplies(parsing: split.replies)
        #expect(replies.kittyGraphics && replies.deviceAttributes == [62] && replies.cell == CellSize(8, 16))
        // Keys alone stay as they are; xterm's DA1 and foot's XTVERSION (BEL-terminated too) are answers.
        #expect(TerminalInputSplitter.split(Array("q]]".utf8)) == .init(keys: Array("q]]".utf8)))
        let foot = Array("\u{1b}P>|foot(1.16.2)\u{07}\u{1b}[?62;4;22c".utf8)
        #expect(TerminalInputSplitter.split(foot) == .init(replies: foot))
    }

    /// A read that ends inside a sequence or a character is unfinished: the pump waits for the rest.
    @Test func cutOffSequencesAreUnfinished() {
        for cut in ["\u{1b}", "\u{1b}[", "\u{1b}[?62;", "\u{1b}_Gi=31;OK", "\u{1b}_Gi=31;OK\u{1b}", "\u{1b}O"] {
            let split = TerminalInputSplitter.split(Array(("x" + cut).utf8))
            #expect(split.unfinished && split.keys == Array(("x" + cut).utf8) && split.replies.isEmpty, "\(cut)")
        }
        let e = Array("é".utf8)
        #expect(TerminalInputSplitter.split([0x61, e[0]]) == .init(keys: [0x61, e[0]], unfinished: true))
        // Whole again once the rest has come.
        #expect(!TerminalInputSplitter.split(Array("x\u{1b}[?62;c".utf8)).unfinished)
    }

    /// A deferred query gives the glyph fallback now and the pixel modes once the answer is in.
    @Test func deferredQueryPicksTheModesFromTheAnswer() {
        let setup = GraphicsSetup.resolve(
            requested: "auto", fallback: .half, cellSize: CellSize(7, 14),
            environment: ["TERM": "xterm-256color"], interactive: true, deferQuery: true)
        #expect(setup.mode == .half && setup.pixelModes.isEmpty)
        let query = PendingGraphicsQuery(hint: nil, cellSize: CellSize(7, 14))
        #expect(setup.pendingQuery == query && query.queries == GraphicsDetection.queries)
        #expect(query.pixelModes(answer: TerminalReplies(parsing: kitty)) == [.pixels(.kitty, cell: CellSize(7, 14))])
        let vt340 = TerminalReplies(parsing: Array("\u{1b}[6;17;7t\u{1b}[?63;1;2;4;6c".utf8))
        #expect(
            PendingGraphicsQuery(hint: nil, cellSize: nil).pixelModes(answer: vt340) == [
                .pixels(.sixel, cell: CellSize(7, 17))
            ])
        #expect(query.pixelModes(answer: TerminalReplies(parsing: Array("\u{1b}[?64;1;2c".utf8))).isEmpty)
        // --mode and glyph modes are never deferred.
        #expect(
            GraphicsSetup.resolve(
                requested: "quad", fallback: .half, cellSize: nil, environment: ["TERM": "xterm-256color"],
                interactive: true, deferQuery: true
            ).pendingQuery == nil)
    }
}
