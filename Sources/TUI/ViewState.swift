import ArrayModel
import Processing
import Rendering

/// Everything the viewer shows, as a value: which plane, where, how. Key
/// presses are pure transitions (`apply`), so they are tested without a
/// terminal; the app turns a state into chunk requests and a frame.
public struct ViewState: Equatable, Sendable {
    public struct Point: Equatable, Sendable {
        public var y: Double, x: Double
        public init(y: Double, x: Double) { (self.y, self.x) = (y, x) }
    }

    /// The image pane in cells.
    public struct Pane: Equatable, Sendable {
        public var columns: Int, rows: Int
        public init(columns: Int, rows: Int) { (self.columns, self.rows) = (max(1, columns), max(1, rows)) }
    }

    public let shape: [Int]
    /// Index on every axis (displayed axes ignored), displayed axes, and the
    /// visible region (kept up to date by `fitRegion`).
    public var selection: PlaneSelection
    /// The axis `[`/`]` move.
    public var scrubAxis: Int
    public var channelAxis: Int?
    public var composite = false
    /// Data pixels per half-cell pixel; nil = fit the plane to the pane.
    public var scale: Double?
    /// Centre of the view in data coordinates of the displayed plane.
    public var centre: Point
    public var colorMapName = "gray"
    /// Fixed contrast limits; nil = auto from the visible region.
    public var limits: RenderSettings.Limits?
    /// Use the channels' recorded display windows (OME `omero`) while no limits are fixed; `a` turns this off.
    public var channelWindows = true
    /// The limits auto contrast chose for the last frame (what `,` `.` `;` `'` adjust from).
    public var lastAutoLimits: RenderSettings.Limits?
    /// The values the shown plane's type can hold (0...65535 for uint16); nil for floats and filter
    /// results. `,` `.` `;` `'` keep the limits inside it: a limit no value can reach shows nothing new.
    public var valueRange: ClosedRange<Double>?
    public var mode: DisplayMode = .half
    /// Modes this terminal can show (ascii only without UTF-8; pixel modes when it speaks them).
    public var modes: [DisplayMode] = GlyphMode.allCases.map { .glyphs($0) }
    public var downsample: DownsampleMode = .mean
    public var playing = false
    public var playAxis: Int
    public var fps = 10.0
    public var showHelp = false
    /// The page of the help overlay shown (it pages when the keys do not fit the terminal).
    public var helpPage = 0
    public var showInfo = false
    /// The info panel's histogram counts on a log scale (`G`); false: linear.
    public var histogramLog = false
    /// Positions shown and typed from 1 (`--one-based`, as Fiji counts slices); false: from 0.
    public var oneBased = false
    /// What is added to an index to show it: 1 with `--one-based`, else 0.
    public var indexBase: Int { oneBased ? 1 : 0 }
    /// The probed data pixel (row, column of the displayed plane).
    public var probe: Point?
    /// The `--filter` pipeline (`F` edits it, `1`–`9` toggle its stages); nil = none.
    public var pipeline: Pipeline?
    /// The open prompt (`g`, `P`, `F`) and its text; nil: none.
    public var prompt: PromptEditor?
    /// A filter pipeline the prompt refused, and the column (1-based) its error points at: `F`
    /// reopens it there, so a typo costs one fix, not the whole pipeline typed again.
    public var rejectedFilter: RejectedFilter?
    public struct RejectedFilter: Equatable, Sendable {
        public let text: String
        public let column: Int
    }
    public var message: String?
    public var quit = false
    /// The axis names were guessed from the shape (the array names none): the `i` panel says so.
    public var axesGuessed = false
    /// The original (y, x) axes, for the orthogonal views.
    let homeAxes: [Int]
    /// Physical steps of the axes (nil: unknown), for the aspect of the displayed plane.
    public var scales: [AxisScale?]?
    /// Draw pixels with their physical aspect (`--aspect data`); false: square pixels.
    public var physicalAspect = true
    /// Label images that can be shown over the image, by name (`--labels`, the OME image's `labels/`).
    public var labelNames: [String] = []
    /// The label image shown (an index of `labelNames`); nil: none. `L` cycles.
    public var labelIndex: Int?
    public var labelOpacity = LabelOverlay.defaultOpacity
    public var labelStyle: LabelStyle = .fill

