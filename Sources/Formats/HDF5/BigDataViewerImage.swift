import Stores

/// BigDataViewer's `dataset.xml` with its HDF5 file (`ImageLoader format="bdv.hdf5"`), as one
/// multiscale array: the timepoints are the time axis, and the view setups the channel axis
/// `t c z y x` (whatever they differ in), or, when they differ in two or more of their
/// attributes (tile, angle, illumination, channel), one axis for each, `t tile angle c z y x`.
/// Levels and
/// their factors come from `s00/resolutions` (xyz), the data from `tTTTTT/sSS/L/cells` (zyx).
/// uint16 data, which BigDataViewer stores as int16, reads as uint16 (the same bits).
/// A view that is missing (listed in `MissingViews`, or absent from the file) reads as zeros.
/// `bdv.n5` reads the N5 container's `setupN/timepointM/sL` datasets the same way.
enum BigDataViewerImage {
    /// XML files larger than this are refused (BigStitcher's registrations make them a few MiB).
    static let maxXMLBytes = 64 << 20

    struct Setup {
        var id: Int
        var name: String?
        var size: [Int]?
        var voxelUnit: String?
        var voxelSize: [Double]?
        /// `<attributes>`: `channel`, `angle`, `illumination`, `tile` (…) and the id of each.
        var attributes: [String: Int] = [:]
    }

    /// The setups' attributes that become axes, in this order; `channel` is named `c`.
    static let attributeAxes = ["tile", "angle", "illumination", "channel"]

    static func open(xml path: String, location: String) throws -> LazyArray {
        let bytes = try LocalStore.readPrefix(path, count: maxXMLBytes + 1)
        guard bytes.count <= maxXMLBytes else {
            throw FormatError.tooLarge(what: "XML file", limit: "at most \(maxXMLBytes >> 20) MiB")
        }
        let root = try XMLNode.parse(bytes)
        guard root.name == "SpimData" else {
            throw FormatError.unsupported(
                "XML whose root element is <\(root.name)> (vstack reads BigDataViewer's <SpimData> dataset.xml)")
        }
        guard let seq = root.child("SequenceDescription") else {
            throw FormatError.invalidMetadata(file: nil, problem: "no <SequenceDescription> in the BigDataViewer XML")
        }
        guard let loader = seq.child("ImageLoader") ?? seq.child("ImgLoader") else {
            throw FormatError.invalidMetadata(file: nil, problem: "no <ImageLoader> in the BigDataViewer XML")
        }
        let format = loader.attributes["format"] ?? ""
        guard format == "bdv.hdf5" || format == "bdv.n5" else {
            throw FormatError.unsupported(
                "BigDataViewer image loader format '\(format.isEmpty ? "(none)" : format)' (vstack reads bdv.hdf5 and bdv.n5)"
            )
        }
        let tag = format == "bdv.n5" ? "n5" : "hdf5"
        guard let ref = loader.child(tag), !ref.text.trimmed.isEmpty else {
            throw FormatError.invalidMetadata(file: nil, problem: "no <\(tag)> in the ImageLoader")
        }
        let name = ref.text.trimmed
        let directory = path.contains("/") ? String(path[...path.lastIndex(of: "/")!]) : ""
        let file = ref.attributes["type"] == "absolute" || name.hasPrefix("/") ? name : directory + name

        let setups = try (seq.child("ViewSetups")?.all("ViewSetup") ?? []).map(setup).sorted { $0.id < $1.id }
        guard !setups.isEmpty else {
            throw FormatError.invalidMetadata(file: nil, problem: "no <ViewSetup> in the BigDataViewer XML")
        }
        if let size = setups[0].size, let other = setups.first(where: { $0.size != nil && $0.size != size }) {
            throw FormatError.unsupported(
                "BigDataViewer setups of different sizes (setup \(setups[0].id) is \(size.map(String.init).joined(separator: "×")), setup \(other.id) \(other.size!.map(String.init).joined(separator: "×")); vstack stacks setups of one size)"
            )
        }
        let times = try timepoints(seq.child("Timepoints"))
        let missingViews = Set(
            (seq.child("MissingViews")?.all("View") ?? []).compactMap { v -> [Int]? in
                guard let t = v.attributes["timepoint"].flatMap({ Int($0) }),
                    let s = v.attributes["setup"].flatMap({ Int($0) })
                else { return nil }
                return [t, s]
            })
        var image = Image(
            xml: path, location: location, source: file, setups: setups, times: times, missing: missingViews,
            axes: [("c", setups.indices.map { $0 })], setupAt: setups.indices.map { $0 })
        image.splitByAttributes(names: attributeNames(seq.child("ViewSetups")))
        return format == "bdv.n5" ? try openN5(image) : try openHDF5(image)
    }

