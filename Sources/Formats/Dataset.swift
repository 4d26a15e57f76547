import Stores

/// Opens a path or URL as a lazy array, choosing the format from what is there.
/// Reads metadata only. Every failure is a DatasetError naming the location.
public enum Dataset {
    /// The name `vstack info demo:` and `vstack demo` use for the synthetic dataset.
    public static let syntheticScheme = "demo:"

    public static func open(_ location: String) throws -> LazyArray {
        do {
            return try openUnwrapped(location)
        } catch let e as DatasetError {
            throw e
        } catch {
            throw DatasetError(location, "\(error)")
        }
    }

    private static func openUnwrapped(_ location: String) throws -> LazyArray {
        if location == syntheticScheme || location == "synthetic:" {
            return SyntheticArray()
        }
        if location.hasPrefix("http://") || location.hasPrefix("https://") {
            throw FormatError("HTTP(S) datasets are not supported yet")
        }
        guard LocalStore.exists(location) else {
            throw FormatError("no such file or directory")
        }
        guard LocalStore.isDirectory(location) else {
            let lower = location.lowercased()
            if lower.hasSuffix(".tif") || lower.hasSuffix(".tiff") {
                throw FormatError("TIFF files are not supported yet")
            }
            throw FormatError("not a dataset vstack can read (expected a Zarr directory)")
        }
        let store = LocalStore(root: location)
        if try store.contains(".zarray") {
            return try ZarrV2Array(store: store)
        }
        if try store.contains("zarr.json") {
            let bytes = try store.get("zarr.json") ?? []
            let meta = try JSONMetadata(file: "zarr.json", bytes: bytes)
            if (meta.optionalString("node_type") ?? "array") == "group" {
                throw groupError(store, location)
            }
            return try ZarrV3Array(store: store)
        }
        if try store.contains(".zgroup") {
            throw groupError(store, location)
        }
        throw FormatError("not a Zarr array (no .zarray or zarr.json in this directory)")
    }

    /// "is a Zarr group with arrays 0, 1, labels; open one: PATH/0".
    static func groupError(_ store: LocalStore, _ location: String) -> FormatError {
        let children = ((try? store.list("")) ?? []).filter { name in
            [".zarray", ".zgroup", "zarr.json"].contains { (try? store.contains(joinKey(name, $0))) == true }
        }
        guard let first = children.first else { return FormatError("is a Zarr group with no arrays") }
        let base = location.hasSuffix("/") ? String(location.dropLast()) : location
        return FormatError("is a Zarr group with arrays \(children.joined(separator: ", ")); open one: \(base)/\(first)")
    }
}
