import Foundation
import Testing
import Formats
import Rendering
@testable import TUI

/// The synthetic dataset's geometry without generating anything.
func demoState() throws -> ViewState {
    let meta = ArrayMetadata(
        format: "test", location: "test:", shape: [3, 199, 201, 1024, 768], dataType: .uint16,
        chunkShape: [1, 1, 1, 256, 256], fillValue: .zero, axisNames: ["c", "t", "z", "y", "x"], codecs: [])
    return ViewState(selection: try PlaneSelection(meta), shape: meta.shape)
}

let pane = ViewState.Pane(columns: 120, rows: 38)

@Suite struct KeyMapTests {
    @Test func everyBindingIsReachableAndKeysAreUnique() {
        var seen: [Key: String] = [:]
        for b in KeyMap.bindings {
            for k in b.keys {
                #expect(seen[k] == nil || k == .char("1"), "\(k) bound twice: \(seen[k] ?? "") and \(b.help)")
                seen[k] = b.help
                if case .toggleStage = b.action { continue }
                #expect(KeyMap.action(for: k) == b.action, "\(k)")
            }
        }
    }

    @Test func digitOneIsOneToOneUntilFiltersExist() {
        #expect(KeyMap.action(for: .char("1")) == .zoomOneToOne)
        #expect(KeyMap.action(for: .char("1"), pipelineStages: 2) == .toggleStage(1))
        #expect(KeyMap.action(for: .char("7")) == .toggleStage(7))
        #expect(KeyMap.action(for: .char("Z")) == nil)
    }

    @Test func helpListsEveryKeyOnce() {
        let lines = KeyMap.helpLines()
        #expect(lines.count == KeyMap.bindings.count)
        #expect(lines.contains { $0.hasPrefix("q Ctrl-C") && $0.hasSuffix("quit") })
        #expect(lines.contains { $0.hasPrefix("] PgDn") })
    }

    /// The README's key table is the one in code.
    @Test func readmeHasTheKeyTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(KeyMap.markdownTable()), "paste KeyMap.markdownTable() into README.md")
    }
}

@Suite struct ViewStateTests {
    @Test func startsInTheMiddleScrubbingZ() throws {
        var s = try demoState()
        s.fitRegion(pane)
        #expect(s.selection.indices == [1, 99, 100, 512, 384])
        #expect(s.scrubAxis == 2 && s.playAxis == 1 && s.channelAxis == 0)
        #expect(s.selection.rows == 0..<1024 && s.selection.columns == 0..<768)
    }

    @Test func scrubbingClampsAtTheEnds() throws {
        var s = try demoState()
        for _ in 0..<5 { s.apply(.stepScrub(1), pane: pane) }
        #expect(s.selection.indices[2] == 105)
        s.apply(.stepTime(1), pane: pane)
        #expect(s.selection.indices[1] == 100)
        s.apply(.lastIndex, pane: pane)
        s.apply(.stepScrub(1), pane: pane)
        #expect(s.selection.indices[2] == 200)
        s.apply(.firstIndex, pane: pane)
        s.apply(.stepScrub(-3), pane: pane)
        #expect(s.selection.indices[2] == 0)
        s.apply(.cycleScrubAxis(1), pane: pane)
        #expect(s.scrubAxis == 1 && s.message == "[ ] move t")
    }

    @Test func zoomAndPanStayInsideThePlane() throws {
        var s = try demoState()
        s.apply(.zoomOneToOne, pane: pane)
        // 1:1 → 120 columns and 76 half-cell rows of data, centred.
        #expect(s.selection.columns.count == 120 && s.selection.rows.count == 76)
        #expect(s.selection.rows.lowerBound == 512 - 38)
        s.apply(.zoomIn, pane: pane)
        #expect(s.selection.columns.count == 60)
        for _ in 0..<100 { s.apply(.pan(dy: 0, dx: 1, large: true), pane: pane) }
        #expect(s.selection.columns.upperBound == 768)
        for _ in 0..<300 { s.apply(.pan(dy: -1, dx: 0, large: false), pane: pane) }
        #expect(s.selection.rows.lowerBound == 0)
        s.apply(.zoomFit, pane: pane)
        #expect(s.selection.rows == 0..<1024 && s.scale == nil)
        s.apply(.zoomOut, pane: pane)
        #expect(s.scale == nil, "fit is the widest view")
    }