    public init(selection: PlaneSelection, shape: [Int]) {
        self.shape = shape
        self.selection = selection
        homeAxes = [selection.rowAxis, selection.columnAxis]
        let names = selection.axisNames
        let c = names.firstIndex(of: "c")
        channelAxis = c.flatMap { $0 == selection.rowAxis || $0 == selection.columnAxis ? nil : $0 }
        let free = ViewState.freeAxes(selection, channelAxis: channelAxis)
        scrubAxis = names.firstIndex(of: "z").flatMap { free.contains($0) ? $0 : nil } ?? free.last ?? selection.rowAxis
        playAxis = names.firstIndex(of: "t").flatMap { free.contains($0) ? $0 : nil } ?? scrubAxis
        let rows = selection.rows, cols = selection.columns
        centre = Point(
            y: Double(rows.lowerBound + rows.upperBound) / 2, x: Double(cols.lowerBound + cols.upperBound) / 2)
        if rows.count < shape[selection.rowAxis] || cols.count < shape[selection.columnAxis] {
            // A start-up --region: show that region (at least), centred.
            scale = nil
            startRegion = [rows, cols]
        }
    }

    /// A --region given at start-up, fitted once the pane is known.
    var startRegion: [Range<Int>]?
    /// The region each pair of displayed axes showed when `o` left it (`ViewState+OrthogonalViews`).
    var savedRegions: [DisplayedAxes: SavedRegion] = [:]

    /// Non-displayed axes other than the channel axis.
    static func freeAxes(_ s: PlaneSelection, channelAxis: Int?) -> [Int] {
        s.indices.indices.filter { $0 != s.rowAxis && $0 != s.columnAxis && $0 != channelAxis }
    }

