/// A decoding failure, by kind, so that a caller can tell truncated data from a
/// wrong size from a failed checksum without matching strings; `description`
/// is the one line a user can act on. `codec` is the codec's name as messages
/// show it (`blosc`, `zstd`, `zlib`, `gzip`, `lz4`, `crc32c`).
public enum CodecError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The data ends early: `what` is `data` or `header`, `detail` what was there.
    case truncated(codec: String, what: String, detail: String?)
    /// The data is not what the codec writes (a bad header, a decoder's error).
    case corrupt(codec: String, reason: String)
    /// The data decodes (or its header says it decodes) to another size than expected.
    case sizeMismatch(codec: String, decoded: Int, expected: Int)
    /// The output would pass `limit` (`the expected 64 bytes`, `the 2 GiB a chunk may hold`).
    case outputTooLarge(codec: String, limit: String)
    /// A claimed size the compressed bytes cannot produce, or beyond the largest chunk.
    case implausibleSize(codec: String, reason: String)
    /// crc32c's stored checksum is not the data's.
    case checksumMismatch(stored: UInt32, computed: UInt32)
    /// A range (`byte` or `item`) outside what the data holds (`the frame`, `the 64 decoded bytes`).
    case rangeOutside(codec: String, unit: String, lowerBound: Int, upperBound: Int, bound: String)
    /// The decoder could not start (memory, initialisation).
    case decoderUnavailable(codec: String, reason: String)
    /// The codec cannot do what was asked (`cannot be read as a stream`).
    case unsupported(codec: String, operation: String)
    /// Any other problem, as one line.
    case invalid(String)

    /// A problem with no case of its own.
    public init(_ message: String) { self = .invalid(message) }

    public var description: String {
        switch self {
        case let .truncated(codec, what, detail): "\(codec): truncated \(what)\(detail.map { " (\($0))" } ?? "")"
        case let .corrupt(codec, reason): "\(codec): \(reason)"
        case let .sizeMismatch(codec, decoded, expected): "\(codec): decodes to \(decoded) bytes, expected \(expected)"
        case let .outputTooLarge(codec, limit): "\(codec): decodes to more than \(limit)"
        case let .implausibleSize(codec, reason): "\(codec): \(reason)"
        case let .checksumMismatch(stored, computed):
            "crc32c mismatch (stored \(hex8(stored)), computed \(hex8(computed))): the chunk is corrupt"
        case let .rangeOutside(codec, unit, lower, upper, bound):
            "\(codec): \(unit) range \(lower)..<\(upper) outside \(bound)"
        case let .decoderUnavailable(codec, reason): "\(codec): \(reason)"
        case let .unsupported(codec, operation): "\(codec) \(operation)"
        case let .invalid(message): message
        }
    }
}