    @Test func channelsColourMapsAndContrast() throws {
        var s = try demoState()
        s.apply(.nextChannel, pane: pane)
        #expect(s.selection.indices[0] == 2)
        s.apply(.nextChannel, pane: pane)
        #expect(s.selection.indices[0] == 0)
        s.apply(.toggleComposite, pane: pane)
        #expect(s.composite)
        s.apply(.cycleColorMap(1), pane: pane)
        #expect(s.colorMapName != "gray" && ColorMap.named(s.colorMapName) != nil)
        s.apply(.cycleColorMap(-1), pane: pane)
        #expect(s.colorMapName == "gray")
        s.apply(.adjustHigh(1), pane: pane)
        #expect(s.limits == nil && s.message == "no contrast yet")
        s.lastAutoLimits = RenderSettings.Limits(100, 1100)
        s.apply(.adjustHigh(-1), pane: pane)
        #expect(s.limits == RenderSettings.Limits(100, 1050))
        s.apply(.adjustLow(1), pane: pane)
        #expect(s.limits == RenderSettings.Limits(147.5, 1050))
        s.apply(.autoContrast, pane: pane)
        #expect(s.limits == nil)
    }

    @Test func orthogonalViewsCycle() throws {
        var s = try demoState()
        s.apply(.cycleDisplayedAxes, pane: pane)
        #expect((s.selection.rowAxis, s.selection.columnAxis) == (2, 4) && s.scrubAxis == 3)
        #expect(s.selection.indices[3] == 512, "y keeps the position the view was centred on")
        s.apply(.cycleDisplayedAxes, pane: pane)
        #expect((s.selection.rowAxis, s.selection.columnAxis) == (2, 3) && s.scrubAxis == 4)
        s.apply(.cycleDisplayedAxes, pane: pane)
        #expect((s.selection.rowAxis, s.selection.columnAxis) == (3, 4) && s.scrubAxis == 2)
    }

    /// `g z=48` then `o o o`: back in the yx view at z 48 (not the zx view's middle, 100).
    @Test func orthogonalViewsKeepThePlanePosition() throws {
        var s = try demoState()
        s.fitRegion(pane)
        s.apply(.goToPrompt, pane: pane)
        for c in "z=48" { s.type(.char(c), pane: pane) }
        s.type(.enter, pane: pane)
        let home = s
        for _ in 0..<3 { s.apply(.cycleDisplayedAxes, pane: pane) }
        #expect(s.selection.indices == home.selection.indices, "\(s.selection.indices)")
        #expect(s.selection.rows == home.selection.rows && s.selection.columns == home.selection.columns)
        #expect(s.scale == nil && s.scrubAxis == 2)
    }

    /// A zoomed view comes back with its region; the slices between are taken at its centre; an
    /// axis moved in another view re-centres the region on its new index.
    @Test func orthogonalViewsRestoreTheRegion() throws {
        var s = try demoState()
        s.fitRegion(pane)
        s.apply(.zoomIn, pane: pane)
        s.apply(.zoomIn, pane: pane)
        s.apply(.pan(dy: 1, dx: -1, large: true), pane: pane)
        let zoomed = s
        let (cy, cx) = (Int(zoomed.centre.y), Int(zoomed.centre.x))
        s.apply(.cycleDisplayedAxes, pane: pane)  // zx at y = the centre's row
        #expect(s.selection.indices[3] == cy && s.selection.indices[2] == 100)
        s.apply(.cycleDisplayedAxes, pane: pane)  // zy at x = the centre's column (zx was shown whole)
        #expect(s.selection.indices[4] == cx && s.selection.indices[3] == cy)
        s.apply(.cycleDisplayedAxes, pane: pane)
        #expect(s.selection.rows == zoomed.selection.rows && s.selection.columns == zoomed.selection.columns)
        #expect(s.selection.indices[0...2] == zoomed.selection.indices[0...2])
        #expect(s.scale == zoomed.scale && s.centre == zoomed.centre)
        // y moved (scrubbed in the zx view): the yx region comes back centred on the new row.
        s.apply(.cycleDisplayedAxes, pane: pane)
        #expect(s.scrubAxis == 3)
        s.apply(.stepScrub(40), pane: pane)
        s.apply(.cycleDisplayedAxes, pane: pane)
        s.apply(.cycleDisplayedAxes, pane: pane)
        #expect(s.selection.rows.count == zoomed.selection.rows.count && s.scale == zoomed.scale)
        #expect(s.selection.rows.contains(cy + 40) && abs(s.centre.y - Double(cy + 40) - 0.5) < 1)
        #expect(s.selection.columns == zoomed.selection.columns)
    }

