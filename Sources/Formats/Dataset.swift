import ArrayModel
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
            throw DatasetError(location, error)
        }
    }

    /// The first driver of `FormatRegistry` whose probe matches opens the location; when none
    /// does, the error says what the location is and what vstack reads.
    private static func openUnwrapped(_ text: String) throws -> LazyArray {
        let location = DatasetLocation(text)
        for driver in FormatRegistry.drivers {
            if let array = try driver.openIfRecognised(location) { return array }
        }
        throw unrecognised(location)
    }

    /// Why no driver opened `location`, as one line (a near name that exists, what a directory holds).
    private static func unrecognised(_ location: DatasetLocation) -> FormatError {
        let text = location.text
        switch location.place {
        case .scheme, .file:
            return FormatError(
                "not a dataset vstack can read (expected a Zarr or N5 directory, a TIFF file, a .npy file, an HDF5 file, a BigDataViewer .xml, an Imaris .ims file, a directory of TIFFs or a pattern such as 'raw/*.tif')"
            )
        case .remote:
            return FormatError.missing(
                "no Zarr metadata there (no zarr.json, .zarray, .zgroup or .zattrs) and no N5 attributes.json")
        case .missing(let reason):
            // Arguments that are not UTF-8 reach Swift with U+FFFD in place of the bad bytes.
            if text.contains("\u{FFFD}") {
                return FormatError.missing(
                    "\(reason) (the name is not valid UTF-8, which vstack cannot open: rename it or link to it)")
            }
            // "no such file or directory", "too many levels of symbolic links", …; a near name that exists
            // next to it is suggested (`v2_dask_gzp.zarr` → `v2_dask_gzip.zarr`).
            return FormatError.missing(reason + (nearbyName(text).map { "; did you mean \($0)?" } ?? ""))
        case .directory:
            let inside = openableEntries(text)
            if !inside.isEmpty {
                let shown = inside.prefix(4).joined(separator: ", ") + (inside.count > 4 ? ", …" : "")
                return FormatError.missing(
                    "not a dataset itself; it holds \(shown): open \(text.hasSuffix("/") ? text : text + "/")\(inside[0])"
                )
            }
            return FormatError.missing(
                "not a Zarr array or N5 dataset (no .zarray, zarr.json or attributes.json in this directory) and no .tif files"
            )
        }
    }

    /// What a directory that is no dataset holds that vstack can open: BigDataViewer XML, Zarr, N5,
    /// HDF5, Imaris and .npy files and directories, and BigStitcher's `setupN`/`timepointN`/`sN`
    /// levels (the first of each kind), in that order.
    static func openableEntries(_ directory: String) -> [String] {
        let names = FilePattern.naturallySorted((try? LocalStore(root: directory).list("")) ?? [])
        var seen = Set<String>(), out: [String] = []
        func take(_ name: String) { if seen.insert(name).inserted { out.append(name) } }
        let suffixes = [".xml", ".ome.zarr", ".zarr", ".n5", ".h5", ".hdf5", ".ims", ".npy"]
        for suffix in suffixes {
            for name in names where name.lowercased().hasSuffix(suffix) && !name.hasPrefix(".") { take(name) }
        }
        for level in ["setup", "timepoint", "s"] {
            if let first = names.first(where: { $0.hasPrefix(level) && Int($0.dropFirst(level.count)) != nil }) {
                take(first)
            }
        }
        return out
    }

    /// `location` with its last component replaced by the one name in its (existing) directory within
    /// two edits of it (one for names of up to 4 characters); nil when there is none or several.
    static func nearbyName(_ location: String) -> String? {
        let trimmed = location.count > 1 && location.hasSuffix("/") ? String(location.dropLast()) : location
        let slash = trimmed.lastIndex(of: "/")
        let dir = slash.map { String(trimmed[..<$0]) } ?? ""
        let name = slash.map { String(trimmed[trimmed.index(after: $0)...]) } ?? trimmed
        guard !name.isEmpty, name != ".", name != ".." else { return nil }
        let siblings = ((try? LocalStore(root: dir.isEmpty ? (slash == nil ? "." : "/") : dir).list("")) ?? [])
            .filter { !$0.hasPrefix(".") || name.hasPrefix(".") }
        guard siblings.count <= 100_000,
            let near = NameSuggestion.nearest(to: name, in: siblings)
        else { return nil }
        return (slash == nil ? "" : dir + "/") + near
    }
}

extension Duration {
    /// `50ms`, `0.2s`, `2` (seconds), `500us`: the value in seconds.
    public static func parseSeconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("s", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).flatMap { $0 >= 0 ? $0 * scale : nil }
        }
        return Double(text).flatMap { $0 >= 0 ? $0 : nil }
    }
}
