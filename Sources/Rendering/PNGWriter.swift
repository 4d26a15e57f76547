import CZlib

/// Minimal PNG encoder: 8-bit RGB, 8- or 16-bit gray, no interlace, one zlib-compressed IDAT.
public enum PNGWriter {
    /// A figure file: 8-bit gray when every pixel is gray (a gray colour map: a third of the bytes
    /// and of the memory), else RGB; no row filter, zlib level 6.
    public static func encode(width: Int, height: Int, rgb: [RGB]) throws -> [UInt8] {
        precondition(rgb.count == width * height)
        let gray = isGray(rgb)
        // Each row: filter byte 0 (none), then the gray values or RGB triples.
        var raw = [UInt8]()
        raw.reserveCapacity(height * (1 + (gray ? 1 : 3) * width))
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width {
                let c = rgb[y * width + x]
                raw.append(c.r)
                if !gray {
                    raw.append(c.g)
                    raw.append(c.b)
                }
            }
        }
        return assemble(
            width: width, height: height, colourType: gray ? 0 : 2, idat: try Deflate.compress(raw, level: 6))
    }

    /// A 16-bit gray figure (a gray view of data with more than 8 bits: the contrast applied, 65536
    /// levels instead of 256); big-endian samples as PNG stores them, no row filter, zlib level 6.
    public static func encodeGray16(width: Int, height: Int, values: [UInt16]) throws -> [UInt8] {
        precondition(values.count == width * height)
        var raw = [UInt8]()
        raw.reserveCapacity(height * (1 + 2 * width))
        for y in 0..<height {
            raw.append(0)
            for v in values[(y * width)..<((y + 1) * width)] {
                raw.append(UInt8(v >> 8))
                raw.append(UInt8(v & 0xFF))
            }
        }
        return assemble(
            width: width, height: height, colourType: 0, idat: try Deflate.compress(raw, level: 6), bitDepth: 16)
    }

    /// Whether every pixel has r = g = b.
    static func isGray(_ rgb: [RGB]) -> Bool {
        rgb.withUnsafeBufferPointer { p in
            for c in p where c.r != c.g || c.g != c.b { return false }
            return true
        }
    }

    /// A picture for the terminal (kitty `f=100`, iTerm2), made for speed and size: 8-bit gray
    /// when every pixel is gray (a third of the data), else RGB; every row with the Sub filter
    /// (each byte minus the one a pixel to the left: flat areas become zeros, gradients small
    /// numbers); zlib level 1 with the run-length strategy.
    public static func encodeFast(width: Int, height: Int, rgb: [RGB]) throws -> [UInt8] {
        precondition(rgb.count == width * height)
        let gray = isGray(rgb)
        let bpp = gray ? 1 : 3
        let stride = 1 + bpp * width
        var raw = [UInt8](repeating: 0, count: height * stride)
        raw.withUnsafeMutableBufferPointer { o in
            rgb.withUnsafeBufferPointer { p in
                for y in 0..<height {
                    let row = y * stride, src = y * width
                    o[row] = 1  // Sub
                    if gray {
                        var left: UInt8 = 0
                        for x in 0..<width {
                            let v = p[src + x].r
                            o[row + 1 + x] = v &- left
                            left = v
                        }
                    } else {
                        var l = RGB.black
                        for x in 0..<width {
                            let c = p[src + x], i = row + 1 + 3 * x
                            o[i] = c.r &- l.r
                            o[i + 1] = c.g &- l.g
                            o[i + 2] = c.b &- l.b
                            l = c
                        }
                    }
                }
            }
        }
        return assemble(
            width: width, height: height, colourType: gray ? 0 : 2,
            idat: try Deflate.compress(raw, level: 1, strategy: .rle))
    }

    static func assemble(width: Int, height: Int, colourType: UInt8, idat: [UInt8], bitDepth: UInt8 = 8) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out.reserveCapacity(idat.count + 64)
        var header = be32(UInt32(width)) + be32(UInt32(height))
        // Bit depth, colour type (0 gray, 2 RGB), deflate, filter 0, no interlace.
        header += [bitDepth, colourType, 0, 0, 0]
        chunk("IHDR", header, into: &out)
        chunk("IDAT", idat, into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        out += be32(UInt32(data.count))
        let body = typeBytes + data
        out += body
        let crc = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        out += be32(UInt32(crc))
    }
}