    /// What the XML says: the views, and the file or container holding them.
    struct Image {
        var xml, location, source: String
        var setups: [Setup]
        var times: [Int]
        var missing: Set<[Int]>
        /// The axes between t and z: their names and the attribute ids along each (`c`: the
        /// setups themselves, by index, unless split by attributes).
        var axes: [(name: String, values: [Int])]
        /// Per combination of `axes` (C order), the index in `setups` of its setup; nil: none has it.
        var setupAt: [Int?]
        /// Channel names from `<Attributes name="channel">`, by channel id.
        var channelNames: [Int: String] = [:]
        var split: Bool { axes.count > 1 || axes[0].name != "c" || setupAt.count != setups.count }
        var nT: Int { times.count }
        /// Combinations per timepoint: a slot is `t · nC + combination`.
        var nC: Int { setupAt.count }
        var sourceName: String { source.split(separator: "/").last.map(String.init) ?? source }

        /// The setup of `slot`, nil when no setup has its combination of attributes.
        func setup(_ slot: Int) -> Setup? { setupAt[slot % nC].map { setups[$0] } }

        /// Setups that differ in two or more attributes: one axis per attribute (in
        /// `attributeAxes` order), each over the ids that occur, when every setup has them all
        /// and no two setups share a combination. Otherwise the setups stay one `c` axis.
        mutating func splitByAttributes(names: [Int: String]) {
            let varying = BigDataViewerImage.attributeAxes.filter { kind in
                Set(setups.compactMap { $0.attributes[kind] }).count > 1
            }
            guard varying.count >= 2, setups.allSatisfy({ s in varying.allSatisfy { s.attributes[$0] != nil } })
            else { return }
            let values = varying.map { kind in Array(Set(setups.map { $0.attributes[kind]! })).sorted() }
            var at = [Int?](repeating: nil, count: values.reduce(1) { $0 * $1.count })
            for (i, s) in setups.enumerated() {
                var k = 0
                for (kind, ids) in zip(varying, values) { k = k * ids.count + ids.firstIndex(of: s.attributes[kind]!)! }
                guard at[k] == nil else { return }  // two setups with one combination: keep them as c
                at[k] = i
            }
            axes = zip(varying, values).map { ($0 == "channel" ? "c" : $0, $1) }
            setupAt = at
            channelNames = names
        }

        /// The attributes of combination `k`, as `tile 1 angle 0`.
        func describeCombination(_ k: Int) -> String {
            var rest = k
            var parts: [String] = []
            for axis in axes.reversed() {
                parts.append("\(axis.name == "c" ? "channel" : axis.name) \(axis.values[rest % axis.values.count])")
                rest /= axis.values.count
            }
            return parts.reversed().joined(separator: " ")
        }
    }

    static func openHDF5(_ image: Image) throws -> LazyArray {
        let (file, setups, times) = (image.source, image.setups, image.times)
        guard HDF5Library.isRegularFile(file) else {
            throw FormatError.missing("the XML's HDF5 file \(file): no such file")
        }
        let h5file: HDF5File
        do { h5file = try HDF5File(file) } catch {
            throw FormatError.within("BigDataViewer HDF5 file \(file)", underlying: error)
        }
        let (factors, subdivisions) = try levels(h5file, setup: setups[0].id)
        for s in setups.dropFirst() {
            guard let (f, _) = try? levels(h5file, setup: s.id), f == factors else {
                throw FormatError.unsupported(
                    "BigDataViewer setups with different resolution levels (setup \(s.id) differs from setup \(setups[0].id))"
                )
            }
        }
        let nC = image.nC
        let at = image.setupAt
        // Only called for a slot with a setup (`exists` is false for the others).
        let cells = { @Sendable (slot: Int, level: Int) -> String in
            "t\(pad(times[slot / nC], 5))/s\(pad(at[slot % nC].map { setups[$0].id } ?? -1, 2))/\(level)/cells"
        }
        let notes = [
            "subdivisions (xyz): "
                + subdivisions.map { "(" + $0.map(String.init).joined(separator: ", ") + ")" }.joined(separator: ", ")
        ]
        return try assemble(
            image, format: "BigDataViewer XML/HDF5", factors: factors, notes: notes, reinterpretInt16: true,
            exists: { image.setup($0) != nil && h5file.exists(cells($0, $1)) }, describe: { cells($0, $1) },
            open: { slot, level in
                let inner = cells(slot, level)
                return try HDF5Array.open(file: file, dataset: inner, location: file + "/" + inner)
            })
    }

