/// An Imaris `.ims` file (HDF5 inside) as one 5-D multiscale array `t c z y x`:
/// `DataSet/ResolutionLevel L/TimePoint T/Channel C/Data`, stacked over timepoints and
/// channels per level. Imaris pads `Data` to whole chunks: the array's shape is the true
/// size, from `DataSetInfo/Image` `X`/`Y`/`Z` (strings stored as arrays of characters) and
/// per level from the `ImageSizeX/Y/Z` attributes of `TimePoint 0/Channel 0`, else by halving.
/// Channel names and colours from `DataSetInfo/Channel C` (`Name`, `Color` "r g b" in 0…1,
/// `ColorRange`), physical steps from `ExtMin0…2`/`ExtMax0…2` (x, y, z) and `Unit`.
enum ImarisImage {
    static func open(file: String, location: String) throws -> LazyArray {
        let h5 = try HDF5File(file)
        let level0 = "/DataSet/ResolutionLevel 0"
        guard h5.exists(level0 + "/TimePoint 0/Channel 0/Data") else {
            throw FormatError.missing("not an Imaris file (no DataSet/ResolutionLevel 0/TimePoint 0/Channel 0/Data)")
        }
        let nL = h5.count("/DataSet", "ResolutionLevel ")
        let nT = h5.count(level0, "TimePoint ")
        let nC = h5.count(level0 + "/TimePoint 0", "Channel ")
        let image = "/DataSetInfo/Image"
        let number = { (object: String, name: String) -> Double? in
            h5.string(object, name).flatMap { Double($0.trimmed) } ?? h5.doubles(object, name)?.first
        }
        // A size is a whole number within 1...2^40; anything else (1e308, -50, nan) is no size.
        let count = { (v: Double) -> Int? in v.isFinite && v >= 1 && v <= 0x100_0000_0000 ? Int(v) : nil }
        let size0: [Int]? = {
            let v = ["Z", "Y", "X"].compactMap { number(image, $0).flatMap(count) }
            return v.count == 3 && v.allSatisfy { $0 > 0 } ? v : nil
        }()

        var levelArrays: [LazyArray] = []
        var shapes: [[Int]] = []
        var first: ArrayMetadata?
        for level in 0..<nL {
            let data = { @Sendable (slot: Int) -> String in
                "DataSet/ResolutionLevel \(level)/TimePoint \(slot / nC)/Channel \(slot % nC)/Data"
            }
            let present = (0..<(nT * nC)).map { h5.exists("/" + data($0)) }
            guard present[0] else { throw FormatError.missing("no \(data(0)) in the Imaris file") }
            let openPart = { @Sendable (slot: Int) throws -> LazyArray in
                try HDF5Array.open(file: file, dataset: data(slot), location: file + "/" + data(slot))
            }
            let part: LazyArray
            do { part = try openPart(0) } catch {
                throw FormatError.level(path: "ResolutionLevel \(level)", underlying: error)
            }
            let p = part.metadata
            guard p.rank == 3 else {
                throw FormatError.invalidMetadata(file: data(0), problem: "\(p.rank) axes, expected 3 (z, y, x)")
            }
            // The true size: the level's own attributes, else level 0's halved, never beyond the stored data.
            let group = "/DataSet/ResolutionLevel \(level)/TimePoint 0/Channel 0"
            let own = ["ImageSizeZ", "ImageSizeY", "ImageSizeX"].compactMap { number(group, $0).flatMap(count) }
            var shape: [Int]
            if own.count == 3, own.allSatisfy({ $0 > 0 }) {
                shape = own
            } else if let size0 {
                shape = size0.map { max(1, ($0 + (1 << level) - 1) >> level) }
            } else {
                shape = p.shape
            }
            shape = zip(shape, p.shape).map { min($0, $1) }
            shapes.append(shape)
            var m = ArrayMetadata(
                format: "imaris", location: location, shape: [nT, nC] + shape, dataType: p.dataType,
                chunkShape: [1, 1] + p.chunkShape, fillValue: .int(0), axisNames: ["t", "c", "z", "y", "x"],
                codecs: p.codecs)
            m.axisTypes = ["time", "channel", "space", "space", "space"]
            m.channels = (0..<nC).map { channel(h5, $0) }
            if level == 0 {
                m.scales = scales(h5, size: shape, number: number)
                let absent = present.filter { !$0 }.count
                if absent > 0 {
                    m.warnings = ["\(absent) of \(present.count) channel/timepoint datasets missing: read as zeros"]
                }
                let counts =
                    "\(nC) channel\(nC == 1 ? "" : "s"), \(nT) timepoint\(nT == 1 ? "" : "s"), \(nL) resolution level\(nL == 1 ? "" : "s")"
                let stored: String = p.shape.map(String.init).joined(separator: "×")
                let shown: String = shape.map(String.init).joined(separator: "×")
                m.notes = ["Imaris file: " + counts, "stored " + stored + " (padded to chunks), shown " + shown]
                first = m
            }
            levelArrays.append(
                try StackedArray(
                    metadata: m, leading: [nT, nC], present: present, sourcePaths: [file],
                    first: (0, part), open: openPart))
        }
        let factors: [[Double]] = shapes.map { s in
            let f: [Double] = zip(shapes[0], s).map { (n0: Int, n: Int) -> Double in
                n > 0 && n0 > n ? (Double(n0) / Double(n)).rounded() : 1
            }
            return [1, 1] + f
        }
        return HDF5Pyramid(
            metadata: first!, levels: levelArrays, factors: factors,
            paths: (0..<nL).map { "ResolutionLevel \($0)" }, sourcePaths: [file])
    }

    /// `Name`, `Color` ("r g b", 0…1, as `RRGGBB`) and `ColorRange` ("min max") of `DataSetInfo/Channel C`.
    static func channel(_ h5: HDF5File, _ c: Int) -> ChannelInfo {
        let group = "/DataSetInfo/Channel \(c)"
        let name = h5.string(group, "Name").map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        let floats = { (s: String?) in s?.split(separator: " ").compactMap { Double($0) } ?? [] }
        let rgb = floats(h5.string(group, "Color"))
        var color: String?
        if rgb.count == 3, rgb.allSatisfy({ $0 >= 0 && $0 <= 1 }) {
            color = rgb.map { v -> String in
                let h = String(Int((v * 255).rounded()), radix: 16, uppercase: true)
                return h.count == 1 ? "0" + h : h
            }.joined()
        }
        let range = floats(h5.string(group, "ColorRange"))
        let window = range.count == 2 && range[0] < range[1] ? (start: range[0], end: range[1]) : nil
        return ChannelInfo(label: name ?? "channel \(c)", color: color, window: window, active: true)
    }

    /// (ExtMax - ExtMin) / size per axis, z y x, in `Unit`.
    static func scales(_ h5: HDF5File, size: [Int], number: (String, String) -> Double?) -> [AxisScale?]? {
        let image = "/DataSetInfo/Image"
        let unit = BigDataViewerImage.normalizedUnit(h5.string(image, "Unit")) ?? "micrometer"
        let steps: [AxisScale?] = zip(["2", "1", "0"], size).map { axis, n in
            guard let lo = number(image, "ExtMin" + axis), let hi = number(image, "ExtMax" + axis), n > 0 else {
                return nil
            }
            let step = (hi - lo) / Double(n)
            return step >= 1e-30 && step <= 1e30 ? AxisScale(step: step, unit: unit) : nil
        }
        return steps.allSatisfy({ $0 == nil }) ? nil : [nil, nil] + steps
    }
}
