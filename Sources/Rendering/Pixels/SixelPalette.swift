/// The colours a sixel image is drawn with: at most 256, chosen per frame.
///
/// `choose` keeps every colour of an image that has few enough (sorted, so a gray image gets an
/// ascending ramp), else it takes a median cut of the image's colour histogram. Sixel stores a
/// colour in percent (101 levels a channel): `SixelEncoder` gives entries that round to the same
/// percent colour one register, so an exact 256-level gray palette costs 101 registers.
public struct SixelPalette: Sendable, Equatable {
    public let colors: [RGB]

    public init(colors: [RGB]) {
        precondition(colors.count <= 256, "a sixel palette holds at most 256 colours")
        self.colors = colors
    }

    /// Exact when the image has ≤ maxColors distinct colours (a gray colour map gives an exact gray ramp);
    /// otherwise a median-cut choice over the image's colours.
    public static func choose(for image: PixelImage, maxColors: Int = 256) -> SixelPalette {
        let limit = min(max(maxColors, 1), 256)
        if let exact = distinctColors(image, limit: limit) { return SixelPalette(colors: exact) }
        return SixelPalette(colors: medianCut(image, colors: limit))
    }

    /// Palette index of every pixel (nearest colour), row-major.
    ///
    /// A pixel whose colour is in the palette gets that entry (gray pixels through a 256-entry
    /// table, others through a small hash table); any other pixel gets the entry nearest the centre
    /// of its 18-bit (6 bits a channel) cell, found once per cell.
    public func indices(of image: PixelImage) -> [UInt8] {
        let count = image.pixels.count
        guard !colors.isEmpty else { return [UInt8](repeating: 0, count: count) }
        var gray = [Int16](repeating: -1, count: 256)
        let table = ExactTable(colors)
        for (i, c) in colors.enumerated() where c.r == c.g && c.g == c.b && gray[Int(c.r)] < 0 {
            gray[Int(c.r)] = Int16(i)
        }
        var nearest: [UInt16] = []  // 18-bit cell -> index, 0xFFFF = not yet searched; allocated on the first miss
        return [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            image.pixels.withUnsafeBufferPointer { px in
                gray.withUnsafeBufferPointer { gray in
                    for i in 0..<count {
                        let p = px[i]
                        if p.r == p.g && p.g == p.b, gray[Int(p.r)] >= 0 {
                            out[i] = UInt8(gray[Int(p.r)])
                            continue
                        }
                        let key = UInt32(p.r) << 16 | UInt32(p.g) << 8 | UInt32(p.b)
                        if let k = table.index(of: key) {
                            out[i] = k
                            continue
                        }
                        if nearest.isEmpty { nearest = [UInt16](repeating: 0xFFFF, count: 1 << 18) }
                        let cell = Int(p.r >> 2) << 12 | Int(p.g >> 2) << 6 | Int(p.b >> 2)
                        if nearest[cell] == 0xFFFF {
                            nearest[cell] = UInt16(nearestIndex(RGB(p.r | 2, p.g | 2, p.b | 2)))
                        }
                        out[i] = UInt8(nearest[cell])
                    }
                }
            }
            initialized = count
        }
    }

    /// Index of the entry closest to `c` (squared RGB distance; the first of equals).
    func nearestIndex(_ c: RGB) -> Int {
        var best = 0, bestD = Int.max
        for (i, p) in colors.enumerated() {
            let d = c.distance2(p)
            if d < bestD {
                (best, bestD) = (i, d)
                if d == 0 { break }
            }
        }
        return best
    }

    // MARK: - exact colours

    /// Open-addressing hash set of packed 24-bit colours → palette index (at most 256 entries, load ≤ 1/4).
    struct ExactTable {
        static let bits = 10
        var keys = [UInt32](repeating: .max, count: 1 << bits)
        var values = [UInt8](repeating: 0, count: 1 << bits)
        var count = 0

        init(_ colors: [RGB] = []) {
            for (i, c) in colors.enumerated() {
                _ = insert(UInt32(c.r) << 16 | UInt32(c.g) << 8 | UInt32(c.b), UInt8(i))
            }
        }

        @inline(__always) static func slot(_ key: UInt32) -> Int { Int((key &* 0x9E37_79B1) >> (32 - UInt32(bits))) }

        @inline(__always) func index(of key: UInt32) -> UInt8? {
            var s = Self.slot(key)
            while true {
                let k = keys[s]
                if k == key { return values[s] }
                if k == .max { return nil }
                s = (s + 1) & ((1 << Self.bits) - 1)
            }
        }

        /// Adds `key` unless present; true when it was new.
        @inline(__always) mutating func insert(_ key: UInt32, _ value: UInt8) -> Bool {
            var s = Self.slot(key)
            while true {
                let k = keys[s]
                if k == key { return false }
                if k == .max {
                    keys[s] = key
                    values[s] = value
                    count += 1
                    return true
                }
                s = (s + 1) & ((1 << Self.bits) - 1)
            }
        }
    }

