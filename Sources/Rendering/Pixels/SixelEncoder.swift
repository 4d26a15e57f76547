/// Writes a `PixelImage` as DEC sixel graphics (VT340 format), one DCS sequence a picture.
///
/// Layout: `ESC P 0;1;0 q`, raster attributes `"1;1;W;H`, the colour registers `#i;2;r;g;b`
/// (percent), then six-row bands separated by `-`. In a band each register present is drawn as
/// one pass (`#i` … , passes separated by `$`) over its span only: the columns before its first
/// pixel are one `?` run (except for the first pass), the columns after its last are left out.
/// Runs of 4 or more equal sixel characters are written `!n c`.
///
/// Passes go in order of the number of columns they touch, and a pass may also paint pixels
/// that belong to later passes (each pass paints all its own pixels, and a later paint wins),
/// never those of earlier ones: the band's commonest colour becomes one run, and the others'
/// runs grow across neighbouring columns. The decoded picture is the same; only the bytes shrink.
///
/// The cost of a band is proportional to its pixels, not to registers × width: one scan of the
/// band collects, per register, its columns and bit masks, and each pass walks only those.
public enum SixelEncoder {
    /// The whole image as one DCS sequence: ESC P 0;1;0 q, raster attributes "1;1;W;H,
    /// the palette (#i;2;r;g;b in percent), six-row bands with run-length encoding (!n), ESC \.
    public static func encode(_ image: PixelImage, palette: SixelPalette? = nil) -> [UInt8] {
        let palette = palette ?? SixelPalette.choose(for: image)
        let width = image.width, height = image.height
        var out: [UInt8] = [0x1B, 0x50]
        out += Array("0;1;0q\"1;1;\(width);\(height)".utf8)
        guard width > 0, height > 0, !palette.colors.isEmpty else { return out + [0x1B, 0x5C] }

        // Registers: palette entries that round to the same percent colour share one.
        var registerOf = [UInt8](repeating: 0, count: 256)
        var registers: [(UInt8, UInt8, UInt8)] = []
        var byPercent: [Int: UInt8] = [:]
        for (i, c) in palette.colors.enumerated() {
            let p = (percent[Int(c.r)], percent[Int(c.g)], percent[Int(c.b)])
            let key = Int(p.0) << 16 | Int(p.1) << 8 | Int(p.2)
            if let r = byPercent[key] {
                registerOf[i] = r
                continue
            }
            let r = UInt8(registers.count)
            byPercent[key] = r
            registerOf[i] = r
            registers.append(p)
        }
        for (i, p) in registers.enumerated() {
            out += Array("#\(i);2;\(p.0);\(p.1);\(p.2)".utf8)
        }

        let indices = palette.indices(of: image)
        let regCount = registers.count
        // Worst case of one band: every pixel its own event, each a `?` gap and a run of
        // at most 2 + digits(width) bytes, plus `$#nnn` a register and the `-`.
        let digits = String(width).utf8.count
        // (writeRun may store 2 bytes past what it counts: the bound has room.)
        let bandBound = 6 * width * 2 * (2 + digits) + regCount * 5 + 16
        var capacity = out.count + height * width + bandBound  // grown by doubling if need be
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var pos = out.count
        out.withUnsafeBufferPointer { buffer.initialize(from: $0.baseAddress!, count: $0.count) }
        // events[r * width + k]: the k-th column of register r in the band, packed x << 6 | bits.
        let events = UnsafeMutablePointer<UInt32>.allocate(capacity: regCount * width)
        defer { events.deallocate() }
        var eventCount = [Int](repeating: 0, count: regCount)
        // The (band * width + x) a register was last seen at, so no per-band reset is needed.
        var lastSeen = [Int](repeating: -1, count: regCount)
        var present = [Int](repeating: 0, count: regCount)
        // Bits of the band's columns painted by the passes so far.
        let taken = UnsafeMutablePointer<UInt8>.allocate(capacity: width)
        defer { taken.deallocate() }
        let bands = (height + 5) / 6

        indices.withUnsafeBufferPointer { idx in
            registerOf.withUnsafeBufferPointer { regOf in
                eventCount.withUnsafeMutableBufferPointer { count in
                    lastSeen.withUnsafeMutableBufferPointer { seen in
                        present.withUnsafeMutableBufferPointer { present in
                            for band in 0..<bands {
                                let y0 = band * 6, rows = min(6, height - y0)
                                var presentCount = 0
                                // Collect: one pass over the band's pixels, column by column.
                                for x in 0..<width {
                                    let stamp = band * width + x
                                    var offset = y0 * width + x
                                    for row in 0..<rows {
                                        let r = Int(regOf[Int(idx[offset])])
                                        offset += width
                                        let bit = UInt32(1) &<< UInt32(row)
                                        if seen[r] != stamp {
                                            seen[r] = stamp
                                            let n = count[r]
                                            if n == 0 {
                                                present[presentCount] = r
                                                presentCount += 1
                                            }
                                            events[r * width + n] = UInt32(x) << 6 | bit
                                            count[r] = n + 1
                                        } else {
                                            events[r * width + count[r] - 1] |= bit
                                        }
                                    }
                                }
                                // Emit: each register present, over its span.
                                if capacity - pos < bandBound {
                                    capacity = max(2 * capacity, pos + bandBound)
                                    let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
                                    grown.moveInitialize(from: buffer, count: pos)
                                    buffer.deallocate()
                                    buffer = grown
                                }
                                // Widest first (most columns): a pass may also paint pixels of the passes after it
                                // (they repaint their own), so the first is one run and the others' runs grow.
                                var order = UnsafeMutableBufferPointer(rebasing: present[0..<presentCount])
                                order.sort { (a: Int, b: Int) -> Bool in
                                    let na = count[a], nb = count[b]
                                    return na != nb ? na > nb : a < b
                                }
                                let full = UInt32(1) &<< UInt32(rows) &- 1
                                taken.update(repeating: 0, count: width)
                                for j in 0..<presentCount {
                                    let r = present[j]
                                    if j > 0 {
                                        buffer[pos] = 0x24
                                        pos += 1
                                    }  // $
                                    buffer[pos] = 0x23
                                    pos += 1  // #
                                    writeDecimal(r, buffer, &pos)
                                    let e = events + r * width, n = count[r]
                                    // The open run: columns start..<end of bits `run`; `cursor`: first column not yet written.
                                    var run: UInt32 = 0, start = 0, end = 0, cursor = 0
                                    for i in 0..<n {
                                        let x = Int(e[i] >> 6), own = e[i] & 63
                                        let allowed = full & ~UInt32(taken[x])  // own pixels and those of later passes
                                        taken[x] |= UInt8(own)
                                        if end > start && own & ~run == 0 && run & ~allowed == 0 {
                                            // The run may go on over the gap if it paints no earlier pass's pixel there.
                                            var ok = j == 0 || x == end
                                            if !ok && x - end <= 3 {
                                                ok = true
                                                for c in end..<x where run & ~UInt32(taken[c]) != run { ok = false }
                                            }
                                            if ok {
                                                end = x + 1
                                                continue
                                            }
                                        }
                                        if end > start {
                                            writeRun(0x3F &+ UInt8(run), end - start, buffer, &pos)
                                            cursor = end
                                        }
                                        if j == 0 && end == start {
                                            start = 0
                                        } else {
                                            writeRun(0x3F, x - cursor, buffer, &pos)
                                            start = x
                                        }
                                        run = allowed
                                        end = x + 1
                                    }
                                    if end > start { writeRun(0x3F &+ UInt8(run), end - start, buffer, &pos) }
                                    count[r] = 0
                                }
                                if band < bands - 1 {
                                    buffer[pos] = 0x2D
                                    pos += 1
                                }  // -
                            }
                        }
                    }
                }
            }
        }
        buffer[pos] = 0x1B
        buffer[pos + 1] = 0x5C
        pos += 2
        return [UInt8](unsafeUninitializedCapacity: pos) { b, n in
            b.baseAddress!.initialize(from: buffer, count: pos)
            n = pos
        }
    }

