import ArrayModel
import Cache
import Processing
import Rendering
import Stores

/// Composes one frame from a plan and what is resident for it: the picture, the status, message
/// and prompt lines, the overview, the panel and the help. Reads nothing from storage and writes
/// nothing back into the state: what the state should learn from the frame is in `facts`.
struct FrameComposer {
    let state: ViewState
    let plan: FramePlan
    let inputs: FrameInputs
    let array: LazyArray
    /// The dataset as the status line shows it.
    let name: String
    let pyramid: [PyramidLevel]
    let cache: ChunkCache
    let columns: Int, rows: Int
    let depth: ColorDepth
    /// A pixel mode's picture on screen now (kept under the help overlay).
    let shownPicture: PixelImage?

    /// The screen, the pixel mode's picture (nil: none) at `origin`, and what was drawn.
    struct Composed {
        var screen: Frame
        var picture: PixelImage?
        var origin = (x: 0, y: 0)
        var facts = FrameFacts()
    }

    var pane: ViewState.Pane { ScreenComposer.pane(columns: columns, rows: rows, showInfo: state.showInfo) }

    func compose() -> Composed {
        let composer = ScreenComposer(columns: columns, rows: rows, depth: depth, asciiOnly: state.mode == .ascii)
        guard !composer.tooSmall else { return Composed(screen: composer.tooSmallScreen()) }
        let views = plan.request.views
        let pane = pane
        var facts = FrameFacts()
        var screen = composer.blank()
        let partials = inputs.planes
        var settings = RenderSettings()
        settings.mode = state.mode
        settings.depth = depth
        settings.downsample = state.downsample
        settings.limits = state.limits
        settings.colorMap = ColorMap.named(state.colorMapName) ?? .gray
        settings.aspect = state.aspect
        let filtered: [FilteredPlane]? = if case .planes(let p) = inputs.filter { p } else { nil }
        let layers = partials.enumerated().map { i, p in
            // A channel's own colour (composite) and display window (until `a`) when the source records them.
            let channel = ChannelLayer.channel(of: views[i], axis: state.channelAxis, in: array.metadata)
            let map = views.count == 1 ? settings.colorMap : ChannelLayer.compositeColorMap(i, channel: channel)
            let window = state.channelWindows ? channel?.window.map { RenderSettings.Limits($0.start, $0.end) } : nil
            let auto = i < inputs.reducedLimits.count ? inputs.reducedLimits[i] : nil
            guard let f = filtered?[i] else {
                return ChannelLayer(plane: p.plane, colorMap: map, limits: state.limits ?? window ?? auto)
            }
            // A mask shows as 0 → black, 1 → white: the user's limits are in data units, for the
            // unfiltered data, and apply again once the mask stage is off.
            return ChannelLayer(plane: f.plane, colorMap: map, limits: f.isMask ? .init(0, 1) : state.limits)
        }
        let (overlay, labelFailure) = labelOverlay()
        let rendered = Renderer.composite(
            layers, labels: overlay, settings: settings, columns: pane.columns, rows: pane.rows)
        facts.labels = overlay == nil ? nil : rendered.labels
        if case .plane(_, let layer) = inputs.labels { facts.labelName = layer.name }
        if case .unopenable(let message) = inputs.labels { facts.unopenableLabels = message }
        let drawnLevel = filtered.map { $0[0].level } ?? plan.level
        let levelLabel = LevelSelection(pyramid, view: state.selection, index: drawnLevel).label(
            levelCount: pyramid.count)
        let drawn = filtered == nil ? partials[0].view : state.selection
        var mapping = CellMapping(
            regionRows: drawn.rows.count, regionColumns: drawn.columns.count,
            pixelWidth: rendered.image.width, pixelHeight: rendered.image.height, mode: state.mode)
        mapping.origin = CellMapping.centred(mapping.usedCells, in: pane)
        facts.plane = filtered?[0].plane ?? partials[0].plane
        facts.mapping = mapping
        facts.contrast = rendered.contrast
        facts.mask = filtered?[0].isMask ?? false
        // A mask's 0..1 is no base for the data's limits (`,` `.` `;` `'` adjust from the last data frame).
        if state.limits == nil && !facts.mask {
            facts.autoLimits = RenderSettings.Limits(rendered.contrast.low, rendered.contrast.high)
        }
        if filtered == nil, case .integer(let low, let high) = PlaneFilter.kind(of: array.metadata.dataType) {
            facts.valueRange = low...high
        }
        let status = StatusLine(state: state, name: name, metadata: array.metadata, columns: columns, pane: pane)
        let hiddenByLimits =
            views.count == 1 && !facts.mask && (state.limits != nil || status.usesChannelWindow)
            ? StatusLine.hiddenText(layers[0].plane, low: rendered.contrast.low, high: rendered.contrast.high) : nil
        composer.image(
            &screen, rendered.frame, mapping: mapping,
            missing: partials.flatMap { $0.missing.map { ($0.rows, $0.columns) } },
            failed: partials.flatMap { $0.failed.map { ($0.rows, $0.columns) } })
        let probe = ProbeReadout(
            state: state, plan: plan, inputs: inputs, metadata: array.metadata, pyramid: pyramid, plane: facts.plane!,
            filtered: filtered?[0], labels: facts.labels, labelName: facts.labelName,
            signedLabels: { if case .plane(_, let l) = inputs.labels { l.signedIDs } else { false } }())
        if let p = state.probe { composer.probeMarker(&screen, probe.cell(p, mapping: mapping)) }
        let sel = state.selection
        composer.overview(
            &screen, pane: pane, plane: (state.shape[sel.rowAxis], state.shape[sel.columnAxis]),
            shown: (sel.rows, sel.columns), unicode: state.mode != .ascii)
        let reading = inputs.reading.flatMap { $0.done < $0.total ? $0 : nil }
        composer.statusLine(
            &screen,
            status.text(
                facts: facts, mapping: mapping, levelLabel: levelLabel, filter: filterStatus,
                cache: cache.statistics, loading: inputs.loading, inFlight: inputs.inFlight, reading: reading,
                network: networkStatus))
        let failure = partials.lazy.flatMap(\.failed).first
        if let prompt = state.prompt {
            composer.promptLine(
                &screen, label: prompt.label, text: prompt.text, cursor: prompt.cursor, selected: prompt.selected)
        } else if let failure {
            composer.messageLine(&screen, "error: \(failure.message)", isError: true)
        } else if case .failed(_, let message) = inputs.filter, state.message == nil {
            composer.messageLine(&screen, "filter: \(message)", isError: true)
        } else if let labelFailure, state.message == nil {
            composer.messageLine(&screen, "labels: \(labelFailure)", isError: true)
        } else {
            composer.messageLine(
                &screen,
                state.message ?? facts.unopenableLabels ?? hiddenByLimits ?? probe.text()
                    ?? "? keys  q quit", isError: false)
        }
        if state.showInfo {
            composer.panel(
                &screen,
                InfoPanel.lines(
                    InfoPanel.Source(
                        state: state, array: array, facts: facts, cache: cache, pending: inputs.inFlight)))
        }
        if state.showHelp {
            composer.helpOverlay(
                &screen, KeyMap.helpLines(ascii: state.mode == .ascii), page: state.helpPage,
                unicode: state.mode != .ascii)
        }
        // A pixel mode's picture: kept as it is under the help overlay (which is drawn over it).
        let picture = state.mode.pixelProtocol == nil ? nil : state.showHelp ? shownPicture : rendered.picture
        return Composed(screen: screen, picture: picture, origin: mapping.origin, facts: facts)
    }

