import Testing
@testable import TUI

/// The prompt editor as a value: each key's effect on the text, the cursor and the selection,
/// without a view behind it.
@Suite struct PromptEditorTests {
    private func edited(_ editor: PromptEditor, _ keys: [Key]) -> (PromptEditor, [PromptEditor.Outcome]) {
        var e = editor
        let outcomes = keys.map { e.edit($0) }
        return (e, outcomes)
    }

    private func chars(_ text: String) -> [Key] { text.map { .char($0) } }

    @Test func prefilledTextIsSelectedAndReplacedByTheFirstCharacter() {
        let e = PromptEditor(.goTo, text: "z=")
        #expect(e.cursor == 2 && e.selected && e.label == "go to (e.g. z=120): ")
        let (typed, outcomes) = edited(e, chars("t=5"))
        #expect(typed.text == "t=5" && typed.cursor == 3 && !typed.selected)
        #expect(outcomes == [.editing, .editing, .editing])
        // A key that edits nothing (↑) keeps the selection; Backspace then clears it all.
        let (kept, _) = edited(e, [.up])
        #expect(kept.selected && kept.text == "z=")
        let (cleared, _) = edited(e, [.up, .backspace])
        #expect(cleared.text == "" && cleared.cursor == 0)
        // End (or any move) drops the selection and types after the text.
        let (appended, _) = edited(e, [.end] + chars("7"))
        #expect(appended.text == "z=7")
        #expect(!PromptEditor(.filter).selected && PromptEditor(.filter).cursor == 0)
    }

    @Test func cursorMovesAndDeletesInsideTheText() {
        var (e, _) = edited(PromptEditor(.filter), chars("median(3) x"))
        (e, _) = edited(e, [.home] + chars("y "))
        #expect(e.text == "y median(3) x" && e.cursor == 2)
        (e, _) = edited(e, [.ctrl("e"), .backspace, .left, .left, .left, .backspace])
        #expect(e.text == "y median3) " && e.cursor == 8)
        (e, _) = edited(e, [.right, .right, .right, .right, .right])
        #expect(e.cursor == e.text.count, "→ stops at the end")
        (e, _) = edited(e, [.ctrl("a"), .left, .backspace])
        #expect(e.cursor == 0 && e.text == "y median3) ", "← and Backspace stop at the start")
        (e, _) = edited(e, [.ctrl("u")])
        #expect(e.text == "" && e.cursor == 0)
    }

    @Test func controlWDeletesBackToTheLastSeparator() {
        var (e, _) = edited(PromptEditor(.filter), chars("gaussian(2)|threshold(otsu)"))
        (e, _) = edited(e, [.ctrl("w")])
        #expect(e.text == "gaussian(2)|")
        (e, _) = edited(e, [.ctrl("w")])
        #expect(e.text == "")
        // On a selected pre-filled text it deletes all of it.
        (e, _) = edited(PromptEditor(.filter, text: "a, b"), [.ctrl("w")])
        #expect(e.text == "" && e.cursor == 0)
        // A cursor left beyond a text shortened from outside is brought back before editing.
        var shortened = PromptEditor(.fps, text: "120")
        shortened.text = "1"
        (e, _) = edited(shortened, [.right] + chars("5"))
        #expect(e.text == "15")
    }

    @Test func enterEscapeAndControlCEndTheEdit() {
        let e = PromptEditor(.fps, text: "10")
        #expect(edited(e, [.enter]).1 == [.commit])
        #expect(edited(e, [.escape]).1 == [.cancel])
        #expect(edited(e, [.ctrl("c")]).1 == [.quit])
        #expect(edited(e, chars("5") + [.enter]).0.text == "5")
    }
}