    /// Percent (0…100) of each 8-bit level: the p whose decoding round(p·255/100) is nearest the level.
    static let percent: [UInt8] = (0..<256).map { v in
        let p = (v * 100 + 127) / 255
        return UInt8((max(0, p - 1)...min(100, p + 1)).min { abs(decoded($0) - v) < abs(decoded($1) - v) }!)
    }

    /// The 8-bit level a decoder shows for percent `p` (libsixel: (p·255 + 50) / 100).
    static func decoded(_ p: Int) -> Int { (p * 255 + 50) / 100 }

    /// `n` copies of `c`: literally when fewer than 4, else `!n c`.
    @inline(__always) static func writeRun(_ c: UInt8, _ n: Int, _ buf: UnsafeMutablePointer<UInt8>, _ pos: inout Int) {
        if n <= 0 { return }
        if n < 4 {
            buf[pos] = c
            buf[pos + 1] = c
            buf[pos + 2] = c  // the bound leaves room; only n count
            pos += n
        } else {
            buf[pos] = 0x21  // !
            pos += 1
            writeDecimal(n, buf, &pos)
            buf[pos] = c
            pos += 1
        }
    }

    @inline(__always) static func writeDecimal(_ value: Int, _ buf: UnsafeMutablePointer<UInt8>, _ pos: inout Int) {
        var digits = 1, v = value
        while v >= 10 {
            v /= 10
            digits += 1
        }
        v = value
        for k in stride(from: digits - 1, through: 0, by: -1) {
            buf[pos + k] = 0x30 + UInt8(v % 10)
            v /= 10
        }
        pos += digits
    }
}
