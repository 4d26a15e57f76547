import Cache
import Formats

/// What `vstack info` prints: a table like dask's array repr, or JSON.
struct InfoReport {
    let metadata: ArrayMetadata
    /// The multiscale levels (one for a single-scale array).
    var pyramid: [PyramidLevel] = []
    let axisNames: [String]
    /// Where the names come from; guessed and default names are `axes: null` in JSON.
    let axesOrigin: AxisNames.Origin
    /// The summary of `--check`, when it ran.
    var checked: String? = nil

    func table() -> String {
        let m = metadata
        let grid = m.grid
        let chunkBytes = grid.elementsPerChunk * m.dataType.size
        var rows: [(String, String, String)] = [
            ("", "Array", "Chunk"),
            ("bytes", ByteSize.describe(m.logicalBytes), ByteSize.describe(chunkBytes)),
            ("shape", Self.tuple(m.shape), Self.tuple(m.chunkShape)),
            ("count", "1 array", "\(Self.grouped(grid.chunkCount)) chunks"),
        ]
        if let shard = m.shardShape { rows.append(("shards", "", Self.tuple(shard))) }
        var out = "\(m.location)\n"
        let w0 = 8, w1 = max(rows.map { $0.1.count }.max() ?? 0, 10) + 3
        for (a, b, c) in rows {
            out += Self.pad(a, w0) + Self.pad(b, w1) + c + "\n"
        }
        let axes = zip(axisNames, m.shape).map { "\($0)=\($1)" }.joined(separator: " ")
        let extra: [(String, String)] = [
            ("format", m.format),
            ("dtype", m.dataType.name),
            ("axes", "\(AxisNames.compact(axisNames))  (\(axes))\(Self.originNote(axesOrigin))"),
            ("fill", m.fillValue.description),
            ("codecs", m.codecs.joined(separator: " → ")),
        ]
        for (k, v) in extra { out += Self.pad(k, w0) + v + "\n" }
        if pyramid.count > 1 {
            // One line a level: path, shape, chunks, and how many level-0 pixels one of its pixels stands for.
            let pw = (pyramid.map(\.path.count).max() ?? 0) + 2
            for (i, level) in pyramid.enumerated() {
                let lm = level.array.metadata
                let factors = zip(axisNames, level.factors).filter { $0.1 != 1 }.map { "\($0.0)/\(Self.number($0.1))" }
                out +=
                    Self.pad(i == 0 ? "levels" : "", w0) + "\(i): " + Self.pad(level.path, pw)
                    + Self.pad(Self.tuple(lm.shape), w1)
                    + "chunks " + Self.tuple(lm.chunkShape)
                    + (factors.isEmpty ? "" : "  " + factors.joined(separator: " ")) + "\n"
            }
        } else {
            out +=
                Self.pad("levels", w0)
                + m.levels.enumerated().map { "\($0): \(Self.tuple($1))" }.joined(separator: ", ") + "\n"
        }
        if let channels = m.channels {
            let text = channels.enumerated().map { i, c in
                var details = [
                    c.color.map { "#" + $0 }, c.window.map { "\(Self.number($0.start))..\(Self.number($0.end))" },
                ].compactMap { $0 }
                if !c.active { details.append("off") }
                return (c.label ?? "\(i)") + (details.isEmpty ? "" : " (" + details.joined(separator: ", ") + ")")
            }
            out += Self.pad("channels", w0) + text.joined(separator: ", ") + "\n"
        }
        if let scales = m.scales, scales.contains(where: { $0 != nil }) {
            let text = zip(axisNames, scales).compactMap { n, s in s.map { "\(n)=\($0)" } }.joined(separator: ", ")
            out += Self.pad("scale", w0) + text + "\n"
        }
        for note in m.notes { out += Self.pad("note", w0) + note + "\n" }
        for warning in m.warnings { out += Self.pad("warning", w0) + warning + "\n" }
        if let checked { out += Self.pad("check", w0) + checked + "\n" }
        return out
    }

