import Threads
import Foundation
import Stores

/// An OME-Zarr image (NGFF 0.1–0.5): the group is opened, not one array.
/// `multiscales[0].datasets` are the levels, finest first; level 0's chunks
/// are this array's chunks; axes, scales and `omero` channels come from the
/// group's metadata. Levels are ordinary Zarr v2/v3 arrays, so every codec
/// and sharding applies.
public final class OMEZarrImage: SlabReadable {
    public let metadata: ArrayMetadata
    /// Level arrays, finest first (index 0 is read through `self`).
    let levelArrays: [LazyArray]
    let levelPaths: [String]
    let factors: [[Double]]
    let offsets: [[Double]]
    private var base: LazyArray { levelArrays[0] }

    /// Opens the image group at `location` whose OME attributes are `ome`.
    init(location: String, ome: [String: Any], file: String) throws {
        let ms = try OMEMultiscales(ome, file: file)
        // Over a network, every level's metadata (and the labels') in one round trip.
        if let store = try? StoreLocation.open(location), store.isRemote {
            store.prefetchMetadata(ms.datasets.flatMap { ZarrNode.keys($0.path) } + ZarrNode.keys("labels"))
        }
        var arrays: [LazyArray] = []
        for d in ms.datasets {
            do {
                let context = ms.axisNames.map {
                    OMELevelContext(
                        names: $0, scales: ms.scales(of: d), note: "level '\(d.path)' of the OME-Zarr image \(location)"
                    )
                }
                arrays.append(try OMEZarrImage.openLevel(joinPath(location, d.path), context: context))
            } catch {
                throw FormatError.level(path: d.path, underlying: error)
            }
        }
        let first = arrays[0].metadata
        let rank = first.rank
        if let names = ms.axisNames, names.count != rank {
            throw FormatError.invalidMetadata(
                file: file,
                problem: "multiscales[0].axes names \(names.count) axes but level '\(ms.datasets[0].path)' has \(rank)")
        }
        for (d, a) in zip(ms.datasets, arrays) {
            let m = a.metadata
            guard m.rank == rank else {
                throw FormatError.invalidMetadata(
                    file: nil, problem: "level '\(d.path)' has \(m.rank) axes, level '\(ms.datasets[0].path)' \(rank)")
            }
            guard m.dataType == first.dataType else {
                throw FormatError.invalidMetadata(
                    file: nil,
                    problem:
                        "level '\(d.path)' is \(m.dataType.name), level '\(ms.datasets[0].path)' \(first.dataType.name)"
                )
            }
            for t in [d.scale, d.translation].compactMap({ $0 }) where t.count != rank {
                throw FormatError.invalidMetadata(
                    file: file, problem: "datasets '\(d.path)': a transformation has \(t.count) values for \(rank) axes"
                )
            }
        }
        // Factors from the scales (else the shapes); offsets from the translations (else corner-aligned blocks).
        let hasTranslations = ms.datasets.contains { $0.translation != nil }
        var factors: [[Double]] = [], offsets: [[Double]] = []
        for (d, a) in zip(ms.datasets, arrays) {
            let f: [Double]
            if let s0 = ms.datasets[0].scale, let s = d.scale {
                f = zip(s, s0).map { $0 / $1 }
            } else {
                f = PyramidLevel(array: a, path: d.path, levelZeroShape: first.shape).factors
            }
            factors.append(f)
            if hasTranslations {
                let t0 = ms.datasets[0].translation ?? Array(repeating: 0, count: rank)
                let t = d.translation ?? Array(repeating: 0, count: rank)
                let s0 = ms.datasets[0].scale ?? Array(repeating: 1, count: rank)
                offsets.append((0..<rank).map { (t[$0] - t0[$0]) / s0[$0] })
            } else {
                offsets.append(f.map { ($0 - 1) / 2 })
            }
        }
        // A level is at most a billion times coarser or finer than level 0 and lies within 10^12 level-0
        // pixels of it: outside that the numbers (1e308, 1e-308) would overflow sizes and indices.
        for (d, (f, o)) in zip(ms.datasets, zip(factors, offsets)) {
            guard f.allSatisfy({ $0.isFinite && $0 >= 1e-9 && $0 <= 1e9 }) else {
                throw FormatError.invalidMetadata(
                    file: file,
                    problem:
                        "datasets '\(d.path)': its scale is \(f.map { "\($0)" }.joined(separator: ", ")) times level 0's, outside 1e-9...1e9"
                )
            }
            guard o.allSatisfy({ $0.isFinite && abs($0) <= 1e12 }) else {
                throw FormatError.invalidMetadata(
                    file: file,
                    problem: "datasets '\(d.path)': its translation puts it beyond 1e12 pixels from level 0"
                )
            }
        }
        (levelArrays, levelPaths, self.factors, self.offsets) = (arrays, ms.datasets.map(\.path), factors, offsets)

        let scales = ms.scales(of: ms.datasets[0])
        var notes = [
            "OME-NGFF \(ms.version) image" + (ms.name.map { " '\($0)'" } ?? "")
                + ", \(arrays.count) level\(arrays.count == 1 ? "" : "s"): "
                + ms.datasets.map(\.path).joined(separator: ", ")
        ]
        if let t = ms.datasets[0].translation, t.contains(where: { $0 != 0 }) {
            notes.append("origin " + t.map { AxisScale(step: $0, unit: nil).description }.joined(separator: ", "))
        }
        let labels = OMEZarrImage.labelNames(location)
        if !labels.isEmpty { notes.append("labels: " + labels.joined(separator: ", ")) }
        var channels = ms.channels
        if let c = ms.axisNames?.firstIndex(where: { $0 == "c" }) ?? ms.axisTypes?.firstIndex(of: "channel"),
            let list = channels, list.count != first.shape[c]
        {
            notes.append(
                "omero lists \(list.count) channels, the c axis has \(first.shape[c]): channel metadata ignored")
            channels = nil
        }
        var m = ArrayMetadata(
            format: "ome-zarr", location: location, shape: first.shape, dataType: first.dataType,
            chunkShape: first.chunkShape, shardShape: first.shardShape, fillValue: first.fillValue,
            axisNames: ms.axisNames ?? first.axisNames, codecs: first.codecs, levels: arrays.map(\.metadata.shape),
            scales: scales, notes: notes, warnings: first.warnings)
        m.axisTypes = ms.axisTypes
        m.channels = channels
        m.labelImages = labels
        if let imageLabel = ome["image-label"] as? [String: Any] {
            m.labelColors = OMEZarrImage.labelColors(imageLabel)
            m.notes.append(
                "an OME-Zarr label image"
                    + (m.labelColors.map { ", colours for \($0.count) id\($0.count == 1 ? "" : "s")" } ?? ""))
        }
        // NGFF before 0.3 has no axes and is always t, c, z, y, x.
        if m.axisNames == nil { m.defaultAxisNames = AxisNames.defaults(rank: m.rank) }
        metadata = m
    }