    /// The image's distinct colours, sorted by (r, g, b), or nil when there are more than `limit`.
    static func distinctColors(_ image: PixelImage, limit: Int) -> [RGB]? {
        var seenGray = [Bool](repeating: false, count: 256)
        var table = ExactTable()
        var found: [RGB] = []
        var last: RGB? = nil
        let ok = image.pixels.withUnsafeBufferPointer { px -> Bool in
            for p in px {
                if p == last { continue }
                last = p
                if p.r == p.g && p.g == p.b {
                    if seenGray[Int(p.r)] { continue }
                    seenGray[Int(p.r)] = true
                } else if !table.insert(UInt32(p.r) << 16 | UInt32(p.g) << 8 | UInt32(p.b), 0) {
                    continue
                }
                found.append(p)
                if found.count > limit { return false }
            }
            return true
        }
        guard ok else { return nil }
        return found.sorted { ($0.r, $0.g, $0.b) < ($1.r, $1.g, $1.b) }
    }

    // MARK: - median cut

    /// `colors` boxes cut from the 18-bit colour histogram: the box with the largest squared error
    /// is split at the weighted median of its widest-spread channel; an entry is its box's mean colour.
    static func medianCut(_ image: PixelImage, colors: Int) -> [RGB] {
        let cells = 1 << 18
        var weight = [UInt32](repeating: 0, count: cells)
        var sums = [UInt64](repeating: 0, count: 3 * cells)
        image.pixels.withUnsafeBufferPointer { px in
            weight.withUnsafeMutableBufferPointer { w in
                sums.withUnsafeMutableBufferPointer { s in
                    for p in px {
                        let cell = Int(p.r >> 2) << 12 | Int(p.g >> 2) << 6 | Int(p.b >> 2)
                        w[cell] &+= 1
                        s[3 * cell] &+= UInt64(p.r)
                        s[3 * cell + 1] &+= UInt64(p.g)
                        s[3 * cell + 2] &+= UInt64(p.b)
                    }
                }
            }
        }
        // One entry a non-empty cell: its mean colour (as Doubles) and its pixel count.
        struct Entry {
            var c: (Double, Double, Double)
            var w: Double
            var cell: Int
        }
        var entries: [Entry] = []
        for cell in 0..<cells where weight[cell] > 0 {
            let w = Double(weight[cell])
            entries.append(
                Entry(
                    c: (Double(sums[3 * cell]) / w, Double(sums[3 * cell + 1]) / w, Double(sums[3 * cell + 2]) / w),
                    w: w, cell: cell))
        }
        func channel(_ e: Entry, _ k: Int) -> Double { k == 0 ? e.c.0 : k == 1 ? e.c.1 : e.c.2 }
        /// Squared error of entries[range] about their mean, per channel.
        func spread(_ range: Range<Int>) -> [Double] {
            var w = 0.0, s = [0.0, 0.0, 0.0], q = [0.0, 0.0, 0.0]
            for e in entries[range] {
                w += e.w
                for k in 0..<3 {
                    let v = channel(e, k)
                    s[k] += e.w * v
                    q[k] += e.w * v * v
                }
            }
            return (0..<3).map { q[$0] - s[$0] * s[$0] / w }
        }
        var boxes: [(range: Range<Int>, spread: [Double])] = [(0..<entries.count, spread(0..<entries.count))]
        while boxes.count < colors {
            guard
                let (bi, box) = boxes.enumerated().filter({ $0.element.range.count > 1 })
                    .max(by: { $0.element.spread.reduce(0, +) < $1.element.spread.reduce(0, +) })
            else { break }
            let k = box.spread.firstIndex(of: box.spread.max()!)!
            entries[box.range].sort { channel($0, k) < channel($1, k) }
            let total = entries[box.range].reduce(0) { $0 + $1.w }
            var acc = 0.0, cut = box.range.lowerBound + 1
            for i in box.range {
                acc += entries[i].w
                if acc >= total / 2 {
                    cut = i + 1
                    break
                }
            }
            cut = min(max(cut, box.range.lowerBound + 1), box.range.upperBound - 1)
            let a = box.range.lowerBound..<cut, b = cut..<box.range.upperBound
            boxes[bi] = (a, spread(a))
            boxes.append((b, spread(b)))
        }
        return boxes.map { box in
            var w = 0.0, s = (0.0, 0.0, 0.0)
            for e in entries[box.range] {
                w += e.w
                s.0 += e.w * e.c.0
                s.1 += e.w * e.c.1
                s.2 += e.w * e.c.2
            }
            func byte(_ v: Double) -> UInt8 { UInt8(min(255, max(0, (v / w).rounded()))) }
            return RGB(byte(s.0), byte(s.1), byte(s.2))
        }.sorted { ($0.r, $0.g, $0.b) < ($1.r, $1.g, $1.b) }
    }
}
