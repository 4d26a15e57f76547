import Cache
import CNcursesw
import ArrayModel
import Foundation
import Stores
import Threads
import Processing
import Rendering

/// The interactive viewer: reads keys, keeps a `ViewState`, and draws each frame in four steps:
/// the state and pane give a `FramePlan` (a value); the `ViewSession` starts the plan's loads
/// (only what changed) on the scheduler's workers; the `FrameComposer` draws what is resident
/// now, without I/O; `ScreenOutput` writes what changed. It never waits for data: loads finish
/// on the workers and wake the loop, which draws again.
/// Thread contract: UI thread only (the workers reach it through `arrived`).
public final class ViewerApp {
    let array: LazyArray
    let name: String
    let depth: ColorDepth
    let session: ViewSession
    var state: ViewState
    private let terminal = Terminal()
    /// Loads and filter results finished so far (signalled on the workers; a change means redraw).
    private let arrived = WakePipe()
    private let output: ScreenOutput
    /// A picture larger than this is sent smaller (`--max-kbps`: a tenth of a second's worth).
    public var maxFrameBytes: Int? {
        get { output.maxFrameBytes }
        set { output.maxFrameBytes = newValue }
    }
    /// The graphics query to send at start and whose answer picks the pixel mode (`ViewerApp+Graphics`).
    public var graphicsQuery: PendingGraphicsQuery?
    private let maxWorkPixels: Int
    private var lastPlay = 0.0
    private var dragFrom: (y: Int, x: Int)?
    /// What the last frame drew (for clicks, drags, the limits keys and the panel).
    private var facts = FrameFacts()

    /// Opens a label image by its name in `state.labelNames` (a path given with `--labels`,
    /// or one of the OME-Zarr image's `labels/`).
    public typealias LabelOpener = @Sendable (String) throws -> LabelLayer
    /// `s`: the file a figure of the view goes to (nil: no figures from this viewer), and the job that
    /// writes it as `render -o FILE.png` would; the job runs on a worker and reports to its progress.
    public typealias FigureSaver = (ViewState) -> (name: String, job: @Sendable (FigureProgress) throws -> String)?
    public var saveFigure: FigureSaver?
    /// The figure being written (one at a time), and its queue on the work pool.
    private var figure: FigureProgress?
    private let figureJobs = JobQueue(width: 1)
    private let owner = ThreadOwner()

    /// - Parameters:
    ///   - name: the dataset as the status line shows it.
    ///   - depth: colours the terminal shows (`.none`: ascii without colour).
    /// - Parameter maxWorkPixels: filters run at full resolution up to this many shown pixels (SPEC §4).
    /// - Parameter openLabels: opens the label images `state.labelNames` lists (nil: there are none).
    /// - Parameter tmuxWrap: pixel modes send their pictures through tmux's passthrough.
    public init(
        array: LazyArray, name: String, state: ViewState, cache: ChunkCache, depth: ColorDepth,
        maxWorkPixels: Int = PlaneFilter.defaultMaxWorkPixels, tmuxWrap: Bool = false, openLabels: LabelOpener? = nil
    ) {
        self.array = array
        self.maxWorkPixels = maxWorkPixels
        self.name = name
        self.state = state
        self.depth = depth
        output = ScreenOutput(tmuxWrap: tmuxWrap)
        let arrived = arrived
        session = ViewSession(
            array: array, cache: cache, labelNames: state.labelNames, openLabels: openLabels,
            wake: { arrived.signal() })
    }

    /// Runs until `q`, Ctrl-C or a signal; the terminal is restored on every way out.
    public func run() throws {
        terminal.open()
        sendGraphicsQuery()
        if let note = TerminalDescription.note, state.message == nil { state.message = note }
        defer {
            output.removePicture()
            terminal.close()
            session.stop()
        }
        var seen = arrived.count.load(ordering: .relaxed)
        var dirty = true
        while Terminal.stopSignal == 0 && !state.quit {
            // Sleep until a key, a finished load or the next playback frame; at most
            // 250 ms, so that a resize whose SIGWINCH was missed is still noticed.
            let untilFrame = state.playing ? lastPlay + 1 / state.fps - Date().timeIntervalSince1970 : .infinity
            if !dirty { arrived.wait(orInputOn: 0, timeout: min(0.25, untilFrame)) }
            // A figure being written shows its progress (four times a second).
            if figure != nil { dirty = true }
            arrived.drain()
            // Everything already typed is handled before drawing (key repeat): only the newest view is loaded.
            var burst = 0
            while burst < 256, let input = terminal.read() {
                handle(input)
                burst += 1
                dirty = true
            }
            let now = Date().timeIntervalSince1970
            if state.playing && now - lastPlay >= 1 / state.fps {
                lastPlay = now
                state.advancePlayback()
                dirty = true
            }
            let count = arrived.count.load(ordering: .relaxed)
            if count != seen {
                seen = count
                dirty = true
            }
            if dirty {
                try draw()
                dirty = false
            }
        }
    }

    private var pane: ViewState.Pane {
        let size = terminal.size
        return ScreenComposer.pane(columns: size.columns, rows: size.rows, showInfo: state.showInfo)
    }