    /// `bdv.n5`: the container's `setupN/timepointM/sL` datasets; the levels' factors from
    /// `setupN`'s `downsamplingFactors` (xyz), else as many `sL` as the first view has.
    static func openN5(_ image: Image) throws -> LazyArray {
        let (container, setups, times) = (image.source, image.setups, image.times)
        guard LocalStore.isDirectory(container) else {
            throw FormatError.missing("the XML's N5 container \(container): no such directory")
        }
        let root = LocalStore(root: container)
        let nC = image.nC
        let at = image.setupAt
        let group = { @Sendable (slot: Int) -> String in
            "setup\(at[slot % nC].map { setups[$0].id } ?? -1)/timepoint\(times[slot / nC])"
        }
        var factors = N5Attributes.numbers2D(
            try N5Attributes.read(root, "setup\(setups[0].id)")?.object["downsamplingFactors"], rank: 3
        )
        .map { $0.map { Array($0.reversed()) } }  // numbers2D reverses to zyx; keep BDV's xyz here
        if factors == nil {
            let first =
                (0..<(image.nT * nC)).first {
                    (try? root.contains(joinKey(group($0), "s0", N5Attributes.file))) == true
                } ?? 0
            let n = try N5MultiscaleImage.levelCount(LocalStore(root: joinPath(container, group(first))))
            guard n > 0 else { throw FormatError.missing("no \(group(first))/s0 in \(container)") }
            factors = (0..<n).map { [Double(1 << $0), Double(1 << $0), Double(1 << $0)] }
        }
        return try assemble(
            image, format: "BigDataViewer XML/N5", factors: factors!, notes: [], reinterpretInt16: false,
            exists: { slot, level in
                image.setup(slot) != nil
                    && (try? root.contains(joinKey(group(slot), "s\(level)", N5Attributes.file))) == true
            },
            describe: { "\(group($0))/s\($1)" },
            open: { slot, level in
                try N5Array(store: try StoreLocation.open(joinPath(container, group(slot) + "/s\(level)")))
            })
    }

