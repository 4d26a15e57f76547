import ArrayModel
import Cache
import Rendering

/// The status line: `demo:  z 100/201  t 3/199  c 1/3  fit  gray auto 102..4011  half  cache 412 MiB/1 GiB, 3 loading`,
/// fitted to the terminal's width field by field.
struct StatusLine {
    let state: ViewState
    let name: String
    let metadata: ArrayMetadata
    let columns: Int
    let pane: ViewState.Pane

    /// One field of the status line, the rank at which it gives way (0: never by rank), and a shorter
    /// form it may take first (`c 1/3 membranes` → `c 1/3`).
    struct Part {
        var text: String
        let drop: Int
        var short: String?
        /// Names shorten after the zoom goes (3) and before the limits (2).
        static let shortRank = 2.5
        init(_ text: String, _ drop: Int, short: String? = nil) {
            (self.text, self.drop, self.short) = (text, drop, short)
        }
    }

    /// - Parameters:
    ///   - levelLabel: the drawn level, or the one filters read (`L2 1/4`).
    ///   - loading: parts of the planes still loading; `inFlight`: loads queued or running.
    ///   - reading: chunks folded and in all, while a plane too big to assemble is being reduced.
    func text(
        facts: FrameFacts, mapping: CellMapping?, levelLabel: String?, filter: String?, cache: ChunkCacheStatistics,
        loading: Int, inFlight: Int, reading: (done: Int, total: Int)?, network: String?
    ) -> String {
        let s = state.selection
        // Each part with the order it gives way in when the line is too long (highest first):
        // decoration goes before the level and colours, those before the position, the
        // filter and the cache, which stay.
        var parts = [Part(name, 0)]
        func add(_ text: String, _ drop: Int, short: String? = nil) {
            parts.append(Part(text, drop, short: short))
        }
        for axis in s.indices.indices where axis != s.rowAxis && axis != s.columnAxis {
            if state.composite && axis == state.channelAxis {
                add("\(s.axisNames[axis]) all", 0)
                continue
            }
            let mark = axis == state.scrubAxis ? "*" : ""
            let label =
                axis == state.channelAxis
                ? ChannelLayer.channel(of: s, axis: axis, in: metadata)?.label.map { " " + $0 } : nil
            let position = "\(mark)\(s.axisNames[axis]) \(s.indices[axis] + state.indexBase)/\(state.shape[axis])"
            // The channel's name gives way (before the limits) where the line is short.
            add(position + (label ?? ""), 0, short: label == nil ? nil : position)
        }
        if let scale = state.scale, scale < state.fitScale(pane) {
            add(scale >= 1 ? "zoom 1:\(NumberText.short(scale))" : "zoom \(NumberText.short(1 / scale)):1", 3)
        } else {
            add("fit", 5)
        }
        if let levelLabel { add(levelLabel, 4) }
        if let cell = cellWidth(mapping) { add("cell \(cell)", 6) }
        let limits =
            facts.mask
            ? "mask 0..1"
            : state.limits.map { "\(NumberText.short($0.low))..\(NumberText.short($0.high))" }
                ?? facts.contrast.map {
                    "\(usesChannelWindow ? "window" : "auto") \(NumberText.short($0.low))..\(NumberText.short($0.high))"
                } ?? "auto"
        // The limits stay longer than the zoom (an 80×24 terminal keeps them).
        add("\(state.composite ? "composite" : state.colorMapName) \(limits)", 2)
        if let i = state.labelIndex, i < state.labelNames.count {
            add("labels \(state.labelNames[i])" + (state.labelStyle == .outline ? " outline" : ""), 2)
        }
        add(state.mode.name, 6)
        if state.downsample != .mean { add(state.downsample.rawValue, 5) }
        if let filter { add(filter, 0) }
        if state.playing { add("\u{25B6} \(s.axisNames[state.playAxis]) \(NumberText.short(state.fps))/s", 1) }
        if let reading { add("reading \(reading.done)/\(reading.total) chunks", 0) }
        add(
            "cache \(ByteSize.describe(cache.usedBytes, compact: true))/\(ByteSize.describe(cache.budget, compact: true))"
                + (reading == nil && (loading > 0 || inFlight > 0) ? ", \(max(loading, inFlight)) loading" : ""), 0)
        if let network { add(network, 2) }
        return StatusLine.fit(parts, columns: columns)
    }

    /// The parts joined by two spaces, within `columns` when it can be: a long path gives
    /// way first (to its last component), then parts in order of their drop rank.
    static func fit(_ parts: [(text: String, drop: Int)], columns: Int) -> String {
        fit(parts.map { Part($0.text, $0.drop) }, columns: columns)
    }

    static func fit(_ parts: [Part], columns: Int) -> String {
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
                (rank: Part.shortRank, i: $0, shorten: true)
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

    /// The physical width of one cell (a scale bar in words: `cell 2.6 µm`), when x's scale is known.
    private func cellWidth(_ mapping: CellMapping?) -> String? {
        guard let m = mapping, let scale = metadata.scales?[state.selection.columnAxis], m.pixelWidth > 0
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
    var usesChannelWindow: Bool {
        state.limits == nil && state.channelWindows && !state.composite
            && ChannelLayer.channel(of: state.selection, axis: state.channelAxis, in: metadata)?.window != nil
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
}