    @Test func promptsParseOrExplain() throws {
        var s = try demoState()
        s.apply(.goToPrompt, pane: pane)
        #expect(s.prompt?.kind == .goTo && s.prompt?.text == "z=")
        for c in "120" { s.type(.char(c), pane: pane) }
        s.type(.enter, pane: pane)
        #expect(s.prompt == nil && s.selection.indices[2] == 120)
        s.apply(.goToPrompt, pane: pane)
        s.type(.backspace, pane: pane)
        s.type(.backspace, pane: pane)
        for c in "t=500" { s.type(.char(c), pane: pane) }
        s.type(.enter, pane: pane)
        #expect(s.message == "go to: t=500 is outside 0..198" && s.selection.indices[1] == 99)
        s.apply(.goToPrompt, pane: pane)
        s.type(.backspace, pane: pane)
        s.type(.backspace, pane: pane)
        for c in "t=5,1=7" { s.type(.char(c), pane: pane) }
        s.type(.enter, pane: pane)
        #expect(s.message == "go to: axis t is given twice" && s.selection.indices[1] == 99, "\(s.message ?? "nil")")
        s.apply(.fpsPrompt, pane: pane)
        s.type(.escape, pane: pane)
        #expect(s.prompt == nil && s.fps == 10)
    }

    @Test func playbackWraps() throws {
        var s = try demoState()
        s.selection.indices[1] = 198
        s.apply(.playPause, pane: pane)
        s.advancePlayback()
        #expect(s.selection.indices[1] == 0)
        s.apply(.cyclePlayAxis, pane: pane)
        #expect(s.playAxis == 2)
    }

    @Test func quitAndHelp() throws {
        var s = try demoState()
        s.apply(.help, pane: pane)
        #expect(s.showHelp)
        s.apply(.quit, pane: pane)
        #expect(s.quit)
    }
}

@Suite struct FilterKeyTests {
    @Test func promptSetsTheTogglesAndParenthesesStep() throws {
        var s = try demoState()
        s.apply(.toggleStage(1), pane: pane)
        #expect(s.message == "no filter pipeline (F sets one)")
        s.apply(.filterPrompt, pane: pane)
        for c in "gaussian(2)|threshold(otsu)" { s.type(.char(c), pane: pane) }
        s.type(.enter, pane: pane)
        #expect(s.pipeline?.text == "gaussian(2)|threshold(otsu)")
        s.apply(.toggleStage(2), pane: pane)
        #expect(s.message == "stage 2 threshold(otsu) off")
        #expect(s.pipeline?.activeText == "gaussian(2)")
        s.apply(.adjustFilter(1), pane: pane)
        #expect(s.message == "gaussian sigma=2.5")
        s.apply(.toggleStage(3), pane: pane)
        #expect(s.message == "the pipeline has 2 stages")
        // F reopens with the pipeline; a bad one keeps the old and says why.
        s.apply(.filterPrompt, pane: pane)
        #expect(s.prompt?.text == "gaussian(2.5)|threshold(otsu)")
        s.prompt?.text = "gausian(2)"
        s.type(.enter, pane: pane)
        #expect(s.message == "filter: unknown operator 'gausian' at column 1 (did you mean gaussian?) (F to fix it)")
        #expect(s.pipeline?.text == "gaussian(2.5)|threshold(otsu)")
        // F reopens the rejected text, the cursor at the error's column, nothing selected.
        s.apply(.filterPrompt, pane: pane)
        s.prompt?.text = "gaussian(2)|medain(3)"
        s.type(.enter, pane: pane)
        s.apply(.filterPrompt, pane: pane)
        #expect(s.prompt?.text == "gaussian(2)|medain(3)" && s.prompt?.cursor == 12 && s.prompt?.selected == false)
        s.prompt?.text = ""
        s.type(.enter, pane: pane)
        #expect(s.pipeline == nil && s.message == "filters off")
    }
}

