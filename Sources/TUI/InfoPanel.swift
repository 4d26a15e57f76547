import Cache
import Foundation
import Stores
import ArrayModel
import Rendering

/// The side panel (`i`): metadata, a histogram of the visible plane with the
/// contrast limits marked, and the cache's statistics.
enum InfoPanel {
    /// What the panel reads: the state, what the last frame drew and the loads behind it.
    struct Source {
        let state: ViewState
        let array: LazyArray
        let facts: FrameFacts
        let cache: ChunkCache
        let pending: Int
        var metadata: ArrayMetadata { array.metadata }
    }

    static func lines(_ app: Source) -> [String] {
        let m = app.metadata
        let names = app.state.selection.axisNames
        var out = [
            "shape  " + m.shape.map(String.init).joined(separator: "x"),
            "axes   " + AxisNames.compact(names) + (app.state.axesGuessed ? " (guessed)" : ""),
            "dtype  " + m.dataType.rawValue,
            "chunks " + m.chunkShape.map(String.init).joined(separator: "x"),
            "format " + m.format,
        ]
        if let scales = m.scales {
            for (name, scale) in zip(names, scales) {
                if let scale { out.append("\(name)      ".prefix(7) + "\(scale) / px") }
            }
        }
        if m.levels.count > 1 {
            out.append(
                "levels " + m.levels.map { $0.suffix(2).map(String.init).joined(separator: "x") }.joined(separator: " ")
            )
        }
        for (i, c) in (m.channels ?? []).enumerated() {
            out.append(
                "c=\(i)    ".prefix(7) + (c.label ?? "") + (c.color.map { " #" + $0 } ?? "")
                    + (c.active ? "" : " (off)"))
        }
        if !app.state.labelNames.isEmpty {
            out.append("labels " + app.state.labelNames.joined(separator: ", "))
            if let name = app.facts.labelName, let ids = app.facts.labels {
                out.append("       \(name): \(ids.distinctCount) ids on screen")
            }
        }
        for w in m.warnings { out.append("! " + w) }
        out.append("")
        if let plane = app.facts.plane, let c = app.facts.contrast {
            out.append(
                app.state.histogramLog ? "histogram, log counts (| = limits)" : "histogram (| = contrast limits)")
            out += histogram(
                plane, low: c.low, high: c.high, width: ScreenComposer.panelWidth - 2, height: 8,
                logCounts: app.state.histogramLog)
            out.append("")
        }
        let s = app.cache.statistics
        out += [
            "cache  \(ByteSize.describe(s.usedBytes, compact: true)) of \(ByteSize.describe(s.budget, compact: true))",
            "       \(s.entries) chunks, \(app.pending) loading",
            "hits \(s.hits)  misses \(s.misses)",
            "prefetch \(s.prefetchLoads) loads, \(s.prefetchHits) hits",
            "evictions \(s.evictions)  read \(ByteSize.describe(app.array.bytesRead, compact: true))",
        ]
        if let r = HTTPClient.existing?.statistics.snapshot, r.requests + r.failures > 0 {
            let ms = { (v: Double) in "\(Int((v * 1000).rounded())) ms" }
            out += [
                "network \(r.requests) requests, \(ByteSize.describe(r.bytesFetched, compact: true))",
                "        \(r.inFlight) in flight, \(r.retries) retries, \(r.failures) failed",
                "        latency mean \(ms(r.latencyMean)), p99 \(ms(r.latencyP99))",
            ]
        }
        return out
    }

    /// Rows of a bar histogram of finite values (top row first), the limits as `|`; with
    /// `logCounts` a bar's height is log(1 + count), so sparse bins beside a peak still show.
    static func histogram(
        _ plane: ArrayBuffer, low: Double, high: Double, width: Int, height: Int,
        logCounts: Bool = false
    ) -> [String] {
        var lo = Double.infinity, hi = -Double.infinity
        let n = plane.count
        let stride = max(1, n / 200_000)
        for i in Swift.stride(from: 0, to: n, by: stride) {
            let v = plane.double(at: i)
            if v.isFinite {
                lo = min(lo, v)
                hi = max(hi, v)
            }
        }
        guard lo < hi else { return ["(constant plane)"] }
        var bins = [Int](repeating: 0, count: width)
        for i in Swift.stride(from: 0, to: n, by: stride) {
            let v = plane.double(at: i)
            guard v.isFinite else { continue }
            bins[min(width - 1, max(0, Int(clamping: (v - lo) / (hi - lo) * Double(width))))] += 1
        }
        let scaled = { (n: Int) in logCounts ? log1p(Double(n)) : Double(n) }
        let top = scaled(bins.max() ?? 1)
        let mark = { (v: Double) in Int(clamping: ((v - lo) / (hi - lo) * Double(width)).rounded(.down)) }
        let (ml, mh) = (mark(low), mark(high))
        var rows: [String] = []
        for r in (0..<height).reversed() {
            rows.append(
                String(
                    (0..<width).map { x -> Character in
                        if x == ml || x == mh { return "|" }
                        return scaled(bins[x]) / top * Double(height) > Double(r) ? "#" : " "
                    }))
        }
        rows.append(NumberText.short(lo).padding(width / 2) + NumberText.short(hi))
        return rows
    }
}
