import ArrayModel

/// NumPy `.npy` files: by name or by the magic `\x93NUMPY`; local only.
struct NpyFormat: FormatDriver {
    func probe(_ location: DatasetLocation) throws -> Void? {
        if location.isRemote, location.name.lowercased().hasSuffix(".npy") {
            throw FormatError.unsupported(
                ".npy files over the network (vstack reads Zarr, OME-Zarr and TIFF from URLs; copy the file, or convert it to Zarr)"
            )
        }
        guard location.isFile else { return nil }
        return try (location.name.lowercased().hasSuffix(".npy") || NpyArray.hasMagic(location.head(6))).match
    }

    func open(_ match: Void, at location: DatasetLocation) throws -> LazyArray {
        try NpyArray(path: location.text)
    }
}
