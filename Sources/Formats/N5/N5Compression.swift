import Codecs

/// An N5 `compression` (`{"type": "gzip", "level": 6}`, or the old
/// top-level `"compressionType": "gzip"`) as one of the existing decoders.
/// Compressors that need a library vstack does not link are refused by name.
struct N5Compression: Sendable {
    /// nil: `raw`.
    let codec: BytesCodec?
    /// For `info`: `gzip(level=6)`, `blosc(lz4, clevel=5, shuffle=1)`.
    let name: String

    static let known = "raw, gzip, zstd, blosc"

    init(_ meta: JSONMetadata) throws {
        let config: [String: Any]
        if let c = meta.object["compression"] as? [String: Any] {
            config = c
        } else if let type = meta.optionalString("compressionType") {
            config = ["type": type]
        } else if meta.has("compression") {
            throw FormatError.invalidMetadata(
                file: N5Attributes.file, problem: "'compression' must be an object with a 'type'")
        } else {
            config = ["type": "raw"]  // n5's default
        }
        let type = (config["type"] as? String) ?? "(no type)"
        func param(_ k: String) -> String { config[k].map { "\($0)" } ?? "?" }
        switch type {
        case "raw":
            (codec, name) = (nil, "raw")
        case "gzip":
            // n5-java and tensorstore write a gzip header unless `useZlib` is set.
            let zlib = (config["useZlib"] as? Bool) ?? false
            (codec, name) = zlib ? (.zlib, "zlib(level=\(param("level")))") : (.gzip, "gzip(level=\(param("level")))")
        case "zstd":
            (codec, name) = (.zstd, "zstd(level=\(param("level")))")
        case "blosc":
            (codec, name) = (.blosc, "blosc(\(param("cname")), clevel=\(param("clevel")), shuffle=\(param("shuffle")))")
        case "xz", "bzip2", "lz4":
            // xz and bzip2 need liblzma/libbz2; lz4 is lz4-java's block stream framing, which
            // tensorstore does not write either.
            throw FormatError.unsupported(
                "\(type) compression in \(N5Attributes.file) (not supported yet: vstack reads N5 with \(N5Compression.known))"
            )
        default:
            throw FormatError.unknownCodec(name: type, file: N5Attributes.file, known: N5Compression.known)
        }
    }
}
