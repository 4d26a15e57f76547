import Foundation

/// What a key does in the viewer.
public enum Action: Hashable, Sendable {
    /// Pan by a fraction of the visible extent (rows, columns); large steps move further.
    case pan(dy: Int, dx: Int, large: Bool)
    case zoomIn, zoomOut, zoomFit, zoomOneToOne
    /// Step the scrub axis (`[`/`]`) or the time axis (`{`/`}`).
    case stepScrub(Int)
    case stepTime(Int)
    /// Which non-displayed axis `[`/`]` moves.
    case cycleScrubAxis(Int)
    case firstIndex, lastIndex
    case goToPrompt
    case nextChannel, toggleComposite
    case cycleColorMap(Int)
    case autoContrast
    case adjustHigh(Int), adjustLow(Int)
    case playPause, cyclePlayAxis, fpsPrompt
    case cycleDisplayedAxes, cycleDownsample, cycleRenderMode
    /// Save the view as a PNG figure at data resolution.
    case saveFigure
    case filterPrompt
    case toggleStage(Int)
    /// Step the first number of the last stage that is on (σ, size) down or up.
    case adjustFilter(Int)
    case probeCursor
    /// Labels: the next label image (then none), fill ↔ outline, opacity down/up.
    case cycleLabels, toggleLabelStyle
    case adjustLabelOpacity(Int)
    /// The info panel's histogram: linear ↔ log counts.
    case toggleInfo, toggleHistogramScale, help
    case quit
}

/// One row of the key table: the keys, what they do, and the help text.
public struct Binding: Sendable {
    public let keys: [Key]
    public let action: Action
    public let help: String
    /// How the keys are written when listing each would be long (`1–9`).
    public let label: String?

    public var keysLabel: String { label ?? keys.map(\.description).joined(separator: " ") }
}

/// The viewer's keys: one table drives input, the `?` overlay and the README.
public enum KeyMap {
    public static let bindings: [Binding] = {
        func b(_ keys: [Key], _ action: Action, _ help: String, _ label: String? = nil) -> Binding {
            Binding(keys: keys, action: action, help: help, label: label)
        }
        func c(_ s: String) -> [Key] { s.map { .char($0) } }
        return [
            b([.up, .char("k")], .pan(dy: -1, dx: 0, large: false), "pan up"),
            b([.down, .char("j")], .pan(dy: 1, dx: 0, large: false), "pan down"),
            b([.left, .char("h")], .pan(dy: 0, dx: -1, large: false), "pan left"),
            b([.right, .char("l")], .pan(dy: 0, dx: 1, large: false), "pan right"),
            b([.shiftUp, .char("K")], .pan(dy: -1, dx: 0, large: true), "pan up, large step"),
            b([.shiftDown, .char("J")], .pan(dy: 1, dx: 0, large: true), "pan down, large step"),
            b([.shiftLeft, .char("H")], .pan(dy: 0, dx: -1, large: true), "pan left, large step"),
            b([.shiftRight], .pan(dy: 0, dx: 1, large: true), "pan right, large step (L is labels)"),
            b(c("+"), .zoomIn, "zoom in"),
            b(c("-"), .zoomOut, "zoom out"),
            b(c("0"), .zoomFit, "fit the plane to the window"),
            b(c("1="), .zoomOneToOne, "1:1, one data pixel per half-cell pixel (1 is stage 1 once filters are on)"),
            b([.char("]"), .pageDown], .stepScrub(1), "next z (or the selected axis)"),
            b([.char("["), .pageUp], .stepScrub(-1), "previous z (or the selected axis)"),
            b(c("}"), .stepTime(1), "next t"),
            b(c("{"), .stepTime(-1), "previous t"),
            b(c(">"), .cycleScrubAxis(1), "select the next axis for [ ]"),
            b(c("<"), .cycleScrubAxis(-1), "select the previous axis for [ ]"),
            b([.home], .firstIndex, "first index of the selected axis"),
            b([.end], .lastIndex, "last index of the selected axis"),
            b(c("g"), .goToPrompt, "go to an index (z=120)"),
            b(c("c"), .nextChannel, "next channel"),
            b(c("C"), .toggleComposite, "composite of all channels on/off"),
            b(c("m"), .cycleColorMap(1), "next colour map"),
            b(c("M"), .cycleColorMap(-1), "previous colour map"),
            b(c("a"), .autoContrast, "auto contrast"),
            b(c("."), .adjustHigh(1), "raise the high contrast limit"),
            b(c(","), .adjustHigh(-1), "lower the high contrast limit"),
            b(c("'"), .adjustLow(1), "raise the low contrast limit"),
            b(c(";"), .adjustLow(-1), "lower the low contrast limit"),
            b(c(" "), .playPause, "play/pause along t (or z)"),
            b(c("p"), .cyclePlayAxis, "change the play axis"),
            b(c("f"), .fpsPrompt, "frames per second"),
            b(c("o"), .cycleDisplayedAxes, "orthogonal view: yx → zx → zy"),
            b(c("d"), .cycleDownsample, "downsampling: mean → max → nearest"),
            b(
                c("r"), .cycleRenderMode,
                "display: pixels (kitty, sixel, iTerm2, when the terminal shows them) → half → quad → braille → ascii"),
            b(c("s"), .saveFigure, "save the view as a PNG at data resolution (named after the dataset and position)"),
            b(c("F"), .filterPrompt, "filter pipeline prompt"),
            b(c("123456789"), .toggleStage(0), "toggle filter pipeline stage 1–9", "1–9"),
            b(c("("), .adjustFilter(-1), "decrease the last stage's first number (σ, size)"),
            b(c(")"), .adjustFilter(1), "increase the last stage's first number (σ, size)"),
            b(
                c("x"), .probeCursor,
                "probe cursor (the value under it on the message line; the arrows move it, x or Esc leaves)"),
            b(c("L"), .cycleLabels, "labels: the next label image, then none"),
            b(c("b"), .toggleLabelStyle, "labels: filled objects or borders only"),
            b(c("v"), .adjustLabelOpacity(-1), "labels: more transparent"),
            b(c("V"), .adjustLabelOpacity(1), "labels: more opaque"),
            b(c("i"), .toggleInfo, "side panel: metadata, histogram, cache"),
            b(c("G"), .toggleHistogramScale, "side panel histogram: linear or log counts"),
            b(c("?"), .help, "this help"),
            b([.char("q"), .ctrl("c")], .quit, "quit"),
        ]
    }()

