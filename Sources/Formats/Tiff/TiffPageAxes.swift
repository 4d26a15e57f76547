import CTiff
import Foundation

/// How the pages of a TIFF file map to leading axes, read from the first
/// page's ImageDescription: an ImageJ hyperstack (pages in TZC order), OME-XML
/// (`DimensionOrder`), tifffile's `{"shape": …}`, or a plain stack of pages.
struct TiffPageAxes: Sendable {
    /// `imagej`, `ome`, `tifffile` or `plain` (reported by `info`).
    var kind: String
    /// Axis names, or nil when the file names none.
    var names: [String]?
    /// Sizes of the page axes; their C-order flattening is the page number.
    var shape: [Int]
    /// Physical pixel size by axis name (`z`, `y`, `x`, `t`).
    var scales: [String: AxisScale] = [:]

    var pageCount: Int { shape.reduce(1, *) }

    /// Reads the axes; `countPages` walks the page chain and is called only
    /// when the metadata does not say how many pages there are.
    static func read(_ first: TiffPageInfo, countPages: () throws -> Int) throws -> TiffPageAxes {
        let text = first.description ?? ""
        var axes: TiffPageAxes
        if text.hasPrefix("ImageJ=") {
            axes = imageJ(text, first)
        } else if let ome = ome(text, first) {
            axes = ome
        } else if let shaped = tifffileShape(text, first) {
            axes = shaped
        } else {
            let n = try countPages()
            axes = TiffPageAxes(kind: "plain", names: nil, shape: n > 1 ? [n] : [])
        }
        if axes.scales["x"] == nil, let (x, y) = resolutionScales(first) {
            axes.scales["x"] = x
            axes.scales["y"] = y
        }
        return axes
    }

    // MARK: ImageJ