    func handle(_ input: Terminal.Input) {
        switch input {
        case .terminalReplies(let answer):
            adoptGraphics(answer)
        case .key(.resize):
            terminal.acknowledgeResize()
            output.invalidate()
            state.fitRegion(pane)
        case .key(let key):
            if state.showHelp {
                // Space, ↓ and PgDn page on (and close after the last page); PgUp, ↑ and b page back.
                let size = terminal.size
                let pages = ScreenComposer(
                    columns: size.columns, rows: size.rows, depth: depth, asciiOnly: state.mode == .ascii
                )
                .helpPageCount(KeyMap.helpLines(ascii: state.mode == .ascii))
                switch key {
                case .char(" "), .pageDown, .down:
                    if state.helpPage + 1 < pages { state.helpPage += 1 } else { state.showHelp = false }
                case .pageUp, .up, .char("b"):
                    state.helpPage = max(0, state.helpPage - 1)
                default:
                    state.showHelp = false
                }
                return
            }
            if state.prompt != nil {
                state.type(key, pane: pane)
                return
            }
            // Esc leaves probe mode (as x does), the way out people try first.
            if key == .escape && state.probe != nil {
                state.apply(.probeCursor, pane: pane)
                return
            }
            let stages = state.pipeline?.stages.count ?? 0
            guard let action = KeyMap.action(for: key, pipelineStages: stages) else {
                state.message = "\(key): not a key of vstack (? lists them)"
                return
            }
            if action == .saveFigure {
                startFigure()
                return
            }
            state.apply(action, pane: pane)
            if action == .toggleInfo {
                output.invalidate()
                state.fitRegion(pane)
            }
            switch action {
            case .adjustHigh, .adjustLow:
                // The mask on screen does not change: say where the new limits went.
                if facts.mask, let l = state.limits {
                    state.message =
                        "limits \(NumberText.short(l.low))..\(NumberText.short(l.high)) kept for the data: a mask shows 0 black, 1 white"
                }
            default: break
            }
        case .wheel(let n):
            state.apply(.stepScrub(n), pane: pane)
        case let .click(y, x):
            dragFrom = (y, x)
            if let m = facts.mapping, let p = m.pixel(cellX: x, cellY: y) {
                // Plane pixels of the drawn level → level-0 pixels.
                let s = state.selection
                state.probe = ViewState.Point(
                    y: Double(s.rows.lowerBound) + (Double(p.row) + 0.5) * Double(s.rows.count) / Double(m.regionRows)
                        - 0.5,
                    x: Double(s.columns.lowerBound) + (Double(p.column) + 0.5) * Double(s.columns.count)
                        / Double(m.regionColumns) - 0.5)
                state.probe!.y = state.probe!.y.rounded()
                state.probe!.x = state.probe!.x.rounded()
            }
        case let .drag(y, x), let .release(y, x):
            guard let from = dragFrom, let m = facts.mapping else { return }
            let (px, py) = m.mode.pixelsPerCell
            let sy = Double(state.selection.rows.count) / Double(max(1, m.pixelHeight)) * Double(py)
            let sx = Double(state.selection.columns.count) / Double(max(1, m.pixelWidth)) * Double(px)
            state.centre.y -= Double(y - from.y) * sy
            state.centre.x -= Double(x - from.x) * sx
            state.fitRegion(pane)
            dragFrom = input == .release(y: y, x: x) ? nil : (y, x)
        }
    }

    /// `s`: the figure is written on a worker, from the state as it is now; keys go on meanwhile and
    /// the message line shows its progress.
    private func startFigure() {
        guard figure == nil else {
            state.message = "still saving \(figure!.name)"
            return
        }
        guard let (name, job) = saveFigure?(state) else {
            state.message = "no figures from this viewer"
            return
        }
        let progress = FigureProgress(name: name)
        figure = progress
        let arrived = arrived
        // A job on the work pool (its reads borrow idle workers), never cancelled by the view moving on.
        figureJobs.enqueue(
            [
                JobQueue.Job(key: JobKey(name), tier: .visible, rank: 0) { _ in
                    progress.finish(Result { try job(progress) })
                    arrived.signal()
                }
            ], owner: JobOwner("figure"))
    }

    /// The figure's progress (or its end) on the message line.
    private func reportFigure() {
        guard let figure else { return }
        switch figure.result {
        case .success(let file)?:
            state.message = "saved \(file)"
            self.figure = nil
        case .failure(let error)?:
            state.message = ErrorLine.text(error, context: "save")
            self.figure = nil
        case nil:
            let (done, total) = figure.chunks()
            state.message = "saving \(figure.name)…" + (total > 0 ? " \(done)/\(total) chunks" : "")
        }
    }

    /// One frame: plan, request what changed, compose from what is resident, write. What the state
    /// learns from the frame (the auto limits, the value range, labels that cannot open) is applied here.
    private func draw() throws {
        owner.check()
        let size = terminal.size
        state.fitRegion(pane)
        reportFigure()
        let plan = session.plan(state.frameRequest(pane, metadata: array.metadata), maxWorkPixels: maxWorkPixels)
        let newImage = session.request(plan)
        let inputs = try session.resident(plan, counting: newImage)
        let composed = FrameComposer(
            state: state, plan: plan, inputs: inputs, array: array, name: name, pyramid: session.pyramid,
            cache: session.cache, columns: size.columns, rows: size.rows, depth: depth,
            shownPicture: output.shownPicture?.image
        ).compose()
        if let failure = output.write(composed.screen, picture: composed.picture, mode: state.mode, at: composed.origin)
        {
            state.message = failure
        }
        guard composed.facts.mapping != nil else { return }  // too small a screen: nothing drawn
        facts = composed.facts
        if let auto = facts.autoLimits { state.lastAutoLimits = auto }
        state.valueRange = facts.valueRange
        if let message = facts.unopenableLabels {
            // The image stays as it was; the labels are off with the reason on the message line.
            state.labelIndex = nil
            state.message = message
        }
    }
}
