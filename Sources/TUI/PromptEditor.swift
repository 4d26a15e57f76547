/// The one-line editor of the viewer's prompts (`g`, `P`, `F`), as a value: the text, where typing
/// goes, and whether the pre-filled text is selected. It edits only; what a committed text does to
/// the view is `ViewState`'s (`ViewState+Prompt.swift`).
public struct PromptEditor: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case goTo, fps, filter
    }

    /// What a key did to the editor.
    public enum Outcome: Equatable, Sendable {
        /// The text or the cursor changed (or nothing did); the prompt stays open.
        case editing
        /// Enter: the prompt closes with `text`.
        case commit
        /// Esc: the prompt closes, nothing changes.
        case cancel
        /// Ctrl-C: the viewer quits, as everywhere else.
        case quit
    }

    public let kind: Kind
    public var text: String
    /// Where typing goes in `text` (a character offset, 0...text.count; Home/End/←/→ move it).
    public var cursor: Int
    /// The pre-filled text is selected: the first character typed (or a deletion) replaces all of it.
    public var selected: Bool

    /// A prompt pre-filled with `text`, the cursor at its end and the text selected (when there is any).
    public init(_ kind: Kind, text: String = "") {
        (self.kind, self.text) = (kind, text)
        cursor = text.count
        selected = !text.isEmpty
    }

    public var label: String {
        switch kind {
        case .goTo: "go to (e.g. z=120): "
        case .fps: "frames per second: "
        case .filter: "filter: "
        }
    }

    /// Feeds one key: text at the cursor, Backspace, Ctrl-U (clear), Ctrl-W (delete a word),
    /// Home/End/←/→ and Ctrl-A/Ctrl-E (move), Enter (commit), Esc (cancel), Ctrl-C (quit).
    /// A key that edits nothing keeps the selection.
    public mutating func edit(_ key: Key) -> Outcome {
        let wasSelected = selected
        selected = false
        cursor = min(max(0, cursor), text.count)
        switch key {
        case .escape: return .cancel
        case .ctrl("c"): return .quit
        case .enter: return .commit
        case .ctrl("u"):
            replace(0..<text.count, with: "")
        case .backspace:
            if wasSelected {
                replace(0..<text.count, with: "")
            } else if cursor > 0 {
                replace((cursor - 1)..<cursor, with: "")
            }
        case .ctrl("w"):
            replace((wasSelected ? 0 : wordStart)..<(wasSelected ? text.count : cursor), with: "")
        case .home, .ctrl("a"):
            cursor = 0
        case .end, .ctrl("e"):
            cursor = text.count
        case .left:
            cursor = max(0, cursor - 1)
        case .right:
            cursor = min(text.count, cursor + 1)
        case .char(let c):
            replace(wasSelected ? 0..<text.count : cursor..<cursor, with: String(c))
        default:
            selected = wasSelected
        }
        return .editing
    }

    /// Where Ctrl-W deletes back to: past separators just before the cursor, then to the previous one.
    var wordStart: Int {
        let characters = Array(text.prefix(cursor))
        let separators: Set<Character> = [" ", ",", "|"]
        var i = characters.count
        while i > 0 && separators.contains(characters[i - 1]) { i -= 1 }
        while i > 0 && !separators.contains(characters[i - 1]) { i -= 1 }
        return i
    }

    /// Replaces characters `range` of the text; the cursor ends after the new text.
    private mutating func replace(_ range: Range<Int>, with new: String) {
        var characters = Array(text)
        characters.replaceSubrange(range, with: Array(new))
        text = String(characters)
        cursor = range.lowerBound + new.count
    }
}
