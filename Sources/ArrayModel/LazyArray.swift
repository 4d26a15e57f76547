import Threads
/// What every source (Zarr, TIFF, synthetic, …) looks like to the rest of
/// vstack: metadata known at open time, and chunks decoded on demand.
/// Opening reads metadata only; nothing else is read until `readChunk`.
public protocol LazyArray: AnyObject, Sendable {
    var metadata: ArrayMetadata { get }

    /// Decodes one chunk of the grid (native-endian, C order, the full nominal
    /// chunk shape even at ragged edges). Returns nil when the chunk is absent
    /// from storage, meaning every element is the fill value.
    /// Throws DatasetError (naming the chunk) for corrupt data.
    /// `cancellation` is the token of the job the read runs for (nil: nobody gives it up); a
    /// source on a remote store passes it to the store, which aborts its transfer once cancelled.
    func readChunk(_ index: [Int], cancellation: JobToken?) throws -> ArrayBuffer?

    /// Stored (compressed) bytes read so far, for statistics; 0 for computed sources.
    var bytesRead: Int { get }

    /// Loads worth running at once when the source waits on slow storage
    /// rather than the CPU (nil: one per core).
    var preferredConcurrency: Int? { get }

    /// Files and directories the data is read from; outputs may not go there.
    var sourcePaths: [String] { get }

    /// The multiscale levels, full resolution first; level 0's array is this
    /// array. A single-scale source is its own only level.
    var pyramid: [PyramidLevel] { get }
}

extension LazyArray {
    /// Decodes one chunk for no job (not cancellable).
    public func readChunk(_ index: [Int]) throws -> ArrayBuffer? { try readChunk(index, cancellation: nil) }
    public var bytesRead: Int { 0 }
    public var preferredConcurrency: Int? { nil }
    public var sourcePaths: [String] { [metadata.location] }
    public var pyramid: [PyramidLevel] { [PyramidLevel(single: self)] }
}

/// A source whose every file or page can be validated up front (`info --check`)
/// instead of when each is first read.
public protocol CheckableArray: LazyArray {
    /// Reads every header; returns a summary (`600 files checked`) or throws the first problem.
    func check() throws -> String
}

/// Shape, type and layout of an array, plus the facts `vstack info` reports.
public struct ArrayMetadata: Sendable {
    /// `zarr2`, `zarr3`, `synthetic`, … (the `format` key of `info --json`).
    public var format: String
    /// Path or URL the array was opened from.
    public var location: String
    public var shape: [Int]
    public var dataType: DataType
    /// The read unit (for sharded Zarr v3, the inner chunk).
    public var chunkShape: [Int]
    /// Outer shard shape when the array is sharded.
    public var shardShape: [Int]?
    public var fillValue: Scalar
    /// One name per axis when the source names them (`["z","y","x"]`), else nil.
    public var axisNames: [String]?
    /// Names the reader knows to be right when the source names none, instead of a
    /// guess from the shape (NGFF before 0.3 is always `tczyx`; a TIFF series' first
    /// axis is its files); shown as default names.
    public var defaultAxisNames: [String]?
    /// Human-readable codec chain, outermost last, e.g. `["bytes(little)", "zstd(level=3)"]`.
    public var codecs: [String]
    /// Shapes of the multiscale levels, full resolution first (`[shape]` when single-scale).
    public var levels: [[Int]]
    /// Physical step of each axis when the source records one (`nil` entries: unknown).
    public var scales: [AxisScale?]?
    /// What each axis is (`space`, `time`, `channel`) when the source says (OME-NGFF axes).
    public var axisTypes: [String?]?
    /// Names, colours and display windows of the channels, when the source records them (OME `omero`).
    public var channels: [ChannelInfo]?
    /// The channel axis holds the red, green, blue (and alpha) samples of a colour image
    /// (an RGB TIFF): shown as their composite by default.
    public var colorSamples = false
    /// Label images that belong to this image (OME-Zarr `labels/`), by name.
    public var labelImages: [String] = []
    /// Colours a label image gives its ids (OME `image-label.colors`), as `RRGGBBAA`-ordered bytes.
    public var labelColors: [UInt64: LabelColor]?
    /// Facts about the layout for `info` (`axes from imagej metadata`, `600 files`).
    public var notes: [String]
    /// Problems the user should know about that do not stop reading
    /// (`2 files missing: filled with zeros`); printed once at open.
    public var warnings: [String]

    public init(
        format: String, location: String, shape: [Int], dataType: DataType, chunkShape: [Int],
        shardShape: [Int]? = nil, fillValue: Scalar, axisNames: [String]?, codecs: [String],
        levels: [[Int]]? = nil, scales: [AxisScale?]? = nil, notes: [String] = [], warnings: [String] = []
    ) {
        self.format = format
        self.location = location
        self.shape = shape
        self.dataType = dataType
        self.chunkShape = chunkShape
        self.shardShape = shardShape
        self.fillValue = fillValue
        self.axisNames = axisNames
        self.codecs = codecs
        self.levels = levels ?? [shape]
        self.scales = scales
        self.notes = notes
        self.warnings = warnings
    }

    public var grid: ChunkGrid { ChunkGrid(shape: shape, chunkShape: chunkShape) }
    /// Saturates at Int.max (sources refuse arrays over 2^62 bytes at open).
    public var logicalBytes: Int {
        CheckedSize.product(shape).flatMap { CheckedSize.multiply($0, dataType.size) } ?? .max
    }
    public var rank: Int { shape.count }
}

/// A colour a label image records for one id (OME `image-label.colors[].rgba`).
public struct LabelColor: Sendable, Equatable {
    public var r: UInt8, g: UInt8, b: UInt8, a: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8 = 255) {
        (self.r, self.g, self.b, self.a) = (r, g, b, a)
    }
}

/// What a source says about one channel (OME `omero.channels`): how it is
/// named in the status line and `info`, and how it is drawn by default.
public struct ChannelInfo: Sendable, Equatable {
    public var label: String?
    /// `RRGGBB` as OME writes it.
    public var color: String?
    /// Default contrast limits (`window.start`, `window.end`).
    public var window: (start: Double, end: Double)?
    /// Shown by default.
    public var active: Bool

    public init(label: String?, color: String?, window: (start: Double, end: Double)?, active: Bool) {
        (self.label, self.color, self.window, self.active) = (label, color, window, active)
    }

    public static func == (a: ChannelInfo, b: ChannelInfo) -> Bool {
        a.label == b.label && a.color == b.color && a.active == b.active
            && a.window?.start == b.window?.start && a.window?.end == b.window?.end
    }

    /// The colour as (r, g, b) bytes, when it is a valid `RRGGBB`.
    public var rgb: (UInt8, UInt8, UInt8)? {
        guard let color, color.count == 6, let v = UInt32(color, radix: 16) else { return nil }
        return (UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
    }
}
