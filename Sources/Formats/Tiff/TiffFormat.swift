import ArrayModel
import Stores

/// TIFF and BigTIFF files: by name (`.tif`, `.tiff`) or by the byte-order mark and version at the
/// start; over a network by name, read by ranges.
struct TiffFormat: FormatDriver {
    func probe(_ location: DatasetLocation) throws -> Void? {
        switch location.place {
        case .remote(_, let name): return FilePattern.isTiffName(name).match
        case .file: return try (FilePattern.isTiffName(location.text) || Self.hasMagic(location.head(4))).match
        default: return nil
        }
    }

    func open(_ match: Void, at location: DatasetLocation) throws -> LazyArray {
        guard case .remote(let base, let name) = location.place else { return try TiffArray(path: location.text) }
        // The file's directory is the store, the file one value read by ranges.
        let parent = try StoreLocation.open(String(base.dropLast(name.count + 1)))
        return try TiffArray(store: parent, key: name, location: base)
    }

    /// The TIFF byte-order mark and version (42, or 43 for BigTIFF).
    static func hasMagic(_ head: [UInt8]) -> Bool {
        head == [0x49, 0x49, 42, 0] || head == [0x4D, 0x4D, 0, 42] || head == [0x49, 0x49, 43, 0]
            || head == [0x4D, 0x4D, 0, 43]
    }

    func daskSource(_ array: LazyArray) -> DaskSource? {
        guard array is TiffArray, array.metadata.format == "tiff", array.sourcePaths.count == 1 else { return nil }
        return DaskSource(reader: Self.reader, library: "tifffile")
    }

    var daskReader: DaskReader? { Self.reader }

    static let reader = DaskReader(
        name: "tiff",
        openSource: """
            import tifffile
            store = tifffile.imread(SOURCE, aszarr=True, series=0, level=0)
            return da.from_zarr(zarr.open(store, mode="r")), 3, None
            """,
        package: "tifffile")
}
