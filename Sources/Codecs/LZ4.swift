import CLz4

/// LZ4 blocks with numcodecs' framing: a little-endian UInt32 holding the
/// uncompressed size, then one raw LZ4 block.
public enum LZ4 {
    public static func decompress(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) throws {
        guard src.count >= 4 else { throw CodecError("lz4: truncated header (\(src.count) bytes)") }
        let size = Int(UInt32(src[0]) | UInt32(src[1]) << 8 | UInt32(src[2]) << 16 | UInt32(src[3]) << 24)
        guard size == dst.count else {
            throw CodecError("lz4: decodes to \(size) bytes, expected \(dst.count)")
        }
        if size == 0 { return }
        guard size <= maximumDecodedSize(compressedBytes: src.count - 4) else {
            throw CodecError("lz4: corrupt header (claims \(size) bytes from \(src.count - 4))")
        }
        let n = LZ4_decompress_safe(
            src.baseAddress!.advanced(by: 4).assumingMemoryBound(to: CChar.self),
            dst.baseAddress!.assumingMemoryBound(to: CChar.self),
            Int32(src.count - 4), Int32(dst.count))
        guard n == dst.count else {
            throw CodecError(n < 0 ? "lz4: corrupt or truncated data" : "lz4: decodes to \(n) bytes, expected \(dst.count)")
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
