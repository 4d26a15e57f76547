/// How a Dask script (`vstack export --script dask`) reads one format: the Python it needs,
/// written once into every script, and the PyPI package it imports.
public struct DaskReader: Sendable {
    /// The script's `READER` for this format (`zarr`, `tiff`, …).
    public let name: String
    /// The body of `open_source()` for this reader (4-space indented Python returning the source as
    /// a dask array, its Zarr format and its OME-Zarr multiscales entry or None).
    public let openSource: String
    /// Functions the body calls (top-level Python), or "".
    public let helpers: String
    /// The PyPI package the reader imports beyond numpy, dask and zarr; nil: none.
    public let package: String?

    public init(name: String, openSource: String, helpers: String = "", package: String? = nil) {
        (self.name, self.openSource, self.helpers, self.package) = (name, openSource, helpers, package)
    }
}

/// What a Dask script reads for one opened array: its reader and the constants it fills in.
public struct DaskSource: Sendable {
    public let reader: DaskReader
    /// The file or directory the script reads (`SOURCE`); nil: the location as given.
    public var path: String?
    /// The dataset inside an HDF5 file (`DATASET`).
    public var dataset = ""
    /// A TIFF series: each slot's file (C order over the series axes; nil: missing, zeros) and the
    /// series' shape (`FILES`, `SERIES_SHAPE`).
    public var seriesFiles: [String?] = []
    public var seriesShape: [Int] = []
    /// What the docstring says the source is read with (`tifffile (3 files)`).
    public var library: String

    public init(reader: DaskReader, path: String? = nil, library: String) {
        (self.reader, self.path, self.library) = (reader, path, library)
    }
}
