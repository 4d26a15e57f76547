import ArrayModel
import Stores

/// One format `Dataset.open` reads: how it recognises a location (`probe`), how it opens what it
/// recognised, local and remote alike, and what a Dask script needs to read it. A format is one
/// file holding its driver (beside its reader) plus its line in `FormatRegistry.builtIn`.
public protocol FormatDriver: Sendable {
    /// What the probe found that opening needs (a Zarr node, an HDF5 file and the dataset inside
    /// it); `Void` when the probe's yes is all.
    associatedtype Match = Void
    /// This format's match for `location` (nil: not this format), from its name, its first bytes
    /// or its metadata; reads no more than metadata. A location that is this format's but cannot
    /// be read here (an HDF5 file over the network) may throw.
    func probe(_ location: DatasetLocation) throws -> Match?
    /// Opens what `probe` recognised.
    func open(_ match: Match, at location: DatasetLocation) throws -> LazyArray
    /// How a Dask script reads `array` (`vstack export --script dask`); nil when this driver did
    /// not open it, or has no Python reader for it.
    func daskSource(_ array: LazyArray) -> DaskSource?
    /// The Python of this format's reader in a Dask script; nil when it has none.
    var daskReader: DaskReader? { get }
}

extension FormatDriver {
    public func daskSource(_ array: LazyArray) -> DaskSource? { nil }
    public var daskReader: DaskReader? { nil }

    /// The probe and, when it matches, the open: nil when `location` is not this format's.
    func openIfRecognised(_ location: DatasetLocation) throws -> LazyArray? {
        guard let match = try probe(location) else { return nil }
        return try open(match, at: location)
    }
}

extension Bool {
    /// `()` when true: a probe's match that carries nothing.
    var match: Void? { self ? () : nil }
}
