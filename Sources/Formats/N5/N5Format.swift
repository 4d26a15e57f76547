import ArrayModel

/// N5 datasets and multiscale groups (`attributes.json`; BigStitcher trees say what to open), in a
/// directory or below a URL.
struct N5Format: FormatDriver {
    func probe(_ location: DatasetLocation) throws -> Void? {
        guard location.isDirectory || location.isRemote else { return nil }
        return try N5Opener.isN5(location.store()).match
    }

    func open(_ match: Void, at location: DatasetLocation) throws -> LazyArray {
        try N5Opener.open(location.store(), location: location.base)
    }

    /// An N5 dataset, level 0 of a multiscale group (`s0`), or of a BigDataViewer XML/N5 image.
    func daskSource(_ array: LazyArray) -> DaskSource? {
        guard let n5 = array.pyramid[0].array as? N5Array else { return nil }
        return DaskSource(reader: Self.reader, path: n5.metadata.location, library: "tensorstore's n5 driver")
    }

    var daskReader: DaskReader? { Self.reader }

    static let reader = DaskReader(
        name: "n5",
        openSource: """
            import tensorstore as ts
            store = ts.open({"driver": "n5", "kvstore": {"driver": "file", "path": SOURCE}}, read=True).result()
            chunks = da.core.normalize_chunks(SOURCE_CHUNKS, SHAPE)  # (N5 lists axes fastest first: .T is vstack's order)
            return da.map_blocks(read_n5_block, chunks=chunks, dtype=store.dtype.numpy_dtype), 3, None
            """,
        helpers: #"""
            def read_n5_block(block_info=None):
                """One block of the N5 dataset, read with tensorstore by the task that needs it."""
                import tensorstore as ts
                location = block_info[None]["array-location"]
                store = ts.open({"driver": "n5", "kvstore": {"driver": "file", "path": SOURCE}}, read=True).result().T
                return store[tuple(slice(start, stop) for start, stop in location)].read().result()
            """#,
        package: "tensorstore")
}
