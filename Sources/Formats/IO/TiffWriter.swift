import CTiff

/// Writes a 2-D plane as a single-page grayscale TIFF with libtiff
/// (uncompressed strips; bool as 0/1 uint8). Used by `export -o FILE.tif`.
public enum TiffWriter {
    public static func write(_ plane: ArrayBuffer, to path: String, description: String? = nil) throws {
        guard plane.shape.count == 2 else {
            throw FormatError("TIFF export writes 2-D planes, not \(plane.shape.count)-D")
        }
        let (height, width) = (plane.shape[0], plane.shape[1])
        let type = plane.dataType
        let format: Int32 =
            switch type {
            case .float32, .float64: SAMPLEFORMAT_IEEEFP
            case .int8, .int16, .int32, .int64: SAMPLEFORMAT_INT
            default: SAMPLEFORMAT_UINT
            }
        let messages = UnsafeMutablePointer<CChar>.allocate(capacity: 512)
        messages.initialize(repeating: 0, count: 512)
        defer { messages.deallocate() }
        let options = vstack_tiff_options(messages)
        defer { TIFFOpenOptionsFree(options) }
        let big = plane.bytes.count > 0xF000_0000
        guard let tif = TIFFOpenExt(path, big ? "w8" : "w", options) else {
            throw FormatError.io("\(path): cannot write TIFF: \(String(cString: messages))")
        }
        var ok = true
        ok = ok && vstack_tiff_set_u32(tif, UInt32(TIFFTAG_IMAGEWIDTH), UInt32(width)) == 1
        ok = ok && vstack_tiff_set_u32(tif, UInt32(TIFFTAG_IMAGELENGTH), UInt32(height)) == 1
        ok = ok && vstack_tiff_set_u16(tif, UInt32(TIFFTAG_BITSPERSAMPLE), UInt16(type.size * 8)) == 1
        ok = ok && vstack_tiff_set_u16(tif, UInt32(TIFFTAG_SAMPLEFORMAT), UInt16(format)) == 1
        ok = ok && vstack_tiff_set_u16(tif, UInt32(TIFFTAG_SAMPLESPERPIXEL), 1) == 1
        ok = ok && vstack_tiff_set_u16(tif, UInt32(TIFFTAG_PHOTOMETRIC), UInt16(PHOTOMETRIC_MINISBLACK)) == 1
        ok = ok && vstack_tiff_set_u16(tif, UInt32(TIFFTAG_PLANARCONFIG), UInt16(PLANARCONFIG_CONTIG)) == 1
        ok = ok && vstack_tiff_set_u16(tif, UInt32(TIFFTAG_COMPRESSION), UInt16(COMPRESSION_NONE)) == 1
        let rowBytes = width * type.size
        let rowsPerStrip = max(1, min(height, (256 << 10) / max(rowBytes, 1)))
        ok = ok && vstack_tiff_set_u32(tif, UInt32(TIFFTAG_ROWSPERSTRIP), UInt32(rowsPerStrip)) == 1
        if let description {
            ok = ok && vstack_tiff_set_string(tif, UInt32(TIFFTAG_IMAGEDESCRIPTION), description) == 1
        }
        if ok {
            plane.bytes.withUnsafeBytes { raw in
                var row = 0, strip: UInt32 = 0
                while ok, row < height {
                    let rows = min(rowsPerStrip, height - row)
                    let p = UnsafeMutableRawPointer(mutating: raw.baseAddress! + row * rowBytes)
                    ok = TIFFWriteEncodedStrip(tif, strip, p, tmsize_t(rows * rowBytes)) >= 0
                    row += rows
                    strip += 1
                }
            }
        }
        ok = ok && TIFFWriteDirectory(tif) == 1
        TIFFClose(tif)
        guard ok else { throw FormatError.io("\(path): cannot write TIFF: \(String(cString: messages))") }
    }
}