    /// Applies one action; the visible region is refitted to the pane.
    public mutating func apply(_ action: Action, pane: Pane) {
        message = nil
        let names = selection.axisNames
        switch action {
        case let .pan(dy, dx, large):
            if var p = probe {
                let step = effectiveScale(pane) * (large ? 8 : 1)
                p.y = min(max(0, p.y + Double(dy) * step), Double(height - 1))
                p.x = min(max(0, p.x + Double(dx) * step), Double(width - 1))
                probe = p
            } else {
                let fraction = large ? 0.5 : 0.125
                centre.y += Double(dy) * Double(selection.rows.count) * fraction
                centre.x += Double(dx) * Double(selection.columns.count) * fraction
            }
        case .zoomIn:
            scale = max(1.0 / 16, effectiveScale(pane) / 2)
        case .zoomOut:
            let s = effectiveScale(pane) * 2
            scale = s >= fitScale(pane) ? nil : s
        case .zoomFit:
            scale = nil
        case .zoomOneToOne:
            scale = 1 >= fitScale(pane) ? nil : 1
        case .stepScrub(let n):
            step(scrubAxis, by: n)
        case .stepTime(let n):
            if let t = names.firstIndex(of: "t"), t != selection.rowAxis && t != selection.columnAxis {
                step(t, by: n)
            } else {
                message = "no t axis"
            }
        case .cycleScrubAxis(let n):
            let free = ViewState.freeAxes(selection, channelAxis: channelAxis)
            if free.count > 1, let i = free.firstIndex(of: scrubAxis) {
                scrubAxis = free[(i + n % free.count + free.count) % free.count]
                message = "[ ] move \(names[scrubAxis])"
            } else {
                message = free.isEmpty ? "no axis to scrub" : "[ ] move \(names[scrubAxis]), the only axis"
            }
        case .firstIndex:
            if isFree(scrubAxis) { selection.indices[scrubAxis] = 0 }
        case .lastIndex:
            if isFree(scrubAxis) { selection.indices[scrubAxis] = shape[scrubAxis] - 1 }
        case .goToPrompt:
            openPrompt(.goTo)
        case .nextChannel:
            if let c = channelAxis {
                selection.indices[c] = (selection.indices[c] + 1) % shape[c]
                composite = false
            } else {
                message = "no channel axis (name one with --axes)"
            }
        case .toggleComposite:
            if let c = channelAxis, shape[c] <= 16 { composite.toggle() } else { message = "no channel axis to blend" }
        case .cycleColorMap(let n):
            let all = ColorMap.names
            let i = all.firstIndex(of: colorMapName) ?? 0
            colorMapName = all[(i + n % all.count + all.count) % all.count]
        case .autoContrast:
            limits = nil
            channelWindows = false
        case .adjustHigh(let n), .adjustLow(let n):
            guard let base = limits ?? lastAutoLimits else {
                message = "no contrast yet"
                break
            }
            let span = max(base.high - base.low, 1e-12)
            var l = base
            if case .adjustHigh = action {
                l.high = max(l.low + span * 0.01, l.high + Double(n) * span * 0.05)
            } else {
                l.low = min(l.high - span * 0.01, l.low + Double(n) * span * 0.05)
            }
            if let r = valueRange {
                l.low = min(max(l.low, r.lowerBound), r.upperBound)
                l.high = min(max(l.high, r.lowerBound), r.upperBound)
                if l.high <= l.low {
                    message =
                        "the limits are at the ends of \(NumberText.short(r.lowerBound))..\(NumberText.short(r.upperBound)), what the data type holds"
                }
            }
            limits = l
        case .playPause:
            playing.toggle()
        case .cyclePlayAxis:
            cyclePlayAxis()
        case .fpsPrompt:
            openPrompt(.fps)
        case .cycleDisplayedAxes:
            cycleDisplayedAxes()
        case .cycleDownsample:
            let all = DownsampleMode.allCases
            downsample = all[((all.firstIndex(of: downsample) ?? 0) + 1) % all.count]
        case .cycleRenderMode:
            mode = modes[((modes.firstIndex(of: mode) ?? 0) + 1) % modes.count]
        case .filterPrompt:
            openPrompt(.filter)
        case .toggleStage(let n):
            guard var p = pipeline else {
                message = "no filter pipeline (F sets one)"
                break
            }
            guard n >= 1 && n <= p.stages.count else {
                message = "the pipeline has \(p.stages.count) stage\(p.stages.count == 1 ? "" : "s")"
                break
            }
            p.toggle(n - 1)
            pipeline = p
            message = "stage \(n) \(p.stages[n - 1]) \(p.enabled[n - 1] ? "on" : "off")"
        case .adjustFilter(let n):
            guard var p = pipeline else {
                message = "no filter pipeline (F sets one)"
                break
            }
            message = p.adjustLastStage(by: n)
            pipeline = p
        case .probeCursor:
            probe = probe == nil ? centre : nil
        case .cycleLabels:
            guard !labelNames.isEmpty else {
                message = "no label images (--labels PATH adds one)"
                break
            }
            labelIndex = labelIndex.map { $0 + 1 < labelNames.count ? $0 + 1 : nil } ?? 0
            message = labelIndex.map { "labels \(labelNames[$0])" } ?? "labels off"
        case .toggleLabelStyle:
            guard labelIndex != nil else {
                message = "no labels shown (L shows them)"
                break
            }
            labelStyle = labelStyle == .fill ? .outline : .fill
            message = labelStyle == .fill ? "labels filled" : "labels as outlines"
        case .adjustLabelOpacity(let n):
            guard labelIndex != nil else {
                message = "no labels shown (L shows them)"
                break
            }
            labelOpacity = min(1, max(0, ((labelOpacity + Double(n) * 0.1) * 10).rounded() / 10))
            message = "label opacity \(NumberText.short(labelOpacity))"
        case .toggleInfo:
            showInfo.toggle()
        case .toggleHistogramScale:
            histogramLog.toggle()
            message = histogramLog ? "histogram: log counts" : "histogram: linear counts"
        case .help:
            showHelp = true
            helpPage = 0
        case .quit:
            quit = true
        case .saveFigure:
            break  // the app writes the file (ViewerApp.saveFigure)
        }
        fitRegion(pane)
    }

    func isFree(_ axis: Int) -> Bool {
        axis >= 0 && axis < shape.count && axis != selection.rowAxis && axis != selection.columnAxis
    }

    private mutating func step(_ axis: Int, by n: Int) {
        guard isFree(axis) else {
            message = "no axis to scrub"
            return
        }
        let next = min(max(0, selection.indices[axis] + n), shape[axis] - 1)
        // At an end a step does nothing; say so rather than nothing at all.
        if next == selection.indices[axis] && n != 0 {
            message = "\(selection.axisNames[axis]) is at its \(n > 0 ? "last" : "first") index"
        }
        selection.indices[axis] = next
    }

}

extension String {
    var trimmedSpaces: String {
        String(String(drop(while: { $0 == " " })).reversed().drop(while: { $0 == " " }).reversed())
    }
}
