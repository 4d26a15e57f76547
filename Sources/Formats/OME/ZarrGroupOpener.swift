import Stores

/// Opens what a Zarr group stands for: an OME-Zarr image, or a one-line
/// error that says which path to open (plates, wells, label groups,
/// bioformats2raw containers, plain groups).
enum ZarrGroupOpener {
    static func open(_ node: ZarrNode, store: Store, location: String) throws -> LazyArray {
        let ome = node.ome
        let file = node.zarrFormat == 3 ? "zarr.json" : ".zattrs"
        let base = location.hasSuffix("/") ? String(location.dropLast()) : location
        if ome["multiscales"] != nil {
            return try OMEZarrImage(location: base, ome: ome, file: file)
        }
        if let plate = ome["plate"] as? [String: Any] {
            let wells = (plate["wells"] as? [Any] ?? []).compactMap { ($0 as? [String: Any])?["path"] as? String }
            guard let first = wells.first else { throw FormatError.notAnArray("is an OME-Zarr plate with no wells") }
            let field = fields(store, first).first.map { "/" + $0 } ?? ""
            throw FormatError.notAnArray(
                "is an OME-Zarr plate with wells \(list(wells)); open one field: \(base)/\(first)\(field)")
        }
        if ome["well"] != nil {
            let images = fields(store, "")
            guard let first = images.first else { throw FormatError.notAnArray("is an OME-Zarr well with no fields") }
            throw FormatError.notAnArray("is an OME-Zarr well with fields \(list(images)); open one: \(base)/\(first)")
        }
        if let labels = ome["labels"] as? [Any] {
            let names = labels.compactMap { $0 as? String }
            guard let first = names.first else {
                throw FormatError.notAnArray("is an OME-Zarr labels group with no label images")
            }
            throw FormatError.notAnArray("is an OME-Zarr labels group with \(list(names)); open one: \(base)/\(first)")
        }
        let children = ZarrNode.children(store)
        if ome["bioformats2raw.layout"] != nil {
            let series = children.filter { $0.1 == .group && $0.0 != "OME" }.map(\.0)
            if series.count == 1, let node = try ZarrNode.read(store, series[0]) {
                return try open(
                    node, store: try StoreLocation.open(joinPath(base, series[0])), location: joinPath(base, series[0]))
            }
            guard let first = series.first else {
                throw FormatError.notAnArray("is a bioformats2raw container with no images")
            }
            throw FormatError.notAnArray(
                "is a bioformats2raw container with images \(list(series)); open one: \(base)/\(first)")
        }
        let arrays = children.filter { $0.1 == .array }.map(\.0)
        let groups = children.filter { $0.1 == .group }.map(\.0)
        var parts: [String] = []
        if !arrays.isEmpty { parts.append("array\(arrays.count == 1 ? "" : "s") \(list(arrays))") }
        if !groups.isEmpty { parts.append("group\(groups.count == 1 ? "" : "s") \(list(groups))") }
        guard let first = arrays.first ?? groups.first else {
            throw FormatError.notAnArray("is a Zarr group with no arrays")
        }
        return try {
            throw FormatError.notAnArray(
                "is a Zarr group with \(parts.joined(separator: " and ")); open one: \(base)/\(first)")
        }()
    }

    /// The image paths of a well (`well.images[].path`) below `prefix`.
    private static func fields(_ store: Store, _ prefix: String) -> [String] {
        guard let node = try? ZarrNode.read(store, prefix) else { return [] }
        let images = (node.ome["well"] as? [String: Any])?["images"] as? [Any] ?? []
        return images.compactMap { ($0 as? [String: Any])?["path"] as? String }
    }

    /// `a, b, c` — or the first few and how many more.
    private static func list(_ names: [String]) -> String {
        names.count <= 8
            ? names.joined(separator: ", ") : names.prefix(6).joined(separator: ", ") + " and \(names.count - 6) more"
    }

    /// Axis names (and scales) for an array that is one level of an OME-Zarr
    /// image, from the image's metadata one or two directories up; nil otherwise.
    static func levelContext(of location: String) -> OMELevelContext? {
        // A URL's scheme and host are not directories to climb out of.
        let scheme = location.range(of: "://").map { r -> String in
            let rest = location[r.upperBound...]
            let host = rest.prefix { $0 != "/" }
            return String(location[..<r.upperBound]) + host
        }
        let path = scheme.map { String(location.dropFirst($0.count)) } ?? location
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let absolute = path.hasPrefix("/") || scheme != nil
        // Over a network, both parents' metadata in one round trip.
        if scheme != nil, parts.count >= 2,
            let up2 = try? StoreLocation.open((scheme ?? "") + "/" + parts.dropLast(2).joined(separator: "/"))
        {
            up2.prefetchMetadata(ZarrNode.keys("") + ZarrNode.keys(parts[parts.count - 2]))
        }
        var relative: [String] = []
        for _ in 0..<2 {
            guard let last = parts.popLast() else { return nil }
            relative.insert(last, at: 0)
            let parent = (scheme ?? "") + (absolute ? "/" : "") + parts.joined(separator: "/")
            guard let store = try? StoreLocation.open(parent.isEmpty ? "." : parent),
                let node = try? ZarrNode.read(store),
                node.ome["multiscales"] != nil,
                let ms = try? OMEMultiscales(node.ome, file: ".zattrs"),
                let names = ms.axisNames,
                let d = ms.datasets.first(where: { $0.path == relative.joined(separator: "/") })
            else { continue }
            let scales = ms.scales(of: d)
            return OMELevelContext(
                names: names, scales: scales,
                note: "axes from the OME-Zarr image \(parent.isEmpty ? "." : parent) (level '\(d.path)')")
        }
        return nil
    }
}

/// What an OME-Zarr image says about one of its level arrays opened on its own.
public struct OMELevelContext: Sendable {
    let names: [String]
    let scales: [AxisScale?]?
    let note: String

    /// The names when they fit an array of this rank.
    func names(rank: Int) -> [String]? { names.count == rank ? names : nil }
}