@Suite struct NumberTextTests {
    /// Limits and values read as written: no scientific notation below 10⁷.
    @Test func noScientificNotationBelowTenMillion() {
        #expect(NumberText.short(101) == "101")
        #expect(NumberText.short(2320.4) == "2320")
        #expect(NumberText.short(838.25) == "838")
        #expect(NumberText.short(3390.0001) == "3390")
        #expect(NumberText.short(9_999_999.5) == "10000000")
        #expect(NumberText.short(0.0123) == "0.0123")
        #expect(NumberText.short(1.5) == "1.5")
        #expect(NumberText.short(12.345) == "12.3")
        #expect(NumberText.short(-0.25) == "-0.25")
        #expect(NumberText.short(0.99996) == "1")
        #expect(NumberText.short(65535) == "65535")
        #expect(NumberText.short(4_294_967_295) == "4294967295")
        #expect(NumberText.short(2.5e9 + 0.5) == "2.5e+09")
        #expect(NumberText.short(.nan) == "nan")
        #expect(NumberText.short(-.infinity) == "-inf")
        for v in [101.0, 2320.4, 0.5, 123_456.7, 9_999_998.2, -4321.1, 0.001234] {
            #expect(!NumberText.short(v).contains("e"), "\(v) → \(NumberText.short(v))")
        }
    }
}

@Suite struct PromptTests {
    private func typed(_ text: String, into s: inout ViewState) {
        for c in text { s.type(.char(c), pane: pane) }
    }

    /// `g` pre-fills `z=`, selected: typing `t=11` replaces it instead of appending.
    @Test func prefilledTextIsReplacedByTyping() throws {
        var s = try demoState()
        s.apply(.goToPrompt, pane: pane)
        #expect(s.prompt?.text == "z=" && s.prompt?.selected == true)
        typed("t=11", into: &s)
        #expect(s.prompt?.text == "t=11" && s.prompt?.selected == false)
        s.type(.enter, pane: pane)
        #expect(s.selection.indices[1] == 11 && s.message == nil)
        // End keeps the pre-filled text and types after it.
        s.apply(.goToPrompt, pane: pane)
        s.type(.end, pane: pane)
        typed("7", into: &s)
        #expect(s.prompt?.text == "z=7")
        s.type(.enter, pane: pane)
        #expect(s.selection.indices[2] == 7)
    }

    @Test func notANumberSaysSo() throws {
        var s = try demoState()
        s.apply(.goToPrompt, pane: pane)
        typed("z=abc", into: &s)
        s.type(.enter, pane: pane)
        #expect(s.message == "go to: z=abc is not a number" && s.selection.indices[2] == 100)
        s.apply(.fpsPrompt, pane: pane)
        #expect(s.prompt?.text == "10")
        typed("fast", into: &s)
        s.type(.enter, pane: pane)
        #expect(s.message == "frames per second: 'fast' is not a number" && s.fps == 10)
        s.apply(.fpsPrompt, pane: pane)
        typed("500", into: &s)
        s.type(.enter, pane: pane)
        #expect(s.message == "frames per second: 500 is outside (0, 240]")
    }

