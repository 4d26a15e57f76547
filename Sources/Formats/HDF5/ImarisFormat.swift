import ArrayModel

/// An Imaris `.ims` file (HDF5 inside: levels, channels, timepoints); local only.
struct ImarisFormat: FormatDriver {
    func probe(_ location: DatasetLocation) -> Void? {
        (location.isFile && location.name.lowercased().hasSuffix(".ims")).match
    }

    func open(_ match: Void, at location: DatasetLocation) throws -> LazyArray {
        try ImarisImage.open(file: location.text, location: location.text)
    }
}