    /// `images=`, `channels=`, `slices=`, `frames=`; pages in TZC order; axes of size 1 dropped (as tifffile does).
    static func imageJ(_ text: String, _ first: TiffPageInfo) -> TiffPageAxes {
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let kv = line.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { values[String(kv[0])] = String(kv[1]) }
        }
        func int(_ k: String) -> Int? { values[k].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } }
        let images = int("images") ?? 1
        var t = int("frames") ?? 1, z = int("slices") ?? 1, c = int("channels") ?? 1
        if CheckedSize.product([t, z, c]) != images { (t, z, c) = (1, images, 1) }  // not a consistent hyperstack: a plain stack
        var names: [String] = [], shape: [Int] = []
        for (name, size) in [("t", t), ("z", z), ("c", c)] where size > 1 {
            names.append(name)
            shape.append(size)
        }
        var axes = TiffPageAxes(kind: "imagej", names: names, shape: shape)
        let unit = values["unit"].map(normalizedUnit)
        if let unit, !unit.isEmpty {
            if let xr = first.xResolution { axes.scales["x"] = AxisScale(step: 1 / xr, unit: unit) }
            if let yr = first.yResolution { axes.scales["y"] = AxisScale(step: 1 / yr, unit: unit) }
        }
        if let s = values["spacing"].flatMap(Double.init), s > 0 { axes.scales["z"] = AxisScale(step: s, unit: unit) }
        if let f = values["finterval"].flatMap(Double.init), f > 0 {
            axes.scales["t"] = AxisScale(step: f, unit: values["tunit"].map(normalizedUnit) ?? "s")
        }
        return axes
    }

    // MARK: OME-XML

    /// The first `Pixels` element: `DimensionOrder` (fastest first, e.g. XYZCT)
    /// and `SizeZ/C/T`; planes stored in that order from the first page.
    static func ome(_ text: String, _ first: TiffPageInfo) -> TiffPageAxes? {
        guard text.contains("<OME") || text.contains(":OME"), let attrs = xmlAttributes(of: "Pixels", in: text),
            let order = attrs["DimensionOrder"], order.count == 5, order.hasPrefix("XY")
        else { return nil }
        func size(_ k: String) -> Int { attrs["Size" + k].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? 1 }
        var names: [String] = [], shape: [Int] = []
        for letter in order.dropFirst(2).reversed() {
            var n = size(String(letter))
            if letter == "C", first.samplesPerPixel > 1 { n = max(1, n / first.samplesPerPixel) }
            if n > 1 {
                names.append(letter.lowercased())
                shape.append(n)
            }
        }
        var axes = TiffPageAxes(kind: "ome", names: names, shape: shape)
        for a in ["X", "Y", "Z"] {
            if let v = attrs["PhysicalSize" + a].flatMap(Double.init), v > 0 {
                axes.scales[a.lowercased()] = AxisScale(
                    step: v, unit: normalizedUnit(attrs["PhysicalSize\(a)Unit"] ?? "µm"))
            }
        }
        if let v = attrs["TimeIncrement"].flatMap(Double.init), v > 0 {
            axes.scales["t"] = AxisScale(step: v, unit: attrs["TimeIncrementUnit"] ?? "s")
        }
        return axes
    }

    /// The attributes of the first element named `name` (with or without a namespace prefix).
    static func xmlAttributes(of name: String, in text: String) -> [String: String]? {
        var search = text[...]
        while let r = search.range(of: name) {
            let before = search[..<r.lowerBound].last
            let after = search[r.upperBound...].first
            search = search[r.upperBound...]
            guard before == "<" || before == ":", let after,
                after == " " || after == "\n" || after == "\t" || after == "\r"
            else { continue }
            let end = search.firstIndex(of: ">") ?? search.endIndex
            var attrs: [String: String] = [:]
            var rest = search[..<end]
            while let eq = rest.firstIndex(of: "=") {
                let key = rest[..<eq].trimmingCharacters(in: .whitespacesAndNewlines)
                let afterEq = rest[rest.index(after: eq)...].drop { $0 == " " }
                guard let quote = afterEq.first, quote == "\"" || quote == "'" else { break }
                let value = afterEq.dropFirst()
                guard let close = value.firstIndex(of: quote) else { break }
                attrs[String(key.split(separator: " ").last ?? "")] = xmlUnescape(String(value[..<close]))
                rest = value[value.index(after: close)...]
            }
            return attrs
        }
        return nil
    }

    static func xmlUnescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        return s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    // MARK: tifffile

    /// tifffile's `{"shape": [...]}` (optionally `"axes": "ZYX"`): the leading
    /// dimensions beyond one page are the page axes.
    static func tifffileShape(_ text: String, _ first: TiffPageInfo) -> TiffPageAxes? {
        // tifffile writes exactly this small object; a scan avoids JSONSerialization's start-up cost.
        guard text.hasPrefix("{"), let shapeKey = text.range(of: "\"shape\""),
            let open = text[shapeKey.upperBound...].firstIndex(of: "["),
            let close = text[open...].firstIndex(of: "]")
        else { return nil }
        let items = text[text.index(after: open)..<close].split(separator: ",")
        let shape = items.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !items.isEmpty, shape.count == items.count else { return nil }
        var axesLetters: String?
        if let axesKey = text.range(of: "\"axes\""), let q1 = text[axesKey.upperBound...].firstIndex(of: "\""),
            let q2 = text[text.index(after: q1)...].firstIndex(of: "\"")
        {
            axesLetters = String(text[text.index(after: q1)..<q2])
        }
        let pageRank = first.samplesPerPixel > 1 ? 3 : 2
        guard shape.count >= pageRank, shape.allSatisfy({ $0 > 0 }) else { return nil }
        let lead = Array(shape.dropLast(pageRank))
        var names: [String]? = nil
        if let letters = axesLetters, letters.count == shape.count {
            let lower = letters.lowercased().map(String.init)
            if !lower.contains("q"), Set(lower).count == lower.count { names = Array(lower.prefix(lead.count)) }
        }
        // Drop axes of size 1 (as tifffile's series shape does) so the page axes stay meaningful.
        let keep = lead.indices.filter { lead[$0] > 1 }
        return TiffPageAxes(
            kind: "tifffile", names: names.map { n in keep.map { n[$0] } },
            shape: keep.map { lead[$0] })
    }

    // MARK: resolution

    /// X/Y pixel size from XResolution/YResolution in inches or centimetres, as µm.
    static func resolutionScales(_ p: TiffPageInfo) -> (AxisScale, AxisScale)? {
        guard let xr = p.xResolution, let yr = p.yResolution else { return nil }
        let perUnit: Double
        switch Int32(p.resolutionUnit) {
        case RESUNIT_INCH: perUnit = 25_400
        case RESUNIT_CENTIMETER: perUnit = 10_000
        default: return nil
        }
        // 72 or 1 pixels per inch is a writer's default, not a measurement.
        if Int32(p.resolutionUnit) == RESUNIT_INCH, (xr == 72 && yr == 72) || (xr == 1 && yr == 1) { return nil }
        return (AxisScale(step: perUnit / xr, unit: "µm"), AxisScale(step: perUnit / yr, unit: "µm"))
    }

    static func normalizedUnit(_ u: String) -> String {
        switch u {
        case "micron", "microns", "um", "\\u00B5m", "µm", "μm": "µm"
        case "nanometer", "nm": "nm"
        case "pixel", "pixels": ""
        default: u
        }
    }
}
