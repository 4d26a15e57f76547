import Cache
import CNcursesw
import ArrayModel
import Foundation
import Stores
import Processing
import Rendering
import Synchronization

/// The interactive viewer: reads keys, keeps a `ViewState`, asks the
/// `PlaneLoader` for what the view needs and draws what is resident. It never
/// waits for data: loads finish on the cache's workers and trigger a redraw.
public final class ViewerApp {
    let array: LazyArray
    let name: String
    let depth: ColorDepth
    let loader: PlaneLoader
    var state: ViewState
    private let terminal = Terminal()
    /// Loads and filter results finished so far (signalled on the workers; a change means redraw).
    private let arrived = WakePipe()
    private var previous: Frame?
    /// Graphics escapes are wrapped for tmux's passthrough (pixel modes inside tmux).
    let tmuxWrap: Bool
    /// The picture last sent in a pixel mode, and where (nil: none on screen).
    private var shownPicture: (image: PixelImage, mode: DisplayMode, at: (x: Int, y: Int))?
    /// Bytes the last frame wrote (text and picture), for `--stats` and the benchmarks.
    private(set) var lastFrameBytes = 0
    /// A picture larger than this is sent smaller (`--max-kbps`: a tenth of a second's worth).
    public var maxFrameBytes: Int?
    /// The graphics query to send at start and whose answer picks the pixel mode (`ViewerApp+Graphics`).
    public var graphicsQuery: PendingGraphicsQuery?
    private var shownViews: [PlaneSelection] = []
    private var shownLevel = 0
    private let reductions = ReductionWorker(threads: ProcessInfo.processInfo.activeProcessorCount)
    /// Whether the last frame was reduced chunk by chunk (its plane is then screen pixels).
    private var lastReduced = false
    /// Whether the last frame showed filtered planes (at the working factor `lastFactor`).
    private var lastFiltered = false
    /// The level the last frame was drawn from.
    private var lastLevel: LevelSelection?
    /// The level in the status line: the drawn one, or the one filters read (`L2 1/4`).
    private var levelLabel: String?
    private var lastPlay = 0.0
    private var dragFrom: (y: Int, x: Int)?
    /// The last frame's data, for the probe and the info panel.
    private var lastPlane: ArrayBuffer?
    private var lastMapping: CellMapping?
    private var lastContrast: Contrast?
    /// Whether the last frame showed a filter's mask (drawn 0 → black, 1 → white whatever the limits).
    private var lastMask = false
    /// Why the last frame shows nothing: every value below or above fixed limits (nil: something shows).
    private var hiddenByLimits: String?
    /// Working pixels per data pixel of `lastPlane` (1 unless a filtered plane is downsampled).
    private var lastFactor = 1
    private let filters: FilterWorker
    private let maxWorkPixels: Int
    /// The filter part of the status line, and its error if the last computation failed.
    private var filterStatus: String?
    private var filterFailure: String?

