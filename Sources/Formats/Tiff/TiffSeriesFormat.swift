import ArrayModel

/// A series of TIFF files stacked along new axes: a directory holding TIFFs, or a pattern
/// (`raw/*.tif`, `raw/*_ch{c}_t{t}.tif`) that names no file itself; local only.
struct TiffSeriesFormat: FormatDriver {
    enum Match { case pattern, directory }

    func probe(_ location: DatasetLocation) throws -> Match? {
        switch location.place {
        case .missing: return FilePattern.isPattern(location.text) ? .pattern : nil
        case .directory:
            return try FilePattern.listFiles(location.text).contains(where: FilePattern.isTiffName) ? .directory : nil
        default: return nil
        }
    }

    func open(_ match: Match, at location: DatasetLocation) throws -> LazyArray {
        switch match {
        case .pattern: try TiffSeriesArray.open(pattern: location.text)
        case .directory: try TiffSeriesArray.open(directory: location.text)
        }
    }

    func daskSource(_ array: LazyArray) -> DaskSource? {
        guard let series = array as? TiffSeriesArray else { return nil }
        var source = DaskSource(
            reader: Self.reader, library: "tifffile (\(series.slots.compactMap { $0 }.count) files)")
        source.seriesFiles = series.slots
        source.seriesShape = series.seriesShape
        return source
    }

    var daskReader: DaskReader? { Self.reader }

    static let reader = DaskReader(
        name: "tiffseries",
        openSource: """
            return read_tiff_series(), 3, None
            """,
        helpers: #"""
            def read_tiff_series():
                """The files as vstack stacks them: one block a file (its first series, level 0), zeros
                where a file is missing, the series axes in front."""
                import tifffile
                file_shape = SHAPE[len(SERIES_SHAPE):]
                dtype = np.dtype(DTYPE)

                def read_file(path):
                    return tifffile.imread(path, series=0, level=0).astype(dtype).reshape(file_shape)

                parts = [da.zeros(file_shape, dtype=dtype, chunks=file_shape) if path is None
                         else da.from_delayed(dask.delayed(read_file)(path), shape=file_shape, dtype=dtype)
                         for path in FILES]
                return da.stack(parts).reshape(SERIES_SHAPE + file_shape)
            """#,
        package: "tifffile")
}