    func json() -> String {
        let m = metadata
        let fill: String =
            switch m.fillValue {
            case .float(let v) where !v.isFinite: "\"\(m.fillValue.description)\""
            case .float(let v): v == v.rounded() && abs(v) < 1e15 ? "\(Int64(v)).0" : "\(v)"
            default: m.fillValue.description
            }
        let fields: [(String, String)] = [
            ("format", Self.quote(m.format)),
            ("location", Self.quote(m.location)),
            ("shape", Self.list(m.shape)),
            ("dtype", Self.quote(m.dataType.name)),
            ("chunks", Self.list(m.chunkShape)),
            ("shards", m.shardShape.map(Self.list) ?? "null"),
            ("axes", namesFromSource ? Self.quote(AxisNames.compact(axisNames)) : "null"),
            ("axes_origin", Self.quote(Self.originName(axesOrigin))),
            ("axis_names", "[" + axisNames.map(Self.quote).joined(separator: ", ") + "]"),
            ("fill_value", fill),
            ("codecs", "[" + m.codecs.map(Self.quote).joined(separator: ", ") + "]"),
            ("bytes", String(m.logicalBytes)),
            ("chunk_count", String(m.grid.chunkCount)),
            ("levels", "[" + m.levels.map(Self.list).joined(separator: ", ") + "]"),
            ("scales", m.scales.map { "[" + $0.map(Self.scale).joined(separator: ", ") + "]" } ?? "null"),
            (
                "axis_types",
                m.axisTypes.map { "[" + $0.map { $0.map(Self.quote) ?? "null" }.joined(separator: ", ") + "]" }
                    ?? "null"
            ),
            ("pyramid", "[" + pyramid.map(Self.level).joined(separator: ", ") + "]"),
            ("channels", m.channels.map { "[" + $0.map(Self.channel).joined(separator: ", ") + "]" } ?? "null"),
            ("notes", "[" + m.notes.map(Self.quote).joined(separator: ", ") + "]"),
            ("warnings", "[" + m.warnings.map(Self.quote).joined(separator: ", ") + "]"),
            ("checked", checked.map(Self.quote) ?? "null"),
        ]
        return "{" + fields.map { "\(Self.quote($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    var namesFromSource: Bool { axesOrigin == .source || axesOrigin == .option }

    /// What `info` says after the axes when the data did not name them.
    static func originNote(_ origin: AxisNames.Origin) -> String {
        switch origin {
        case .source, .option: ""
        case .shape: ", guessed from the shape (name them with --axes)"
        case .rank: ", default names"
        }
    }

    /// `axes_origin` in JSON: `source`, `option` (--axes), `shape` (guessed), `default`.
    static func originName(_ origin: AxisNames.Origin) -> String {
        switch origin {
        case .source: "source"
        case .option: "option"
        case .shape: "shape"
        case .rank: "default"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// `{"step": 0.5, "unit": "µm"}` or null.
    static func scale(_ s: AxisScale?) -> String {
        guard let s else { return "null" }
        return "{\"step\": \(json(s.step)), \"unit\": \(s.unit.map(quote) ?? "null")}"
    }

    /// `{"path": "s1", "shape": […], "chunks": […], "factors": […], "offsets": […]}`.
    static func level(_ l: PyramidLevel) -> String {
        let m = l.array.metadata
        return "{\"path\": \(quote(l.path)), \"shape\": \(list(m.shape)), \"chunks\": \(list(m.chunkShape)), "
            + "\"factors\": [\(l.factors.map(json).joined(separator: ", "))], \"offsets\": [\(l.offsets.map(json).joined(separator: ", "))]}"
    }

    /// `{"label": "DAPI", "color": "0000FF", "window": [10.0, 200.0], "active": true}`.
    static func channel(_ c: ChannelInfo) -> String {
        "{\"label\": \(c.label.map(quote) ?? "null"), \"color\": \(c.color.map(quote) ?? "null"), "
            + "\"window\": \(c.window.map { "[\(json($0.start)), \(json($0.end))]" } ?? "null"), \"active\": \(c.active)}"
    }

    /// A JSON number; null for a value JSON cannot hold (inf, nan), which metadata checks should have refused.
    static func json(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    static func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(v) }

    static func list(_ a: [Int]) -> String { "[" + a.map(String.init).joined(separator: ", ") + "]" }
    static func tuple(_ a: [Int]) -> String {
        a.count == 1 ? "(\(a[0]),)" : "(" + a.map(String.init).joined(separator: ", ") + ")"
    }
    static func pad(_ s: String, _ w: Int) -> String {
        s.count >= w ? s + " " : s + String(repeating: " ", count: w - s.count)
    }

    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, ch) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return String(out.reversed())
    }
}