    @Test func editingKeys() throws {
        var s = try demoState()
        s.apply(.filterPrompt, pane: pane)
        typed("gaussian(2)|threshold(otsu)", into: &s)
        s.type(.ctrl("w"), pane: pane)
        #expect(s.prompt?.text == "gaussian(2)|")
        s.type(.ctrl("w"), pane: pane)
        #expect(s.prompt?.text == "")
        typed("median(3) x", into: &s)
        s.type(.home, pane: pane)
        #expect(s.prompt?.cursor == 0)
        typed("y ", into: &s)
        #expect(s.prompt?.text == "y median(3) x" && s.prompt?.cursor == 2)
        s.type(.end, pane: pane)
        s.type(.backspace, pane: pane)
        #expect(s.prompt?.text == "y median(3) ")
        for _ in 0..<3 { s.type(.left, pane: pane) }
        s.type(.backspace, pane: pane)
        #expect(s.prompt?.text == "y median3) " && s.prompt?.cursor == 8)
        s.type(.ctrl("u"), pane: pane)
        #expect(s.prompt?.text == "" && s.prompt?.cursor == 0)
        s.type(.escape, pane: pane)
        #expect(s.prompt == nil && !s.quit)
    }

    /// Ctrl-C quits from inside a prompt, as everywhere else.
    @Test func controlCQuitsFromAPrompt() throws {
        var s = try demoState()
        s.apply(.goToPrompt, pane: pane)
        s.type(.ctrl("c"), pane: pane)
        #expect(s.quit && s.prompt == nil)
    }

    /// With --one-based `g` takes positions from 1: z=1 is index 0, z=201 the last.
    @Test func oneBasedGoTo() throws {
        var s = try demoState()
        s.oneBased = true
        s.apply(.goToPrompt, pane: pane)
        typed("z=1", into: &s)
        s.type(.enter, pane: pane)
        #expect(s.selection.indices[2] == 0)
        s.apply(.goToPrompt, pane: pane)
        typed("201", into: &s)
        s.type(.enter, pane: pane)
        #expect(s.selection.indices[2] == 200)
        s.apply(.goToPrompt, pane: pane)
        typed("z=0", into: &s)
        s.type(.enter, pane: pane)
        #expect(s.message == "go to: z=0 is outside 1..201" && s.selection.indices[2] == 200)
    }
}

@Suite struct ContrastTextTests {
    private func plane(_ values: [Float]) -> ArrayBuffer { ArrayBuffer(float32: values, shape: [1, values.count]) }

    @Test func saysWhenTheLimitsHideEverything() {
        #expect(
            StatusLine.hiddenText(plane([3, 50, 111.5, .nan]), low: 112, high: 2320)
                == "all values below 112: a to auto-contrast")
        #expect(
            StatusLine.hiddenText(plane([3000, 4000]), low: 101, high: 2320)
                == "all values above 2320: a to auto-contrast")
        #expect(StatusLine.hiddenText(plane([50, 500]), low: 112, high: 2320) == nil)
        #expect(
            StatusLine.hiddenText(plane([0, 5000]), low: 112, high: 2320) == nil,
            "below and above: the picture is not flat")
        #expect(StatusLine.hiddenText(plane([.nan]), low: 0, high: 1) == nil)
    }

    @Test func histogramLogCountsShowSparseBins() throws {
        var s = try demoState()
        s.apply(.toggleHistogramScale, pane: pane)
        #expect(s.histogramLog && s.message == "histogram: log counts")
        // 1000 zeros and 100 tens: linear, the small bin is under one row of 8; log, over half the height.
        let values = [Float](repeating: 0, count: 1000) + [Float](repeating: 10, count: 100)
        let linear = InfoPanel.histogram(plane(values), low: 0, high: 10, width: 10, height: 8)
        let log = InfoPanel.histogram(plane(values), low: 0, high: 10, width: 10, height: 8, logCounts: true)
        #expect(linear[4] == "|         " && linear[7] == "|        #")
        #expect(log[4] == "|        #")
        #expect(log[8] == "0    10")
    }
}
