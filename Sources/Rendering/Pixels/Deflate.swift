import CZlib

/// zlib-wrapped deflate (RFC 1950), for PNG's IDAT and kitty's `o=z` payloads.
enum Deflate {
    /// zlib's strategies: `rle` looks for runs only (distance 1), which after a PNG row filter
    /// finds flat areas at a fraction of the default's time and, on noisy pictures, is smaller.
    enum Strategy { case `default`, rle }

    /// - Parameter level: 1 (fastest) … 9 (smallest).
    static func compress(_ bytes: [UInt8], level: Int32, strategy: Strategy = .default) throws -> [UInt8] {
        var bound = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(bound))
        if strategy == .default {
            let rc = out.withUnsafeMutableBufferPointer { dst in
                bytes.withUnsafeBufferPointer { src in
                    compress2(dst.baseAddress, &bound, src.baseAddress, uLong(src.count), level)
                }
            }
            guard rc == Z_OK else { throw RenderError("zlib compress failed (\(rc))") }
            out.removeLast(out.count - Int(bound))
            return out
        }
        var stream = z_stream()
        var rc = deflateInit2_(
            &stream, level, Z_DEFLATED, 15, 8, Z_RLE, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw RenderError("zlib deflateInit2 failed (\(rc))") }
        defer { deflateEnd(&stream) }
        var written = 0
        rc = out.withUnsafeMutableBufferPointer { dst in
            bytes.withUnsafeBufferPointer { src in
                stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = uInt(dst.count)
                let r = deflate(&stream, Z_FINISH)
                written = dst.count - Int(stream.avail_out)
                return r
            }
        }
        guard rc == Z_STREAM_END else { throw RenderError("zlib deflate failed (\(rc))") }
        out.removeLast(out.count - written)
        return out
    }
}
