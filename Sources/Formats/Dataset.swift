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
            throw DatasetError(location, "\(error)", underlying: error)
        }
    }

    private static func openUnwrapped(_ location: String) throws -> LazyArray {
        if location.hasPrefix(syntheticScheme) || location.hasPrefix("synthetic:") {
            return try openSynthetic(location)
        }
        if RemoteLocation.isRemote(location) { return try openRemote(location) }
        // `file.h5` or `file.h5/group/dataset` (the latter is no path on disk, so before the check below).
        if let (file, inner) = HDF5Library.split(location) {
            return try HDF5Array.open(file: file, dataset: inner, location: location)
        }
        if let reason = LocalStore.unreachableReason(location) {
            if FilePattern.isPattern(location) { return try TiffSeriesArray.open(pattern: location) }
            // Arguments that are not UTF-8 reach Swift with U+FFFD in place of the bad bytes.
            if location.contains("\u{FFFD}") {
                throw FormatError.missing(
                    "\(reason) (the name is not valid UTF-8, which vstack cannot open: rename it or link to it)")
            }
            // "no such file or directory", "too many levels of symbolic links", …; a near name that exists
            // next to it is suggested (`v2_dask_gzp.zarr` → `v2_dask_gzip.zarr`).
            throw FormatError.missing(reason + (nearbyName(location).map { "; did you mean \($0)?" } ?? ""))
        }
        guard LocalStore.isDirectory(location) else {
            let lower = location.lowercased()
            if lower.hasSuffix(".xml") { return try BigDataViewerImage.open(xml: location, location: location) }
            if lower.hasSuffix(".ims") { return try ImarisImage.open(file: location, location: location) }
            if try isTiff(location) { return try TiffArray(path: location) }
            if try isNpy(location) { return try NpyArray(path: location) }
            if HDF5Library.hasSignature(try LocalStore.readPrefix(location, count: 8)) {
                return try HDF5Array.open(file: location, dataset: "", location: location)
            }
            throw FormatError(
                "not a dataset vstack can read (expected a Zarr or N5 directory, a TIFF file, a .npy file, an HDF5 file, a BigDataViewer .xml, an Imaris .ims file, a directory of TIFFs or a pattern such as 'raw/*.tif')"
            )
        }
        let store = LocalStore(root: location)
        if let node = try ZarrNode.read(store) {
            if node.kind == .group {
                return try ZarrGroupOpener.open(node, store: store, location: location)
            }
            let level = ZarrGroupOpener.levelContext(of: location)
            return node.zarrFormat == 3
                ? try ZarrV3Array(store: store, level: level) : try ZarrV2Array(store: store, level: level)
        }
        if try N5Opener.isN5(store) { return try N5Opener.open(store, location: location) }
        if try FilePattern.listFiles(location).contains(where: FilePattern.isTiffName) {
            return try TiffSeriesArray.open(directory: location)
        }
        let inside = openableEntries(location)
        if !inside.isEmpty {
            let shown = inside.prefix(4).joined(separator: ", ") + (inside.count > 4 ? ", …" : "")
            throw FormatError.missing(
                "not a dataset itself; it holds \(shown): open \(location.hasSuffix("/") ? location : location + "/")\(inside[0])"
            )
        }
        throw FormatError.missing(
            "not a Zarr array or N5 dataset (no .zarray, zarr.json or attributes.json in this directory) and no .tif files"
        )
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

    /// A dataset behind a URL (`http(s)://`, `s3://`): what it is, found by probing keys
    /// through the store (there is no directory to look at).
    static func openRemote(_ location: String) throws -> LazyArray {
        let base = location.hasSuffix("/") ? String(location.dropLast()) : location
        let name = base.split(separator: "/").last.map(String.init) ?? base
        if FilePattern.isTiffName(name) {
            // A TIFF file: its directory is the store, the file one value read by ranges.
            let parent = try StoreLocation.open(String(base.dropLast(name.count + 1)))
            return try TiffArray(store: parent, key: name, location: base)
        }
        if name.lowercased().hasSuffix(".xml") {
            throw FormatError.unsupported(
                "BigDataViewer XML over the network (not yet: open its dataset.xml from a local or mounted disk, or the N5 container it names over http(s) directly)"
            )
        }
        if base.split(separator: "/").contains(where: HDF5Library.hasHDF5Name) {
            throw FormatError("HDF5 files over the network are not supported (copy the file, or convert it to Zarr)")
        }
        if name.lowercased().hasSuffix(".npy") {
            throw FormatError.unsupported(
                ".npy files over the network (vstack reads Zarr, OME-Zarr and TIFF from URLs; copy the file, or convert it to Zarr)"
            )
        }
        let store = try StoreLocation.open(base)
        if let node = try ZarrNode.read(store) {
            if node.kind == .group {
                return try ZarrGroupOpener.open(node, store: store, location: base)
            }
            let level = ZarrGroupOpener.levelContext(of: base)
            return node.zarrFormat == 3
                ? try ZarrV3Array(store: store, level: level) : try ZarrV2Array(store: store, level: level)
        }
        if try N5Opener.isN5(store) { return try N5Opener.open(store, location: base) }
        throw FormatError.missing(
            "no Zarr metadata there (no zarr.json, .zarray, .zgroup or .zattrs) and no N5 attributes.json")
    }

    /// `demo:` with optional query options: `demo:?latency=50ms&chunks=1,1,16,256,256`.
    static func openSynthetic(_ location: String) throws -> SyntheticArray {
        let rest = location.drop { $0 != ":" }.dropFirst()
        guard rest.isEmpty || rest.hasPrefix("?") else {
            throw FormatError(
                "unknown synthetic dataset '\(location)' (use demo:, demo:?latency=50ms or demo:?levels=4)")
        }
        var latency = 0.0
        var chunks = SyntheticArray.defaultChunks
        var levels = 1
        for item in rest.dropFirst().split(separator: "&") {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            switch (kv.first ?? "", kv.count == 2 ? kv[1] : "") {
            case ("latency", let v):
                guard let seconds = Duration.parseSeconds(v) else {
                    throw FormatError("latency '\(v)' is not a duration such as 50ms or 0.2s")
                }
                latency = seconds
            case ("chunks", let v):
                let parts = v.split(separator: ",").compactMap { Int($0) }
                guard parts.count == 5, parts.allSatisfy({ $0 > 0 }) else {
                    throw FormatError("chunks '\(v)' must be five positive sizes (c,t,z,y,x)")
                }
                chunks = parts
            case ("levels", let v):
                guard let n = Int(v), (1...8).contains(n) else {
                    throw FormatError("levels '\(v)' must be a whole number from 1 to 8")
                }
                levels = n
            case (let k, _):
                throw FormatError("unknown synthetic option '\(k)' (known: latency, chunks, levels)")
            }
        }
        return SyntheticArray(chunkShape: chunks, location: location, latency: latency, levels: levels)
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

    /// A `.npy` name, or NumPy's magic `\x93NUMPY` at the start.
    static func isNpy(_ path: String) throws -> Bool {
        if path.lowercased().hasSuffix(".npy") { return true }
        return NpyArray.hasMagic(try LocalStore.readPrefix(path, count: 6))
    }

    /// A `.tif`/`.tiff` name, or the TIFF byte-order mark and version (42 or 43) at the start.
    static func isTiff(_ path: String) throws -> Bool {
        if FilePattern.isTiffName(path) { return true }
        let head = try LocalStore.readPrefix(path, count: 4)
        return head == [0x49, 0x49, 42, 0] || head == [0x4D, 0x4D, 0, 42] || head == [0x49, 0x49, 43, 0]
            || head == [0x4D, 0x4D, 0, 43]
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