    /// The levels (`factors`, xyz) as StackedArrays over timepoints and setups, as one pyramid.
    static func assemble(
        _ image: Image, format: String, factors: [[Double]], notes: [String], reinterpretInt16: Bool,
        exists: (Int, Int) -> Bool, describe: (Int, Int) -> String,
        open: @escaping @Sendable (Int, Int) throws -> LazyArray
    ) throws -> LazyArray {
        let (nT, nC, times) = (image.nT, image.nC, image.times)
        let leading = [nT] + image.axes.map(\.values.count)
        let ones = [Int](repeating: 1, count: leading.count)
        let sources = [image.xml, image.source]
        var levelArrays: [LazyArray] = []
        var level0: ArrayMetadata?
        for level in factors.indices {
            let present = (0..<(nT * nC)).map { slot in
                guard let setup = image.setup(slot) else { return false }
                return !image.missing.contains([times[slot / nC], setup.id]) && exists(slot, level)
            }
            guard let firstSlot = present.firstIndex(of: true) else {
                throw FormatError.missing("no data for level \(level) in \(image.source) (no \(describe(0, level)))")
            }
            let openPart = { @Sendable (slot: Int) throws -> LazyArray in try open(slot, level) }
            let first: LazyArray
            do { first = try openPart(firstSlot) } catch {
                throw FormatError.level(path: "\(level)", underlying: error)
            }
            let f = first.metadata
            guard f.rank == 3 else {
                throw FormatError.invalidMetadata(
                    file: describe(firstSlot, level), problem: "\(f.rank) axes, expected 3 (z, y, x)")
            }
            let reinterpret = reinterpretInt16 && f.dataType == .int16
            let names = image.axes.map(\.name)
            var m = ArrayMetadata(
                format: "bdv", location: image.location, shape: leading + f.shape,
                dataType: reinterpret ? .uint16 : f.dataType, chunkShape: ones + f.chunkShape,
                fillValue: .int(0), axisNames: ["t"] + names + ["z", "y", "x"], codecs: f.codecs)
            m.axisTypes = ["time"] + names.map { $0 == "c" ? "channel" : nil } + ["space", "space", "space"]
            if !image.split {
                m.channels = image.setups.map {
                    ChannelInfo(label: $0.name ?? "setup \($0.id)", color: nil, window: nil, active: true)
                }
            } else if let c = image.axes.first(where: { $0.name == "c" }) {
                m.channels = c.values.map {
                    ChannelInfo(label: image.channelNames[$0] ?? "channel \($0)", color: nil, window: nil, active: true)
                }
            }
            if level == 0 {
                let setups = image.setups
                if let v = setups[0].voxelSize, v.count == 3 {
                    let unit = normalizedUnit(setups[0].voxelUnit)
                    m.scales = ones.map { _ in nil } + v.reversed().map { AxisScale(step: $0, unit: unit) }
                }
                let axes = image.axes.map { "\($0.name) (\($0.values.count))" }.joined(separator: " × ")
                let what =
                    image.split ? "\(setups.count) setups as \(axes)" : "\(nC) setup\(nC == 1 ? "" : "s") as c"
                let counts =
                    "\(what), \(nT) timepoint\(nT == 1 ? "" : "s") as t, \(factors.count) level\(factors.count == 1 ? "" : "s")"
                m.notes =
                    ["\(format) \(image.sourceName): " + counts]
                    + (reinterpret ? ["uint16 stored as int16 (BigDataViewer's convention), read as uint16"] : [])
                    + notes
                let absent = present.indices.filter { !present[$0] }
                if !absent.isEmpty {
                    let shown = absent.prefix(3).map { slot in
                        "timepoint \(times[slot / nC]) "
                            + (image.setup(slot).map { "setup \($0.id)" }
                                ?? image.describeCombination(slot % nC) + " (no setup)")
                    }
                    .joined(separator: "; ")
                    m.warnings = [
                        "\(absent.count) of \(present.count) views missing (\(shown)\(absent.count > 3 ? "; …" : "")): read as zeros"
                    ]
                }
                level0 = m
            }
            levelArrays.append(
                try StackedArray(
                    metadata: m, leading: leading, present: present, sourcePaths: sources,
                    first: (firstSlot, first), open: openPart))
        }
        let zyx = factors.map { ones.map { _ in 1.0 } + $0.reversed() }
        return HDF5Pyramid(
            metadata: level0!, levels: levelArrays, factors: zyx, paths: factors.indices.map { "\($0)" },
            sourcePaths: sources)
    }

    /// `s00/resolutions` (factors, xyz) and `s00/subdivisions` (chunk sizes, xyz) of one setup.
    static func levels(_ f: HDF5File, setup: Int) throws -> (factors: [[Double]], subdivisions: [[Int]]) {
        let group = "s\(pad(setup, 2))"
        guard f.exists(group + "/resolutions") else {
            throw FormatError.missing("no \(group)/resolutions in \(f.path) (not a BigDataViewer HDF5 file?)")
        }
        let r = try f.dataset(group + "/resolutions")
        guard r.shape.count == 2, r.shape[1] == 3, r.shape[0] >= 1,
            r.values.allSatisfy({ $0.isFinite && $0 >= 1 && $0 <= 1e9 })
        else {
            throw FormatError.invalidMetadata(
                file: "\(group)/resolutions", problem: "expected N×3 factors within 1...1e9, found shape \(r.shape)")
        }
        let factors = (0..<r.shape[0]).map { Array(r.values[($0 * 3)..<($0 * 3 + 3)]) }
        var subdivisions: [[Int]] = []
        // Chunk sizes are a hint: ones that are no sizes (nan, 1e300, 0) are ignored, not converted.
        if f.exists(group + "/subdivisions"), let s = try? f.dataset(group + "/subdivisions"), s.shape == r.shape,
            s.values.allSatisfy({ $0.isFinite && $0 >= 1 && $0 <= 1_073_741_824 })
        {
            subdivisions = (0..<s.shape[0]).map { i in (0..<3).map { Int(s.values[i * 3 + $0]) } }
        }
        return (factors, subdivisions)
    }

