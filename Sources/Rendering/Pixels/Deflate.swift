import CZlib

/// zlib-wrapped deflate (RFC 1950), for PNG's IDAT and kitty's `o=z` payloads.
enum Deflate {
    /// - Parameter level: 1 (fastest) … 9 (smallest).
    static func compress(_ bytes: [UInt8], level: Int32) throws -> [UInt8] {
        var bound = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(bound))
        let rc = out.withUnsafeMutableBufferPointer { dst in
            bytes.withUnsafeBufferPointer { src in compress2(dst.baseAddress, &bound, src.baseAddress, uLong(src.count), level) }
        }
        guard rc == Z_OK else { throw RenderError("zlib compress failed (\(rc))") }
        out.removeLast(out.count - Int(bound))
        return out
    }
}
