import ArrayModel
import Processing

/// The prompts (`g`, `P`, `F`) as transitions of the view: opening one pre-fills the editor
/// (`PromptEditor`), and Enter applies its text: a position, a frame rate or a filter pipeline.
extension ViewState {
    mutating func openPrompt(_ kind: PromptEditor.Kind) {
        switch kind {
        case .goTo: prompt = PromptEditor(kind, text: "\(selection.axisNames[scrubAxis])=")
        case .fps: prompt = PromptEditor(kind, text: NumberText.short(fps))
        case .filter:
            prompt = PromptEditor(kind, text: rejectedFilter?.text ?? pipeline?.text ?? "")
            // A refused pipeline reopens with the cursor where its error is.
            if let rejected = rejectedFilter {
                prompt!.cursor = min(max(0, rejected.column - 1), prompt!.text.count)
                prompt!.selected = false
            }
        }
    }

    /// Feeds a key to the open prompt (`PromptEditor.edit`); Enter applies the text, Esc closes
    /// the prompt, Ctrl-C quits.
    public mutating func type(_ key: Key, pane: Pane) {
        guard var editor = prompt else { return }
        let outcome = editor.edit(key)
        prompt = outcome == .editing ? editor : nil
        switch outcome {
        case .editing, .cancel: break
        case .quit: quit = true
        case .commit:
            commit(editor.kind, editor.text)
            fitRegion(pane)
        }
    }

    private mutating func commit(_ kind: PromptEditor.Kind, _ text: String) {
        switch kind {
        case .goTo:
            // All or nothing, each axis once (as --at): `z=1,z=2` moves nothing.
            let names = selection.axisNames
            var moves: [Int: Int] = [:]
            for item in text.split(separator: ",") {
                let kv = item.split(separator: "=", maxSplits: 1).map { String($0).trimmedSpaces }
                let (name, value) = kv.count == 2 ? (kv[0], kv[1]) : (names[scrubAxis], kv.first ?? "")
                guard let axis = names.firstIndex(of: name) ?? Int(name), isFree(axis) || axis == channelAxis else {
                    message = "go to: no axis '\(name)' to move"
                    return
                }
                guard moves[axis] == nil else {
                    message = "go to: axis \(names[axis]) is given twice"
                    return
                }
                guard let typed = Int(value) else {
                    message = "go to: \(name)=\(value) is not a number"
                    return
                }
                let i = typed - indexBase
                guard i >= 0, i < shape[axis] else {
                    message = "go to: \(name)=\(value) is outside \(indexBase)..\(shape[axis] - 1 + indexBase)"
                    return
                }
                moves[axis] = i
            }
            for (axis, i) in moves { selection.indices[axis] = i }
        case .fps:
            guard let v = Double(text.trimmedSpaces), v.isFinite else {
                message = "frames per second: '\(text)' is not a number"
                return
            }
            guard v > 0, v <= 240 else {
                message = "frames per second: \(text.trimmedSpaces) is outside (0, 240]"
                return
            }
            fps = v
        case .filter:
            rejectedFilter = nil
            if text.trimmedSpaces.isEmpty {
                pipeline = nil
                message = "filters off"
                return
            }
            do {
                pipeline = try Pipeline(text)
            } catch let e as PipelineSyntaxError {
                rejectedFilter = RejectedFilter(text: text, column: e.column)
                message = "filter: \(e.message) (F to fix it)"
            } catch {
                rejectedFilter = RejectedFilter(text: text, column: text.count + 1)
                message = ErrorLine.text(error, context: "filter") + " (F to fix it)"
            }
        }
    }
}
