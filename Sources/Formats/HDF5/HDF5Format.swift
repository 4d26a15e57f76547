import ArrayModel

/// HDF5 datasets: `file.h5/group/dataset` or `file.h5`, and any file that starts with HDF5's
/// signature; local only. Two entries of `FormatRegistry`: a path naming an HDF5 file is looked
/// at first (before anything must exist at the whole path), the signature last among files.
struct HDF5Format: FormatDriver {
    enum Recognition: Sendable {
        /// A path whose component names an HDF5 file (`HDF5Library.split`).
        case path
        /// A file with HDF5's signature; a URL naming an HDF5 file is refused.
        case file
    }
    let recognition: Recognition

    static let path = HDF5Format(recognition: .path)
    static let file = HDF5Format(recognition: .file)

    func probe(_ location: DatasetLocation) throws -> (file: String, dataset: String)? {
        switch (recognition, location.place) {
        case (.path, .missing), (.path, .file), (.path, .directory):
            return HDF5Library.split(location.text)
        case (.file, .remote(let base, _)):
            guard base.split(separator: "/").contains(where: HDF5Library.hasHDF5Name) else { return nil }
            throw FormatError("HDF5 files over the network are not supported (copy the file, or convert it to Zarr)")
        case (.file, .file):
            return HDF5Library.hasSignature(try location.head(8)) ? (location.text, "") : nil
        default:
            return nil
        }
    }

    func open(_ match: (file: String, dataset: String), at location: DatasetLocation) throws -> LazyArray {
        try HDF5Array.open(file: match.file, dataset: match.dataset, location: location.text)
    }

    func daskSource(_ array: LazyArray) -> DaskSource? {
        guard array.metadata.format == "hdf5", let h5 = array as? HDF5Array else { return nil }
        var source = DaskSource(reader: Self.reader, path: h5.file, library: "h5py (dataset \(h5.datasetPath))")
        source.dataset = h5.datasetPath
        return source
    }

    var daskReader: DaskReader? { Self.reader }

    static let reader = DaskReader(
        name: "hdf5",
        openSource: """
            import h5py
            with h5py.File(SOURCE, "r") as f:
                dtype = f[DATASET].dtype
            chunks = da.core.normalize_chunks(SOURCE_CHUNKS, SHAPE)
            return da.map_blocks(read_hdf5_block, chunks=chunks, dtype=dtype), 3, None
            """,
        helpers: #"""
            def read_hdf5_block(block_info=None):
                """One block of the HDF5 dataset, read by the task that needs it: h5py objects cannot be
                sent to other processes, so each task opens the file itself."""
                import h5py
                location = block_info[None]["array-location"]
                with h5py.File(SOURCE, "r") as f:
                    return f[DATASET][tuple(slice(start, stop) for start, stop in location)]
            """#,
        package: "h5py")
}