    /// The label overlay from the label layer's resident plane, and why there is none.
    private func labelOverlay() -> (LabelOverlay?, String?) {
        switch inputs.labels {
        case .off, .unopenable: return (nil, nil)
        case .failed(let why): return (nil, why)
        case let .plane(partial, layer):
            var overlay = layer.overlay(partial.plane)
            overlay.opacity = state.labelOpacity
            overlay.style = state.labelStyle
            return (overlay, partial.failed.first.map(\.message))
        }
    }

    /// The filter part of the status line.
    private var filterStatus: String? {
        guard let pipeline = state.pipeline else { return nil }
        switch inputs.filter {
        case .off: return FilterStatus.text(pipeline)
        case .computing(let factor): return FilterStatus.text(pipeline, factor: factor) + " computing…"
        case .failed(let factor, _): return FilterStatus.text(pipeline, factor: factor) + " failed"
        case .planes(let planes): return FilterStatus.text(pipeline, planes[0])
        }
    }

    /// The measured round trip and the requests in flight (`net 48 ms, 12 req`), for a remote dataset.
    private var networkStatus: String? {
        guard let client = HTTPClient.existing, let latency = client.statistics.meanLatency else { return nil }
        let inFlight = client.statistics.inFlightCount
        return "net \(Int((latency * 1000).rounded())) ms" + (inFlight > 0 ? ", \(inFlight) req" : "")
    }
}
