// Any bytes as the ImageDescription of a small multi-page TIFF: `TiffPageAxes`
// (ImageJ hyperstack keys, OME-XML, tifffile's JSON shape) and the layout it
// implies, then a read of chunk 0. The first input byte sets the page count
// (1–32), so a description's claimed sizes meet a real page chain.
import Formats
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTiffAxes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = bytes(data, size)
    guard let first = input.first else { return 0 }
    let pages = 1 + Int(first % 32)
    writeScratch("axes.tif", tinyStack(pages: pages, description: Array(input.dropFirst())))
    if let array = try? TiffArray(path: scratch + "/axes.tif") { readFirstChunk(array) }
    return 0
}

/// A classic little-endian TIFF of `pages` 2×2 uint8 pages, page 0 carrying `description`
/// (ASCII, NUL-terminated as TIFF wants; inner NULs are kept: libtiff stops at the first).
func tinyStack(pages: Int, description: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0]
    func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    func u32(_ v: Int) { out += (0..<4).map { UInt8(v >> (8 * $0) & 0xFF) } }
    let text = description + [0]
    for page in 0..<pages {
        let tagCount = page == 0 ? 9 : 8
        let ifdStart = out.count
        let ifdSize = 2 + 12 * tagCount + 4
        let pixelsAt = ifdStart + ifdSize
        let textAt = pixelsAt + 4
        let next = page == pages - 1 ? 0 : textAt + (page == 0 ? text.count : 0)
        u16(tagCount)
        func tag(_ id: Int, _ type: Int, _ count: Int, _ value: Int) {
            u16(id)
            u16(type)
            u32(count)
            u32(value)
        }
        tag(256, 3, 1, 2)  // ImageWidth
        tag(257, 3, 1, 2)  // ImageLength
        tag(258, 3, 1, 8)  // BitsPerSample
        tag(259, 3, 1, 1)  // Compression: none
        tag(262, 3, 1, 1)  // Photometric: black is zero
        // ImageDescription: up to 4 bytes in the entry itself, else at textAt.
        let inline = text.prefix(4).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        if page == 0 { tag(270, 2, text.count, text.count <= 4 ? inline : textAt) }
        tag(273, 4, 1, pixelsAt)  // StripOffsets
        tag(278, 3, 1, 2)  // RowsPerStrip
        tag(279, 4, 1, 4)  // StripByteCounts
        u32(next)
        out += [UInt8(page & 0xFF), 1, 2, 3]
        if page == 0 { out += text }
    }
    return out
}

// The executable's entry point (see runFuzzer).
@_cdecl("FuzzTiffAxes_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzTiffAxes)
}
