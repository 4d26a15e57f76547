import ArrayModel
import Synchronization

/// Every format `Dataset.open` reads, in the order their probes run: the first driver whose probe
/// matches opens the location. The order matters only where probes could both match: a path
/// through an HDF5 file is looked at before anything must exist there, a file's name (`.xml`,
/// `.ims`) before its first bytes, TIFF's and NumPy's bytes before HDF5's signature.
public enum FormatRegistry {
    public static let builtIn: [any FormatDriver] = [
        SyntheticFormat(),
        HDF5Format.path,
        BigDataViewerFormat(),
        ImarisFormat(),
        TiffFormat(),
        NpyFormat(),
        HDF5Format.file,
        ZarrFormat(),
        N5Format(),
        TiffSeriesFormat(),
    ]

    private static let registered = Mutex<[any FormatDriver]>([])

    /// Adds a driver after the built-in ones (a plug-in, a test's format).
    public static func register(_ driver: any FormatDriver) {
        registered.withLock { $0.append(driver) }
    }

    /// The drivers in probe order: the built-in ones, then those registered.
    public static var drivers: [any FormatDriver] { builtIn + registered.withLock { $0 } }

    /// The Python readers of every driver that has one, once each (by name), in probe order.
    public static var daskReaders: [DaskReader] {
        var seen = Set<String>()
        return drivers.compactMap(\.daskReader).filter { seen.insert($0.name).inserted }
    }

    /// How a Dask script reads `array`: the first driver that knows it; nil: none does.
    public static func daskSource(_ array: LazyArray) -> DaskSource? {
        drivers.lazy.compactMap { $0.daskSource(array) }.first
    }
}
