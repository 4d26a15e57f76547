/// A problem with a dataset, by kind, so that a caller can tell metadata that
/// is wrong from data that is corrupt from something vstack does not read
/// without matching strings. `description` (in `FormatError+Description.swift`)
/// is one line: what is wrong and, where it helps, what to do. The CLI
/// prefixes the dataset's path.
public enum FormatError: Error, CustomStringConvertible, Sendable {
    /// A metadata field or file whose value is wrong; `file` (`.zarray`, `zarr.json`, `.zattrs`)
    /// is nil where the file is the dataset itself (TIFF tags, OME levels that disagree).
    case invalidMetadata(file: String?, problem: String)
    /// A metadata file that is not a JSON object; `detail` says more when it helps.
    case malformedJSON(file: String, detail: String?)
    /// What the location needs is not there: the file itself, its metadata, a pyramid level's array,
    /// any file matching a pattern.
    case missing(String)
    /// A group, plate, well or container rather than one array; the message lists what to open.
    case notAnArray(String)
    /// A valid feature vstack does not read (`data type 'complex64'`, `chunk grid 'rectilinear' …`).
    case unsupported(String)
    /// A codec vstack does not know, in `file`; `known` lists those it reads.
    case unknownCodec(name: String, file: String, known: String)
    /// A product or sum of sizes that overflows 64 bits; `field` names what was computed.
    case sizeOverflow(field: String)
    /// A size beyond one of vstack's limits: `what` (`.zarray: 'shape' [2, 3]`) and the limit.
    case tooLarge(what: String, limit: String)
    /// Stored data that cannot be what the metadata says (truncated, another decoded size, a
    /// shard index or TIFF directory pointing outside the file), with the error beneath when
    /// there is one (a `StoreError` for a range the file cannot serve).
    case corruptData(String, underlying: (any Error)? = nil)
    /// A region that is not inside the array.
    case regionOutside(lowerBound: Int, upperBound: Int, axis: Int, size: Int)
    /// Reading or writing a file failed (`read failed: Input/output error`).
    case io(String)
    /// A level of an OME-Zarr pyramid could not be opened; `underlying` says why.
    case level(path: String, underlying: any Error)
    /// A part of the dataset (`BigDataViewer HDF5 file x.h5`, `cannot decode strip 3`) and the
    /// error met there, kept as it is.
    case within(String, underlying: any Error)
    /// Any other problem, as one line.
    case invalid(String)

    /// A problem with no case of its own; `description` is `message`.
    public init(_ message: String) { self = .invalid(message) }
}