    static func setup(_ node: XMLNode) throws -> Setup {
        guard let id = node.value("id").flatMap({ Int($0) }) else {
            throw FormatError.invalidMetadata(file: nil, problem: "a <ViewSetup> without an <id>")
        }
        let numbers = { (s: String?) in
            s?.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Double($0) }
        }
        // Sizes are whole positive numbers within 2^40 (`1e308`, `-48` are no sizes: the setup has none).
        let size = numbers(node.value("size")).flatMap { values in
            values.allSatisfy({ $0.isFinite && $0 >= 1 && $0 <= 0x100_0000_0000 && $0 == $0.rounded() })
                ? values.map { Int($0) } : nil
        }
        let voxel = node.child("voxelSize")
        let name = node.value("name").flatMap { $0.isEmpty ? nil : $0 }
        var attributes: [String: Int] = [:]
        for a in node.child("attributes")?.children ?? [] {
            if let v = Int(a.text.trimmed) { attributes[a.name] = v }
        }
        return Setup(
            id: id, name: name, size: size?.count == 3 ? size : nil, voxelUnit: voxel?.value("unit"),
            voxelSize: numbers(voxel?.value("size")).flatMap {
                $0.count == 3 && $0.allSatisfy { $0 >= 1e-30 && $0 <= 1e30 } ? $0 : nil
            }, attributes: attributes)
    }

    /// `<ViewSetups><Attributes name="channel"><Channel><id>…</id><name>…</name>`: names by channel id.
    static func attributeNames(_ node: XMLNode?) -> [Int: String] {
        var names: [Int: String] = [:]
        for group in node?.all("Attributes") ?? [] where group.attributes["name"] == "channel" {
            for c in group.children {
                if let id = c.value("id").flatMap({ Int($0) }), let name = c.value("name"), !name.isEmpty {
                    names[id] = name
                }
            }
        }
        return names
    }

    /// The timepoint ids: `type="range"` (`first`..`last`), `pattern` or `list` (`integerpattern`: `0-4`, `1, 3, 5`, `0-10:2`).
    static func timepoints(_ node: XMLNode?) throws -> [Int] {
        guard let node else { return [0] }
        let bad = { (what: String) in
            FormatError.invalidMetadata(file: nil, problem: "BigDataViewer <Timepoints> \(what)")
        }
        switch node.attributes["type"] ?? "range" {
        case "range":
            guard let a = node.value("first").flatMap({ Int($0) }), let b = node.value("last").flatMap({ Int($0) }),
                a <= b, b - a < 1_000_000
            else {
                throw bad("range without a valid <first> and <last>")
            }
            return Array(a...b)
        case "pattern", "list":
            guard let text = node.value("integerpattern") else { throw bad("without an <integerpattern>") }
            var out: [Int] = []
            for item in text.split(separator: ",").map({ String($0).trimmed }) where !item.isEmpty {
                let (span, step) =
                    item.split(separator: ":").count == 2
                    ? (String(item.split(separator: ":")[0]), Int(item.split(separator: ":")[1].trimmingSpaces))
                    : (item, 1)
                let ends = span.split(separator: "-").map { Int($0.trimmingSpaces) }
                guard let step, step > 0, ends.count == 1 || ends.count == 2, let a = ends[0], let b = ends.last!,
                    a <= b, b - a < 1_000_000
                else {
                    throw bad("pattern '\(text)'")
                }
                out += stride(from: a, through: b, by: step)
            }
            guard !out.isEmpty else { throw bad("pattern '\(text)' names no timepoints") }
            return Array(Set(out)).sorted()
        case let other:
            throw bad("of type '\(other)'")
        }
    }

    static func normalizedUnit(_ unit: String?) -> String? {
        guard let u = unit?.trimmed, !u.isEmpty else { return nil }
        switch u {
        case "µm", "μm", "um", "micron", "microns", "micrometer", "micrometers": return "micrometer"
        case "nm", "nanometer", "nanometers": return "nanometer"
        case "mm", "millimeter", "millimeters": return "millimeter"
        case "pixel", "pixels", "px": return nil
        default: return u
        }
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}

extension Substring {
    var trimmingSpaces: String { String(self).trimmed }
}
