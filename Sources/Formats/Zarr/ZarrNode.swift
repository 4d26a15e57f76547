import Stores

/// What a directory of a Zarr hierarchy is, from its metadata files alone:
/// an array or a group, of Zarr v2 or v3, with its user attributes
/// (`.zattrs` for v2, `attributes` of `zarr.json` for v3).
struct ZarrNode {
    enum Kind: Equatable { case array, group }

    let kind: Kind
    let zarrFormat: Int
    let attributes: [String: Any]

    /// Reads the node at `prefix`, or nil when nothing there says it is Zarr.
    static func read(_ store: Store, _ prefix: String = "") throws -> ZarrNode? {
        store.prefetchMetadata(keys(prefix))
        if let meta = try JSONMetadata.read(store, joinKey(prefix, "zarr.json"), file: joinKey(prefix, "zarr.json")) {
            let kind: Kind = (meta.optionalString("node_type") ?? "array") == "group" ? .group : .array
            return ZarrNode(kind: kind, zarrFormat: 3, attributes: meta.object["attributes"] as? [String: Any] ?? [:])
        }
        let isArray = try store.contains(joinKey(prefix, ".zarray"))
        let isGroup = try store.contains(joinKey(prefix, ".zgroup"))
        let attributes: [String: Any]
        if let meta = try JSONMetadata.read(store, joinKey(prefix, ".zattrs"), file: joinKey(prefix, ".zattrs")) {
            attributes = meta.object
        } else {
            attributes = [:]
        }
        // OME-Zarr 0.4 images sometimes lack `.zgroup`; their `.zattrs` still says what they are.
        guard isArray || isGroup || !attributes.isEmpty else { return nil }
        return ZarrNode(kind: isArray ? .array : .group, zarrFormat: 2, attributes: attributes)
    }

    /// The metadata documents that say what the node at `prefix` is.
    /// At the root, also v2's consolidated `.zmetadata` (a remote store then knows the whole hierarchy).
    static func keys(_ prefix: String) -> [String] {
        ["zarr.json", ".zarray", ".zgroup", ".zattrs"].map { joinKey(prefix, $0) }
            + (prefix.isEmpty ? [".zmetadata"] : [])
    }

    /// The OME-NGFF attributes: `attributes.ome` (0.5), else the attributes themselves (≤ 0.4).
    var ome: [String: Any] {
        if zarrFormat == 3, let ome = attributes["ome"] as? [String: Any] { return ome }
        return attributes
    }

    /// Children of a group that are Zarr nodes themselves: (name, kind), sorted by name.
    static func children(_ store: Store, _ prefix: String = "") -> [(String, Kind)] {
        ((try? store.list(prefix)) ?? []).compactMap { name in
            guard !name.hasPrefix("."), name != "zarr.json",
                let node = try? ZarrNode.read(store, joinKey(prefix, name))
            else { return nil }
            return (name, node.kind)
        }
    }
}
