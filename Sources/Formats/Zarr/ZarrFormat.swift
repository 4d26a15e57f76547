import ArrayModel

/// Zarr v2 and v3 arrays and groups (OME-Zarr images; the groups that are not say what to open),
/// in a directory or below a URL.
struct ZarrFormat: FormatDriver {
    func probe(_ location: DatasetLocation) throws -> ZarrNode? {
        guard location.isDirectory || location.isRemote else { return nil }
        return try ZarrNode.read(location.store())
    }

    func open(_ node: ZarrNode, at location: DatasetLocation) throws -> LazyArray {
        let store = try location.store()
        if node.kind == .group {
            return try ZarrGroupOpener.open(node, store: store, location: location.base)
        }
        let level = ZarrGroupOpener.levelContext(of: location.base)
        return node.zarrFormat == 3
            ? try ZarrV3Array(store: store, level: level) : try ZarrV2Array(store: store, level: level)
    }

    func daskSource(_ array: LazyArray) -> DaskSource? {
        ["zarr2", "zarr3", "ome-zarr"].contains(array.metadata.format)
            ? DaskSource(reader: Self.reader, library: "zarr-python") : nil
    }

    var daskReader: DaskReader? { Self.reader }

    static let reader = DaskReader(
        name: "zarr",
        openSource: """
            node = zarr.open(SOURCE, mode="r")
            if isinstance(node, zarr.Group):
                # OME-Zarr: level 0 of the first multiscale image (0.4: in the attributes, 0.5: under "ome").
                attributes = dict(node.attrs)
                multiscale = attributes.get("ome", attributes)["multiscales"][0]
                array = node[multiscale["datasets"][0]["path"]]
                return da.from_zarr(array), node.metadata.zarr_format, multiscale
            return da.from_zarr(node), node.metadata.zarr_format, None
            """)
}