    /// Opens a label image by its name in `state.labelNames` (a path given with `--labels`,
    /// or one of the OME-Zarr image's `labels/`).
    public typealias LabelOpener = (String) throws -> LabelLayer
    /// Writes the view as `render -o FILE.png` would and returns the file's name (`s`).
    public typealias FigureSaver = (ViewState) throws -> String
    public var saveFigure: FigureSaver?
    private let openLabels: LabelOpener?
    /// Label images opened so far, by index of `state.labelNames` (opened when first shown).
    private var labelLayers: [Int: LabelLayer] = [:]
    /// The shown label image's loader: its own pins and plans on the image loader's workers.
    private var labelLoader: (index: Int, loader: PlaneLoader)?
    private var shownLabels: (index: Int, view: PlaneSelection, level: Int)?
    /// The last frame's label ids at screen resolution, for the probe and the info panel.
    private(set) var lastLabels: LabelImage?
    private var labelFailure: String?

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
        self.tmuxWrap = tmuxWrap
        self.openLabels = openLabels
        self.maxWorkPixels = maxWorkPixels
        // Filtered planes share --cache with the chunks: a quarter of it, at most 256 MiB.
        filters = FilterWorker(
            threads: ProcessInfo.processInfo.activeProcessorCount,
            budget: cache.setAside(min(256 << 20, cache.budget / 4)))
        self.name = name
        self.state = state
        self.depth = depth
        let arrived = arrived
        // Signalled once a load, when it has settled: its chunk is in the cache and it no longer counts
        // as pending, so the frame drawn then has the chunk and the status line's "N loading" the new N.
        loader = PlaneLoader(array: array, cache: cache, onSettled: { arrived.signal() })
    }

    /// Runs until `q`, Ctrl-C or a signal; the terminal is restored on every way out.
    public func run() throws {
        terminal.open()
        sendGraphicsQuery()
        if let note = TerminalDescription.note, state.message == nil { state.message = note }
        defer {
            removePicture()
            terminal.close()
            labelLoader?.loader.stop()
            loader.stop()
        }
        var seen = arrived.count.load(ordering: .relaxed)
        var dirty = true
        while Terminal.stopSignal == 0 && !state.quit {
            // Sleep until a key, a finished load or the next playback frame; at most
            // 250 ms, so that a resize whose SIGWINCH was missed is still noticed.
            let untilFrame = state.playing ? lastPlay + 1 / state.fps - Date().timeIntervalSince1970 : .infinity
            if !dirty { arrived.wait(orInputOn: 0, timeout: min(0.25, untilFrame)) }
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
            previous = nil
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
                guard let saveFigure else {
                    state.message = "no figures from this viewer"
                    return
                }
                state.message = "saving…"
                do { state.message = "saved \(try saveFigure(state))" } catch { state.message = "save: \(error)" }
                return
            }
            state.apply(action, pane: pane)
            if action == .toggleInfo {
                previous = nil
                state.fitRegion(pane)
            }
            switch action {
            case .adjustHigh, .adjustLow:
                // The mask on screen does not change: say where the new limits went.
                if lastMask, let l = state.limits {
                    state.message =
                        "limits \(NumberText.short(l.low))..\(NumberText.short(l.high)) kept for the data: a mask shows 0 black, 1 white"
                }
            default: break
            }
        case .wheel(let n):
            state.apply(.stepScrub(n), pane: pane)
        case let .click(y, x):
            dragFrom = (y, x)
            if let m = lastMapping, let p = m.pixel(cellX: x, cellY: y) {
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
            guard let from = dragFrom, let m = lastMapping else { return }
            let (px, py) = m.mode.pixelsPerCell
            let sy = Double(state.selection.rows.count) / Double(max(1, m.pixelHeight)) * Double(py)
            let sx = Double(state.selection.columns.count) / Double(max(1, m.pixelWidth)) * Double(px)
            state.centre.y -= Double(y - from.y) * sy
            state.centre.x -= Double(x - from.x) * sx
            state.fitRegion(pane)
            dragFrom = input == .release(y: y, x: x) ? nil : (y, x)
        }
    }

    /// The planes the view shows: one, or every channel of a composite.
    private func views() -> [PlaneSelection] {
        guard state.composite, let c = state.channelAxis else { return [state.selection] }
        return ChannelLayer.compositeChannels(count: array.metadata.shape[c], in: array.metadata).map { i in
            var s = state.selection
            s.indices[c] = i
            return s
        }
    }

    private func draw() throws {
        let size = terminal.size
        let composer = ScreenComposer(
            columns: size.columns, rows: size.rows, depth: depth, asciiOnly: state.mode == .ascii)
        guard !composer.tooSmall else {
            write(composer.tooSmallScreen())
            return
        }
        state.fitRegion(pane)
        let views = views()
        let pane = pane
        // The zoom picks the level of the raw frame (drawn meanwhile when filters are on: they
        // choose their own level for their working resolution, see `filteredPlanes`).
        let level = LevelSelection(
            loader.pyramid, view: state.selection, mode: state.mode, columns: pane.columns,
            rows: pane.rows, aspect: state.aspect)
        let newView = views != shownViews || level.index != shownLevel
        // A plane too big to assemble is reduced chunk by chunk into screen pixels instead of pinned.
        let levelArray = loader.levels[level.index].array
        let screenSize = state.mode.pixelSize(
            fitting: level.view.columns.count, level.view.rows.count,
            columns: pane.columns, rows: pane.rows, aspect: state.aspect)
        let reducing = PlaneReduction.reduces(
            level.view, dataType: levelArray.metadata.dataType,
            width: screenSize.width, height: screenSize.height,
            cacheBudget: loader.cache.budget)
        if newView {
            if reducing { loader.execute(LoadPlan(level: level.index)) } else { reductions.cancel() }
            if !reducing { loader.show(views, level: level.index, channelAxis: state.channelAxis) }
            (shownViews, shownLevel) = (views, level.index)
        }
        lastLevel = level
        var screen = composer.blank()
        var reducedLimits: [RenderSettings.Limits?] = []
        var reading: (done: Int, total: Int)?
        let partials: [PlaneLoader.PartialPlane]
        if reducing {
            let keys = views.map { v in
                ReductionWorker.Key(
                    view: LevelSelection(loader.pyramid, view: v, index: level.index).view, level: level.index,
                    width: screenSize.width, height: screenSize.height, mode: state.downsample)
            }
            let arrived = arrived
            let running = reductions.show(keys, levels: loader.levels) { arrived.signal() }
            partials = running.map { $0.partialPlane() }
            reducedLimits = running.map { r in
                let c = r.autoContrast()
                return RenderSettings.Limits(c.low, c.high)
            }
            reading = (running.reduce(0) { $0 + $1.chunksDone }, running.reduce(0) { $0 + $1.chunkTotal })
        } else {
            partials = try views.map { try loader.residentPlane($0, level: level.index, counting: newView) }
        }
        lastReduced = reducing
        var settings = RenderSettings()
        settings.mode = state.mode
        settings.depth = depth
        settings.downsample = state.downsample
        settings.limits = state.limits
        settings.colorMap = ColorMap.named(state.colorMapName) ?? .gray
        settings.aspect = state.aspect
        let filtered = filteredPlanes(views)
        let layers = partials.enumerated().map { i, p in
            // A channel's own colour (composite) and display window (until `a`) when the source records them.
            let channel = ChannelLayer.channel(of: views[i], axis: state.channelAxis, in: array.metadata)
            let map = views.count == 1 ? settings.colorMap : ChannelLayer.compositeColorMap(i, channel: channel)
            let window = state.channelWindows ? channel?.window.map { RenderSettings.Limits($0.start, $0.end) } : nil
            let auto = i < reducedLimits.count ? reducedLimits[i] : nil
            guard let f = filtered?[i] else {
                return ChannelLayer(plane: p.plane, colorMap: map, limits: state.limits ?? window ?? auto)
            }
            // A mask shows as 0 → black, 1 → white: the user's limits are in data units, for the
            // unfiltered data, and apply again once the mask stage is off.
            return ChannelLayer(plane: f.plane, colorMap: map, limits: f.isMask ? .init(0, 1) : state.limits)
        }
        let overlay = labelOverlay(over: layers[0].plane, pane: pane, newView: newView)
        let rendered = Renderer.composite(
            layers, labels: overlay, settings: settings, columns: pane.columns, rows: pane.rows)
        lastLabels = rendered.labels
        let labelled =
            filtered.map { LevelSelection(loader.pyramid, view: state.selection, index: $0[0].level) } ?? level
        levelLabel = labelled.label(levelCount: loader.pyramid.count)
        let drawn = filtered == nil ? partials[0].view : state.selection
        var mapping = CellMapping(
            regionRows: drawn.rows.count, regionColumns: drawn.columns.count,
            pixelWidth: rendered.image.width, pixelHeight: rendered.image.height, mode: state.mode)
        mapping.origin = CellMapping.centred(mapping.usedCells, in: pane)
        lastPlane = filtered?[0].plane ?? partials[0].plane
        lastFiltered = filtered != nil
        lastFactor = filtered?[0].factor ?? 1
        lastMapping = mapping
        lastContrast = rendered.contrast
        lastMask = filtered?[0].isMask ?? false
        // A mask's 0..1 is no base for the data's limits (`,` `.` `;` `'` adjust from the last data frame).
        if state.limits == nil && !lastMask {
            state.lastAutoLimits = RenderSettings.Limits(rendered.contrast.low, rendered.contrast.high)
        }
        // The range an integer type holds (filter results and floats: none).
        if filtered == nil, case .integer(let low, let high) = PlaneFilter.kind(of: array.metadata.dataType) {
            state.valueRange = low...high
        } else {
            state.valueRange = nil
        }
        hiddenByLimits =
            views.count == 1 && !lastMask && (state.limits != nil || usesChannelWindow)
            ? ViewerApp.hiddenText(layers[0].plane, low: rendered.contrast.low, high: rendered.contrast.high) : nil
        composer.image(
            &screen, rendered.frame, mapping: mapping,
            missing: partials.flatMap { $0.missing.map { ($0.rows, $0.columns) } },
            failed: partials.flatMap { $0.failed.map { ($0.rows, $0.columns) } })
        if let p = state.probe { composer.probeMarker(&screen, probeCell(p, mapping: mapping)) }
        let sel = state.selection
        composer.overview(
            &screen, pane: pane, plane: (state.shape[sel.rowAxis], state.shape[sel.columnAxis]),
            shown: (sel.rows, sel.columns), unicode: state.mode != .ascii)
        let failure = partials.lazy.flatMap(\.failed).first
        composer.statusLine(
            &screen,
            statusText(
                loading: partials.reduce(0) { $0 + $1.missing.count + $1.coarse.count },
                reading: reading.flatMap { $0.done < $0.total ? $0 : nil }))
        if let prompt = state.prompt {
            composer.promptLine(
                &screen, label: prompt.label, text: prompt.text, cursor: prompt.cursor, selected: prompt.selected)
        } else if let failure {
            composer.messageLine(&screen, "error: \(failure.message)", isError: true)
        } else if let filterFailure, state.message == nil {
            composer.messageLine(&screen, "filter: \(filterFailure)", isError: true)
        } else if let labelFailure, state.message == nil {
            composer.messageLine(&screen, "labels: \(labelFailure)", isError: true)
        } else {
            composer.messageLine(
                &screen, state.message ?? hiddenByLimits ?? probeText() ?? "? keys  q quit", isError: false)
        }
        if state.showInfo { composer.panel(&screen, InfoPanel.lines(self)) }
        if state.showHelp {
            composer.helpOverlay(
                &screen, KeyMap.helpLines(ascii: state.mode == .ascii), page: state.helpPage,
                unicode: state.mode != .ascii)
        }
        // A pixel mode's picture: kept as it is under the help overlay (which is drawn over it).
        let picture = state.mode.pixelProtocol == nil ? nil : state.showHelp ? shownPicture?.image : rendered.picture
        write(screen, picture: picture, at: mapping.origin)
    }

    /// The label overlay over `plane` (the first layer's plane, which fixes the screen pixels),
    /// from what is resident: the shown label image's level and region for this view are
    /// planned on its own loader (pins owned by `.labels`), and chunks still loading draw
    /// as background or from a coarser label level.
    private func labelOverlay(over plane: ArrayBuffer, pane: ViewState.Pane, newView: Bool) -> LabelOverlay? {
        labelFailure = nil
        guard let i = state.labelIndex, let openLabels else {
            labelLoader?.loader.stop()
            (labelLoader, shownLabels) = (nil, nil)
            return nil
        }
        let layer: LabelLayer
        if let opened = labelLayers[i] {
            layer = opened
        } else {
            do {
                layer = try openLabels(state.labelNames[i])
                labelLayers[i] = layer
            } catch {
                // The image stays as it was; the labels are off with the reason on the message line.
                state.labelIndex = nil
                state.message = "labels \(state.labelNames[i]): \(error)"
                return nil
            }
        }
        if labelLoader?.index != i {
            labelLoader?.loader.stop()
            labelLoader = (i, PlaneLoader(layer: layer.array, sharing: loader, owner: .labels))
            shownLabels = nil
        }
        let size = state.mode.pixelSize(
            fitting: plane.shape[1], plane.shape[0], columns: pane.columns, rows: pane.rows,
            aspect: state.aspect)
        let s = state.selection
        guard let source = layer.source(for: s, width: size.width, height: size.height),
            let view = layer.alignment.view(for: s), let labels = labelLoader?.loader
        else {
            labelFailure =
                "the label image has no axes for the displayed \(s.axisNames[s.rowAxis]),\(s.axisNames[s.columnAxis])"
            return nil
        }
        // Every `step`-th label pixel when a screen pixel covers many: a huge label plane is never assembled.
        let step = layer.step(
            for: source, width: size.width, height: size.height, maxBytes: min(loader.cache.budget / 4, 32 << 20))
        let changed = shownLabels.map { $0.index != i || $0.view != view || $0.level != source.index } ?? true
        if changed {
            labels.show([view], level: source.index)
            shownLabels = (i, view, source.index)
        }
        do {
            let partial =
                step == 1
                ? try labels.residentPlane(view, level: source.index, counting: changed)
                : try labels.residentSampledPlane(view, level: source.index, step: step, counting: changed)
            labelFailure = partial.failed.first.map(\.message)
            var overlay = layer.overlay(partial.plane)
            overlay.opacity = state.labelOpacity
            overlay.style = state.labelStyle
            return overlay
        } catch {
            labelFailure = "\(error)"
            return nil
        }
    }

    /// The cell of a level-0 probe point in the pane.
    private func probeCell(_ p: ViewState.Point, mapping m: CellMapping) -> (x: Int, y: Int) {
        let s = state.selection
        let (px, py) = m.mode.pixelsPerCell
        let fx = (p.x + 0.5 - Double(s.columns.lowerBound)) / Double(max(1, s.columns.count))
        let fy = (p.y + 0.5 - Double(s.rows.lowerBound)) / Double(max(1, s.rows.count))
        return (
            m.origin.x + Int(clamping: (fx * Double(m.pixelWidth)).rounded(.down)) / px,
            m.origin.y + Int(clamping: (fy * Double(m.pixelHeight)).rounded(.down)) / py
        )
    }

    /// The label id drawn at a level-0 probe point, when labels are shown.
    private func probeLabel(_ p: ViewState.Point) -> String? {
        guard let labels = lastLabels, let i = state.labelIndex, let layer = labelLayers[i] else { return nil }
        let s = state.selection
        let x = Int(
            clamping: ((p.x + 0.5 - Double(s.columns.lowerBound)) / Double(max(1, s.columns.count))
                * Double(labels.width)).rounded(.down))
        let y = Int(
            clamping: ((p.y + 0.5 - Double(s.rows.lowerBound)) / Double(max(1, s.rows.count)) * Double(labels.height))
                .rounded(.down))
        guard x >= 0, y >= 0, x < labels.width, y < labels.height else { return nil }
        let id = labels.ids[y * labels.width + x]
        return id == 0
            ? "\(layer.name) background" : "\(layer.name) id \(LabelIDText.text(id, signed: layer.signedIDs))"
    }

    /// The filtered planes of `views` when a pipeline is on and all are computed, else nil (the
    /// raw planes are drawn meanwhile). Missing results are requested from the filter worker.
    private func filteredPlanes(_ views: [PlaneSelection]) -> [FilteredPlane]? {
        filterFailure = nil
        guard let pipeline = state.pipeline, pipeline.isActive else {
            filters.cancel()
            filterStatus = state.pipeline.map { FilterStatus.text($0) }
            return nil
        }
        let factor = PlaneFilter.workingFactor(
            rows: state.selection.rows.count, columns: state.selection.columns.count,
            maxWorkPixels: maxWorkPixels)
        let keys = views.map { ProcessedPlaneCache.Key(view: $0, pipeline: pipeline.activeText, factor: factor) }
        let arrived = arrived
        filters.show(keys, pipeline: pipeline, pyramid: loader.pyramid, levels: loader.levels) {
            arrived.signal()
        }
        var planes: [FilteredPlane] = []
        for key in keys {
            switch filters.results.get(key) {
            case .plane(let p): planes.append(p)
            case .failure(let message):
                filterFailure = message
                filterStatus = FilterStatus.text(pipeline, factor: factor) + " failed"
                return nil
            case nil:
                filterStatus = FilterStatus.text(pipeline, factor: factor) + " computing…"
                return nil
            }
        }
        filterStatus = FilterStatus.text(pipeline, planes[0])
        return planes
    }

    /// Writes what changed: the text cells, then in a pixel mode the picture at the pane's
    /// top-left when it changed, then again the text cells over the picture (probe, overview,
    /// error tiles, help), which a sixel or iTerm2 picture overwrites.
    private func write(_ screen: Frame, picture: PixelImage? = nil, at origin: (x: Int, y: Int) = (0, 0)) {
        var bytes: [UInt8] = []
        // A sixel or iTerm2 picture is cells: one that goes away or shrinks is cleared with the screen.
        if let shown = shownPicture, shown.mode.pixelProtocol != .kitty,
            picture.map({ $0.width < shown.image.width || $0.height < shown.image.height || shown.at != origin })
                ?? true
        {
            previous = nil
        }
        if previous == nil || previous!.columns != screen.columns || previous!.rows != screen.rows {
            bytes += removePictureBytes()
            bytes += Array("\u{1b}[0m\u{1b}[H\u{1b}[2J".utf8)
            previous = nil
        }
        if picture == nil { bytes += removePictureBytes() }
        bytes += ANSIWriter.diffBytes(from: previous, to: screen)
        if let picture, let output = PixelOutput(mode: state.mode, tmuxWrap: tmuxWrap) {
            do { bytes += try pictureBytes(picture, output: output, screen: screen, at: origin) } catch {
                state.message = "picture: \(error)"
            }
        }
        ScreenWriter.write(bytes)
        lastFrameBytes = bytes.count
        previous = screen
    }

    /// The sequences that bring the screen's picture up to `picture`: nothing when it is shown
    /// already; for sixel and iTerm2 only the rows of cells that changed (a picture the same size);
    /// kitty's whole picture, replaced in place. Over `maxFrameBytes`, kitty and iTerm2 get a
    /// smaller picture that the terminal scales to the same cells.
    private func pictureBytes(
        _ picture: PixelImage, output: PixelOutput, screen: Frame, at origin: (x: Int, y: Int)
    ) throws -> [UInt8] {
        let (cw, ch) = state.mode.pixelsPerCell
        var part = picture, firstRow = 0
        if let shown = shownPicture, shown.mode == state.mode, shown.image.width == picture.width,
            shown.image.height == picture.height, shown.at == origin
        {
            guard let changed = picture.changedRows(from: shown.image) else { return [] }
            if output.pixelProtocol != .kitty {
                firstRow = changed.lowerBound / ch
                part = picture.rows(firstRow * ch..<min(picture.height, (changed.upperBound + ch - 1) / ch * ch))
            }
        }
        var encoded = try output.encode(part)
        if let limit = maxFrameBytes, encoded.count > limit, output.pixelProtocol != .sixel {
            let cells = (columns: (part.width + cw - 1) / cw, rows: (part.height + ch - 1) / ch)
            let f = (Double(limit) / Double(encoded.count)).squareRoot() * 0.9
            let small = part.reduced(width: Int(Double(part.width) * f), height: Int(Double(part.height) * f))
            encoded = try output.encode(small, cells: cells)
        }
        shownPicture = (picture, state.mode, origin)
        var bytes = Array("\u{1b}[\(origin.y + firstRow + 1);\(origin.x + 1)H".utf8) + encoded
        if output.pixelProtocol != .kitty {
            // The cells under the picture were overwritten: draw its text cells again.
            var under = screen
            for y in (origin.y + firstRow)..<min(screen.rows, origin.y + firstRow + (part.height + ch - 1) / ch) {
                for x in origin.x..<min(screen.columns, origin.x + (part.width + cw - 1) / cw) { under[x, y] = .blank }
            }
            bytes += ANSIWriter.diffBytes(from: under, to: screen)
        }
        return bytes
    }

    /// Takes the picture off the screen (leaving a pixel mode, a full redraw, exit).
    private func removePictureBytes() -> [UInt8] {
        guard let shown = shownPicture else { return [] }
        shownPicture = nil
        return PixelOutput(mode: shown.mode, tmuxWrap: tmuxWrap)?.clear() ?? []
    }

    private func removePicture() {
        let bytes = removePictureBytes()
        if !bytes.isEmpty { ScreenWriter.write(bytes) }
    }

    /// One field of the status line, the rank at which it gives way (0: never by rank), and a shorter
    /// form it may take first (`c 1/3 membranes` → `c 1/3`).
    struct StatusPart {
        var text: String
        let drop: Int
        var short: String?
        /// Names shorten after the zoom goes (3) and before the limits (2).
        static let shortRank = 2.5
        init(_ text: String, _ drop: Int, short: String? = nil) {
            (self.text, self.drop, self.short) = (text, drop, short)
        }
    }

    /// `demo:  z 100/201  t 3/199  c 1/3  fit  gray auto 102..4011  half  cache 412 MiB/1 GiB, 3 loading`
    /// - Parameter reading: chunks folded and in all, while a plane too big to assemble is being reduced.
    func statusText(loading: Int, reading: (done: Int, total: Int)? = nil) -> String {
        let s = state.selection
        // Each part with the order it gives way in when the line is too long (highest first):
        // decoration goes before the level and colours, those before the position, the
        // filter and the cache, which stay.
        var parts = [StatusPart(name, 0)]
        func add(_ text: String, _ drop: Int, short: String? = nil) {
            parts.append(StatusPart(text, drop, short: short))
        }
        for axis in s.indices.indices where axis != s.rowAxis && axis != s.columnAxis {
            if state.composite && axis == state.channelAxis {
                add("\(s.axisNames[axis]) all", 0)
                continue
            }
            let mark = axis == state.scrubAxis ? "*" : ""
            let label =
                axis == state.channelAxis
                ? ChannelLayer.channel(of: s, axis: axis, in: array.metadata)?.label.map { " " + $0 } : nil
            let position = "\(mark)\(s.axisNames[axis]) \(s.indices[axis] + state.indexBase)/\(state.shape[axis])"
            // The channel's name gives way (before the limits) where the line is short.
            add(position + (label ?? ""), 0, short: label == nil ? nil : position)
        }
        let pane = pane
        if let scale = state.scale, scale < state.fitScale(pane) {
            add(scale >= 1 ? "zoom 1:\(NumberText.short(scale))" : "zoom \(NumberText.short(1 / scale)):1", 3)
        } else {
            add("fit", 5)
        }
        if let label = levelLabel { add(label, 4) }
        if let cell = cellWidth { add("cell \(cell)", 6) }
        let limits =
            lastMask
            ? "mask 0..1"
            : state.limits.map { "\(NumberText.short($0.low))..\(NumberText.short($0.high))" }
                ?? lastContrast.map {
                    "\(usesChannelWindow ? "window" : "auto") \(NumberText.short($0.low))..\(NumberText.short($0.high))"
                } ?? "auto"
        // The limits stay longer than the zoom (an 80×24 terminal keeps them).
        add("\(state.composite ? "composite" : state.colorMapName) \(limits)", 2)
        if let i = state.labelIndex, i < state.labelNames.count {
            add("labels \(state.labelNames[i])" + (state.labelStyle == .outline ? " outline" : ""), 2)
        }
        add(state.mode.name, 6)
        if state.downsample != .mean { add(state.downsample.rawValue, 5) }
        if let filterStatus { add(filterStatus, 0) }
        if state.playing { add("\u{25B6} \(s.axisNames[state.playAxis]) \(NumberText.short(state.fps))/s", 1) }
        let stats = loader.cache.statistics
        let inFlight = loader.scheduler.pending
        if let reading { add("reading \(reading.done)/\(reading.total) chunks", 0) }
        add(
            "cache \(ByteSize.describe(stats.usedBytes, compact: true))/\(ByteSize.describe(stats.budget, compact: true))"
                + (reading == nil && (loading > 0 || inFlight > 0) ? ", \(max(loading, inFlight)) loading" : ""), 0)
        if let network = networkStatus { add(network, 2) }
        return ViewerApp.fit(parts, columns: terminal.size.columns)
    }

    /// The parts joined by two spaces, within `columns` when it can be: a long path gives
    /// way first (to its last component), then parts in order of their drop rank.
    static func fit(_ parts: [(text: String, drop: Int)], columns: Int) -> String {
        fit(parts.map { StatusPart($0.text, $0.drop) }, columns: columns)
    }

    static func fit(_ parts: [StatusPart], columns: Int) -> String {
        var parts = parts
        func line() -> String { parts.map(\.text).joined(separator: "  ") }
        if line().count > columns, let last = parts.first?.text.split(separator: "/").last {
            parts[0].text = String(last)
        }
        // Give way in rank order (highest first): a part is removed, or takes its short form.
        while line().count > columns {
            let removable = parts.indices.filter { parts[$0].drop > 0 }.map {
                (rank: Double(parts[$0].drop), i: $0, shorten: false)
            }
            let shortenable = parts.indices.filter { parts[$0].short != nil }.map {
                (rank: StatusPart.shortRank, i: $0, shorten: true)
            }
            guard let worst = (removable + shortenable).max(by: { $0.rank < $1.rank }) else { break }
            if worst.shorten {
                parts[worst.i].text = parts[worst.i].short!
                parts[worst.i].short = nil
            } else {
                parts.remove(at: worst.i)
            }
        }
        // Still too long (a narrow terminal): whole fields go, never half of one ("t 99/1"): the cache,
        // then the name, then from the right; a last field that does not fit leaves the line empty.
        while line().count > columns, !parts.isEmpty {
            if let cache = parts.lastIndex(where: { $0.text.hasPrefix("cache ") }) {
                parts.remove(at: cache)
            } else if parts.count > 1, parts[0].drop == 0, isName(parts[0].text) {
                parts.remove(at: 0)
            } else {
                parts.removeLast()
            }
        }
        return line()
    }

    /// The first field is the dataset's name (a path, `demo:`), not an axis position (`z 3/10`).
    private static func isName(_ text: String) -> Bool {
        !text.contains(" ")
    }

    /// The measured round trip and the requests in flight (`net 48 ms, 12 req`), for a remote dataset.
    private var networkStatus: String? {
        guard let client = HTTPClient.existing, let latency = client.statistics.meanLatency else { return nil }
        let inFlight = client.statistics.inFlightCount
        return "net \(Int((latency * 1000).rounded())) ms" + (inFlight > 0 ? ", \(inFlight) req" : "")
    }

    /// The physical width of one cell (a scale bar in words: `cell 2.6 µm`), when x's scale is known.
    private var cellWidth: String? {
        guard let m = lastMapping, let scale = array.metadata.scales?[state.selection.columnAxis], m.pixelWidth > 0
        else { return nil }
        let dataPerCell =
            Double(state.selection.columns.count) / Double(m.pixelWidth) * Double(state.mode.pixelsPerCell.x)
        // Without a unit the scale's step means nothing a reader can check: the width in data pixels.
        let unit = scale.unitSymbol
        let width = unit == nil ? dataPerCell : dataPerCell * scale.step
        let text = width >= 100 ? String(Int(width.rounded())) : String(format: width >= 10 ? "%.1f" : "%.2g", width)
        return text + " " + (unit ?? "px")
    }

    /// Whether the shown channel's limits are its recorded display window (no --clim, `a` not pressed).
    private var usesChannelWindow: Bool {
        state.limits == nil && state.channelWindows && !state.composite
            && ChannelLayer.channel(of: state.selection, axis: state.channelAxis, in: array.metadata)?.window != nil
    }

    private func probeText() -> String? {
        guard let p = state.probe, let plane = lastPlane else { return nil }
        // Where the level-0 pixel lies in the plane the last frame drew.
        let s = state.selection
        let (r, c): (Int, Int)
        if lastFiltered {
            // Working pixels of `lastFactor` level-0 pixels each.
            let f = lastFactor
            (r, c) = (Int(p.y) / f - s.rows.lowerBound / f, Int(p.x) / f - s.columns.lowerBound / f)
        } else if lastReduced {
            // Screen pixels: the probe reads the block mean (or max, or sample) holding the pixel.
            (r, c) = (
                (Int(p.y) - s.rows.lowerBound) * plane.shape[0] / max(1, s.rows.count),
                (Int(p.x) - s.columns.lowerBound) * plane.shape[1] / max(1, s.columns.count)
            )
        } else if let level = lastLevel, level.index > 0 {
            // The drawn level's pixels: the one whose centre is nearest the level-0 pixel.
            (r, c) = (
                level.level.index(Int(p.y), axis: level.view.rowAxis) - level.view.rows.lowerBound,
                level.level.index(Int(p.x), axis: level.view.columnAxis) - level.view.columns.lowerBound
            )
        } else {
            (r, c) = (Int(p.y) - s.rows.lowerBound, Int(p.x) - s.columns.lowerBound)
        }
        guard r >= 0, c >= 0, r < plane.shape[0], c < plane.shape[1] else { return "probe outside the view" }
        let names = state.selection.axisNames
        let value = NumberText.short(plane.double(at: r * plane.shape[1] + c))
        let (ra, ca) = (state.selection.rowAxis, state.selection.columnAxis)
        let base = state.indexBase
        var where_ = "\(names[ra])=\(Int(p.y) + base) \(names[ca])=\(Int(p.x) + base)"
        // The position in physical units too, where the scales are known (pixel centres from 0).
        let physical = [(ra, p.y), (ca, p.x)].compactMap { axis, v in
            array.metadata.scales?[axis].map {
                "\(NumberText.short((v * $0.step * 1000).rounded() / 1000))\($0.unitSymbol.map { " " + $0 } ?? "")"
            }
        }
        if physical.count == 2 { where_ += " (\(physical.joined(separator: ", ")))" }
        // A value that is not the level-0 pixel's says where it comes from (zoom in for the pixel's own).
        var source = ""
        if lastFiltered && lastFactor > 1 {
            source = " (filtered at 1/\(lastFactor))"
        } else if lastReduced {
            source = " (\(state.downsample.rawValue) of a block)"
        } else if let level = lastLevel, level.index > 0 {
            source = " (a level \(level.index) pixel)"
        }
        return "probe \(where_): \(value)\(source)" + (probeLabel(p).map { "  " + $0 } ?? "")
    }

    /// `all values below 112: a to auto-contrast` when every finite value of `plane` lies below
    /// `low` (or above `high`), so the picture is one flat colour; nil when any shows.
    /// Runs every frame with fixed limits, so it stops at the first sign that something shows:
    /// a sparse pass first, then every pixel.
    static func hiddenText(_ plane: ArrayBuffer, low: Double, high: Double) -> String? {
        var (belowLow, aboveHigh, anyFinite) = (true, true, false)
        for step in [max(1, plane.count / 4096), 1] {
            for i in stride(from: 0, to: plane.count, by: step) {
                let v = plane.double(at: i)
                guard v.isFinite else { continue }
                anyFinite = true
                if v >= low { belowLow = false }
                if v <= high { aboveHigh = false }
                if !belowLow && !aboveHigh { return nil }
            }
        }
        guard anyFinite else { return nil }
        if belowLow { return "all values below \(NumberText.short(low)): a to auto-contrast" }
        if aboveHigh { return "all values above \(NumberText.short(high)): a to auto-contrast" }
        return nil
    }

    // MARK: - for the info panel
    var metadata: ArrayMetadata { array.metadata }
    var plane: ArrayBuffer? { lastPlane }
    var contrast: Contrast? { lastContrast }
    var shownLabelName: String? { state.labelIndex.flatMap { labelLayers[$0]?.name } }
}