    private static let table: [Key: Action] = {
        var t: [Key: Action] = [:]
        for binding in bindings {
            for key in binding.keys {
                if case .toggleStage = binding.action, case .char(let ch) = key, let n = ch.wholeNumberValue {
                    if n != 1 { t[key] = .toggleStage(n) }  // `1` is 1:1 until filters are on
                } else {
                    t[key] = binding.action
                }
            }
        }
        return t
    }()

    /// The action of a key; `1` toggles stage 1 instead of 1:1 when a pipeline has stages.
    public static func action(for key: Key, pipelineStages: Int = 0) -> Action? {
        if key == .char("1") && pipelineStages > 0 { return .toggleStage(1) }
        return table[key]
    }

    /// The help overlay's lines: keys, padded, then the action.
    /// - Parameter ascii: keys spelled for a terminal without Unicode (`Left`, not `<`, which is a key).
    public static func helpLines(ascii: Bool = false) -> [String] {
        let rows = bindings.map { (ascii ? spelledOut($0.keysLabel) : $0.keysLabel, $0.help) }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
    }

    /// Arrow glyphs as words: `Shift-←` → `Shift-Left`.
    static func spelledOut(_ keys: String) -> String {
        keys.replacingOccurrences(of: "\u{2191}", with: "Up").replacingOccurrences(of: "\u{2193}", with: "Down")
            .replacingOccurrences(of: "\u{2190}", with: "Left").replacingOccurrences(of: "\u{2192}", with: "Right")
    }

    /// The same table as Markdown, for the README (a test keeps the two equal).
    public static func markdownTable() -> String {
        var out = "| keys | action |\n|---|---|\n"
        for b in bindings {
            let keys = b.label.map { "`\($0)`" } ?? b.keys.map { "`\($0.description)`" }.joined(separator: " ")
            out += "| \(keys) | \(b.help) |\n"
        }
        return out
    }
}
