import CBlosc

extension Blosc {
    /// Reads a byte range of a blosc frame's decompressed contents while
    /// fetching only the frame's header, its block-start table and the
    /// compressed blocks that hold the range, never the whole frame.
    ///
    /// `fetch(offset, length)` returns exactly that many bytes of the stored
    /// frame (it throws when the frame is shorter), or nil when there is no
    /// stored frame: then the result is nil too. The frame is assembled in
    /// a sparse buffer of its full compressed size whose untouched pages are
    /// never mapped, and `blosc_getitem` decodes the blocks in place.
    ///
    /// - Returns: the bytes `[byteOffset, byteOffset + byteCount)` of the
    ///   decompressed frame, and how many stored bytes were fetched; nil when
    ///   `fetch` finds no frame.
    public static func readRange(
        byteOffset: Int, byteCount: Int, expectedSize: Int,
        fetch: (Int, Int) throws -> [UInt8]?
    ) throws -> (bytes: [UInt8], fetched: Int)? {
        guard let headerBytes = try fetch(0, Int(BLOSC_MIN_HEADER_LENGTH)) else { return nil }
        var fetched = headerBytes.count
        let h = try headerBytes.withUnsafeBytes { try header($0, wholeFrame: false) }
        guard h.blockBytes > 0 || h.uncompressedBytes == 0 else {
            throw CodecError.corrupt(codec: "blosc", reason: "corrupt header")
        }
        guard h.uncompressedBytes == expectedSize else {
            throw CodecError.sizeMismatch(codec: "blosc", decoded: h.uncompressedBytes, expected: expectedSize)
        }
        guard byteOffset >= 0, byteCount >= 0, byteOffset + byteCount <= expectedSize else {
            throw CodecError.rangeOutside(
                codec: "blosc", unit: "byte", lowerBound: byteOffset, upperBound: byteOffset + byteCount,
                bound: "the frame")
        }
        if byteCount == 0 { return ([], fetched) }
        let flags = headerBytes[2]
        let memcpyed = flags & UInt8(BLOSC_MEMCPYED) != 0
        if memcpyed {
            guard let raw = try fetch(Int(BLOSC_MAX_OVERHEAD) + byteOffset, byteCount) else { return nil }
            return (raw, fetched + raw.count)
        }
        // Items are typesize-byte units; widen the range to whole items.
        let ts = h.typeSize
        let firstItem = byteOffset / ts
        let lastItem = (byteOffset + byteCount + ts - 1) / ts
        let nblocks = (h.uncompressedBytes + h.blockBytes - 1) / h.blockBytes
        guard let table = try fetch(Int(BLOSC_MAX_OVERHEAD), 4 * nblocks) else { return nil }
        fetched += table.count
        let starts: [Int] = table.withUnsafeBytes { raw in
            (0..<nblocks).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
        }
        let tableEnd = Int(BLOSC_MAX_OVERHEAD) + 4 * nblocks
        guard starts.allSatisfy({ $0 >= tableEnd && $0 < h.compressedBytes }) else {
            throw CodecError.corrupt(codec: "blosc", reason: "corrupt block table")
        }
        // A block ends where the next stored block starts (blocks may be stored
        // out of order by a multi-threaded compressor), the last at cbytes.
        let sorted = starts.sorted()
        func end(of start: Int) -> Int {
            var lo = 0, hi = sorted.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sorted[mid] <= start { lo = mid + 1 } else { hi = mid }
            }
            return lo < sorted.count ? sorted[lo] : h.compressedBytes
        }
        let firstBlock = firstItem * ts / h.blockBytes
        let lastBlock = (lastItem * ts - 1) / h.blockBytes
        let spanStart = starts[firstBlock...lastBlock].min()!
        let spanEnd = starts[firstBlock...lastBlock].map(end(of:)).max()!
        guard let span = try fetch(spanStart, spanEnd - spanStart) else { return nil }
        fetched += span.count

        let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: h.compressedBytes, alignment: 16)
        defer { frame.deallocate() }
        headerBytes.withUnsafeBytes { frame.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        table.withUnsafeBytes {
            (frame.baseAddress! + Int(BLOSC_MAX_OVERHEAD)).copyMemory(from: $0.baseAddress!, byteCount: $0.count)
        }
        span.withUnsafeBytes { (frame.baseAddress! + spanStart).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        let itemCount = lastItem - firstItem
        var items = [UInt8](repeating: 0, count: itemCount * ts)
        let n = items.withUnsafeMutableBytes { dst in
            blosc_getitem(frame.baseAddress!, Int32(firstItem), Int32(itemCount), dst.baseAddress!)
        }
        guard n == items.count else {
            throw CodecError.corrupt(codec: "blosc", reason: "corrupt data (getitem returned \(n))")
        }
        let skip = byteOffset - firstItem * ts
        if skip == 0 && items.count == byteCount { return (items, fetched) }
        return (Array(items[skip..<(skip + byteCount)]), fetched)
    }
}
