import CLz4

/// LZ4 blocks with numcodecs' framing: a little-endian UInt32 holding the
/// uncompressed size, then one raw LZ4 block.
public enum LZ4 {
    public static func decompress(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) throws {
        guard src.count >= 4 else {
            throw CodecError.truncated(codec: "lz4", what: "header", detail: "\(src.count) bytes")
        }
        let size = Int(UInt32(src[0]) | UInt32(src[1]) << 8 | UInt32(src[2]) << 16 | UInt32(src[3]) << 24)
        guard size == dst.count else {
            throw CodecError.sizeMismatch(codec: "lz4", decoded: size, expected: dst.count)
        }
        if size == 0 { return }
        guard size <= maximumDecodedSize(compressedBytes: src.count - 4) else {
            throw CodecError.corrupt(
                codec: "lz4", reason: "corrupt header (claims \(size) bytes from \(src.count - 4))")
        }
        let n = LZ4_decompress_safe(
            src.baseAddress!.advanced(by: 4).assumingMemoryBound(to: CChar.self),
            dst.baseAddress!.assumingMemoryBound(to: CChar.self),
            Int32(src.count - 4), Int32(dst.count))
        guard n == dst.count else {
            throw n < 0
                ? CodecError.corrupt(codec: "lz4", reason: "corrupt or truncated data")
                : CodecError.sizeMismatch(codec: "lz4", decoded: Int(n), expected: dst.count)
        }
    }
}

extension LZ4 {
    /// LZ4 expands at most 255:1 (a match length byte of 255 per input byte)
    /// and a block holds at most LZ4_MAX_INPUT_SIZE bytes; a header claiming
    /// more is corrupt, so it is rejected before anything is allocated.
    public static func maximumDecodedSize(compressedBytes: Int) -> Int {
        min(Int(LZ4_MAX_INPUT_SIZE), max(compressedBytes, 0) * 255 + 16)
    }
}
