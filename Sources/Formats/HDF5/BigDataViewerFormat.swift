import ArrayModel

/// A BigDataViewer `dataset.xml` (its images in HDF5 or N5); local only.
struct BigDataViewerFormat: FormatDriver {
    func probe(_ location: DatasetLocation) throws -> Void? {
        guard location.name.lowercased().hasSuffix(".xml") else { return nil }
        if location.isRemote {
            throw FormatError.unsupported(
                "BigDataViewer XML over the network (not yet: open its dataset.xml from a local or mounted disk, or the N5 container it names over http(s) directly)"
            )
        }
        return location.isFile.match
    }

    func open(_ match: Void, at location: DatasetLocation) throws -> LazyArray {
        try BigDataViewerImage.open(xml: location.text, location: location.text)
    }
}
