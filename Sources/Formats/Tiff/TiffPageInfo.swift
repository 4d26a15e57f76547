import CTiff

/// The tags of one page that decide how it is read and what it means.
struct TiffPageInfo: Sendable {
    var width: Int
    var height: Int
    var bitsPerSample: Int
    var sampleFormat: UInt16
    var samplesPerPixel: Int
    var planarSeparate: Bool
    var compression: UInt16
    var predictor: UInt16
    var photometric: UInt16?
    var tiled: Bool
    var tileWidth: Int
    var tileLength: Int
    var rowsPerStrip: Int
    var description: String?
    var xResolution: Double?
    var yResolution: Double?
    var resolutionUnit: UInt16
    /// Directory offsets of the page's SubIFDs: the reduced-resolution copies of a pyramid (Bio-Formats, tifffile `subifds=`).
    var subIFDs: [UInt64] = []

    /// The element type, or an error naming what the page holds.
    func dataType() throws -> DataType {
        let format = Int32(sampleFormat)
        switch (format, bitsPerSample) {
        case (SAMPLEFORMAT_UINT, 8): return .uint8
        case (SAMPLEFORMAT_UINT, 16): return .uint16
        case (SAMPLEFORMAT_UINT, 32): return .uint32
        case (SAMPLEFORMAT_UINT, 64): return .uint64
        case (SAMPLEFORMAT_INT, 8): return .int8
        case (SAMPLEFORMAT_INT, 16): return .int16
        case (SAMPLEFORMAT_INT, 32): return .int32
        case (SAMPLEFORMAT_INT, 64): return .int64
        case (SAMPLEFORMAT_IEEEFP, 32): return .float32
        case (SAMPLEFORMAT_IEEEFP, 64): return .float64
        default:
            let kind: String =
                switch format {
                case SAMPLEFORMAT_UINT: "unsigned integer"
                case SAMPLEFORMAT_INT: "signed integer"
                case SAMPLEFORMAT_IEEEFP: "floating point"
                case SAMPLEFORMAT_COMPLEXINT: "complex integer"
                case SAMPLEFORMAT_COMPLEXIEEEFP: "complex floating point"
                default: "sample format \(format)"
                }
            throw FormatError.unsupported(
                "sample format: \(bitsPerSample)-bit \(kind) (vstack reads 8/16/32/64-bit integers and 32/64-bit floats)"
            )
        }
    }

    /// Whether two pages can share one chunk grid.
    func sameLayout(as o: TiffPageInfo) -> Bool {
        width == o.width && height == o.height && bitsPerSample == o.bitsPerSample && sampleFormat == o.sampleFormat
            && samplesPerPixel == o.samplesPerPixel && planarSeparate == o.planarSeparate && tiled == o.tiled
            && tileWidth == o.tileWidth && tileLength == o.tileLength && rowsPerStrip == o.rowsPerStrip
    }

    var layoutDescription: String {
        let dtype = (try? dataType().name) ?? "\(bitsPerSample)-bit"
        let samples = samplesPerPixel > 1 ? "×\(samplesPerPixel)" : ""
        let store = tiled ? "tiles \(tileWidth)×\(tileLength)" : "\(rowsPerStrip) rows a strip"
        return "\(width)×\(height)\(samples) \(dtype), \(store)"
    }

    /// `deflate`, `lzw+predictor`, … for `info`.
    var codecName: String {
        let names: [Int32: String] = [
            COMPRESSION_NONE: "none", COMPRESSION_LZW: "lzw", COMPRESSION_ADOBE_DEFLATE: "deflate",
            COMPRESSION_DEFLATE: "deflate", COMPRESSION_ZSTD: "zstd", COMPRESSION_PACKBITS: "packbits",
            COMPRESSION_JPEG: "jpeg", COMPRESSION_LZMA: "lzma", COMPRESSION_WEBP: "webp", COMPRESSION_LERC: "lerc",
            COMPRESSION_CCITTRLE: "ccitt-rle", COMPRESSION_CCITTFAX3: "ccitt-fax3", COMPRESSION_CCITTFAX4: "ccitt-fax4",
        ]
        var name = names[Int32(compression)] ?? "compression \(compression)"
        if predictor == 2 { name += "+predictor" } else if predictor == 3 { name += "+float-predictor" }
        return name
    }
}