    public var pyramid: [PyramidLevel] {
        levelArrays.indices.map { i in
            PyramidLevel(
                array: i == 0 ? self : levelArrays[i], path: levelPaths[i], factors: factors[i], offsets: offsets[i])
        }
    }

    public func readChunk(_ index: [Int], cancellation: JobToken?) throws -> ArrayBuffer? {
        try base.readChunk(index, cancellation: cancellation)
    }
    public var readsSlabs: Bool { (base as? SlabReadable)?.readsSlabs ?? false }
    public func readChunkSlab(_ index: [Int], slab: ChunkSlab, cancellation: JobToken?) throws -> ArrayBuffer? {
        try (base as! SlabReadable).readChunkSlab(index, slab: slab, cancellation: cancellation)
    }
    public var bytesRead: Int { levelArrays.reduce(0) { $0 + $1.bytesRead } }
    public var preferredConcurrency: Int? { base.preferredConcurrency }
    public var sourcePaths: [String] { [metadata.location] }

    /// A level: a Zarr v3 (`zarr.json`) or v2 (`.zarray`) array of its own, named by its own path in messages.
    static func openLevel(_ path: String, context: OMELevelContext?) throws -> LazyArray {
        let store = try StoreLocation.open(path)
        if try store.contains("zarr.json") { return try ZarrV3Array(store: store, level: context) }
        if try store.contains(".zarray") { return try ZarrV2Array(store: store, level: context) }
        throw FormatError.missing("no array at \(path) (no .zarray or zarr.json)")
    }

    /// The names listed by `labels/` (`.zattrs` or `zarr.json` attributes `labels`).
    static func labelNames(_ location: String) -> [String] {
        guard let store = try? StoreLocation.open(location), let node = try? ZarrNode.read(store, "labels") else {
            return []
        }
        return (node.ome["labels"] as? [Any])?.compactMap { $0 as? String } ?? []
    }

    /// `image-label.colors`: `{"label-value": 3, "rgba": [255, 0, 0, 255]}` entries (malformed ones are skipped).
    static func labelColors(_ imageLabel: [String: Any]) -> [UInt64: LabelColor]? {
        guard let list = imageLabel["colors"] as? [Any] else { return nil }
        var colors: [UInt64: LabelColor] = [:]
        for case let entry as [String: Any] in list {
            guard let value = entry["label-value"] as? NSNumber, let rgba = entry["rgba"] as? [Any], rgba.count == 4
            else { continue }
            let bytes = rgba.compactMap { ($0 as? NSNumber)?.doubleValue }.map {
                UInt8(clamping: Int(clamping: $0.rounded()))
            }
            let v = value.doubleValue
            guard bytes.count == 4, v == v.rounded(), abs(v) < 9.2e18 else { continue }
            colors[UInt64(bitPattern: Int64(v))] = LabelColor(bytes[0], bytes[1], bytes[2], bytes[3])
        }
        return colors
    }
}

/// `a/b` from a directory and a relative path.
func joinPath(_ base: String, _ relative: String) -> String {
    let b = base.hasSuffix("/") ? String(base.dropLast()) : base
    return relative.isEmpty ? b : b + "/" + relative
}
