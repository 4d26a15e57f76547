import Dispatch
import Synchronization

/// The screen pixels of a plane computed chunk by chunk: each chunk's part of
/// the view is folded into per-screen-pixel accumulators and can then be
/// dropped, so memory is proportional to the screen, never to the plane.
///
/// The result equals `Downsampler.resample` of the assembled plane: the same
/// blocks (screen pixel j covers rows ⌊j·H/h⌋ ..< ⌊(j+1)·H/h⌋), means summed
/// in Double (exact, and so independent of the chunk order, for integer data),
/// NaN propagating through mean and max. Auto contrast for 8- and 16-bit
/// data comes from a histogram of every pixel of the view, exactly as for the
/// whole plane; for other types from the reduced image.
public final class PlaneReduction: Sendable {
    /// The view in the coordinates of the array it reads (a pyramid level's own).
    public let view: PlaneSelection
    public let width: Int
    public let height: Int
    public let mode: DownsampleMode
    public let dataType: DataType
    private let rowStarts: [Int], columnStarts: [Int]
    private let rowBlock: [Int32], columnBlock: [Int32]

    private struct Accumulators {
        var sums: [Double]
        var maxima: [Float]
        var nearest: [Float]
        var nan: [Bool]
        /// Data pixels folded into each screen pixel so far.
        var covered: [Int32]
        var histogram: [Int]
        var chunksDone = 0
        /// Chunks the view reads (known once `run` starts).
        var chunkTotal = 0
        /// Chunks that could not be read: their error and the screen pixels they cover.
        var failures: [Failure] = []
    }
    private let state: Mutex<Accumulators>
    /// Offset added to a value before it indexes the histogram (int8/int16), and whether one is kept.
    private let histogramOffset: Int
    private let keepsHistogram: Bool

    /// Whether `view` (of an array of `dataType`), drawn as width×height screen pixels, is
    /// reduced chunk by chunk rather than assembled: its plane would take more than a quarter
    /// of the cache budget (at most 32 MiB: an assembled plane also costs its float copy), and
    /// it is downsampled on both axes.
    public static func reduces(
        _ view: PlaneSelection, dataType: DataType, width: Int, height: Int, cacheBudget: Int
    ) -> Bool {
        let (rows, columns) = (view.rows.count, view.columns.count)
        return rows * columns * dataType.size > min(cacheBudget / 4, 32 << 20)
            && height <= rows && width <= columns && (height < rows || width < columns)
    }

    /// - Parameters:
    ///   - width, height: the screen pixels (`GlyphMode.pixelSize(fitting:…)` of the view), at most the view's size.
    public convenience init(view: PlaneSelection, dataType: DataType, width: Int, height: Int, mode: DownsampleMode) {
        precondition(width >= 1 && height >= 1 && width <= view.columns.count && height <= view.rows.count)
        let (H, W) = (view.rows.count, view.columns.count)
        self.init(
            view: view, dataType: dataType, rowStarts: (0...height).map { $0 * H / height },
            columnStarts: (0...width).map { $0 * W / width }, mode: mode)
    }

    /// Whole `factor`×`factor` blocks from the view's origin, the last ones partial: a filter's working resolution.
    public convenience init(view: PlaneSelection, dataType: DataType, factor f: Int, mode: DownsampleMode) {
        let (H, W) = (view.rows.count, view.columns.count)
        self.init(
            view: view, dataType: dataType, rowStarts: (0...((H + f - 1) / f)).map { min($0 * f, H) },
            columnStarts: (0...((W + f - 1) / f)).map { min($0 * f, W) }, mode: mode)
    }

    /// Blocks with the given edges (relative to the view's origin; increasing, from 0 to the view's size).
    public init(view: PlaneSelection, dataType: DataType, rowStarts: [Int], columnStarts: [Int], mode: DownsampleMode) {
        let (H, W) = (view.rows.count, view.columns.count)
        precondition(rowStarts.first == 0 && rowStarts.last == H && columnStarts.first == 0 && columnStarts.last == W)
        (self.view, self.dataType, self.mode) = (view, dataType, mode)
        (width, height) = (columnStarts.count - 1, rowStarts.count - 1)
        (self.rowStarts, self.columnStarts) = (rowStarts, columnStarts)
        // Downsampling: the blocks partition the rows and columns, so each data pixel has one screen pixel.
        var rb = [Int32](repeating: 0, count: H), cb = [Int32](repeating: 0, count: W)
        for j in 0..<height { for y in rowStarts[j]..<rowStarts[j + 1] { rb[y] = Int32(j) } }
        for i in 0..<width { for x in columnStarts[i]..<columnStarts[i + 1] { cb[x] = Int32(i) } }
        (rowBlock, columnBlock) = (rb, cb)
        switch dataType {
        case .uint8, .bool, .uint16: (histogramOffset, keepsHistogram) = (0, true)
        case .int8: (histogramOffset, keepsHistogram) = (128, true)
        case .int16: (histogramOffset, keepsHistogram) = (32768, true)
        default: (histogramOffset, keepsHistogram) = (0, false)
        }
        let n = width * height
        state = Mutex(
            Accumulators(
                sums: mode == .mean ? [Double](repeating: 0, count: n) : [],
                maxima: mode == .max ? [Float](repeating: -.infinity, count: n) : [],
                nearest: mode == .nearest ? [Float](repeating: .nan, count: n) : [],
                nan: mode == .max ? [Bool](repeating: false, count: n) : [],
                covered: [Int32](repeating: 0, count: n),
                histogram: keepsHistogram ? [Int](repeating: 0, count: dataType.size == 1 ? 256 : 65536) : []))
    }

    /// Folds the part of `piece` inside the view (the piece's `box`, array coordinates). The
    /// piece is folded into accumulators of just the screen pixels it touches, which are then
    /// added to the view's under the lock, so chunks fold in parallel.
    public func add(_ piece: ChunkPiece, box: [Range<Int>]) {
        let (ra, ca) = (view.rowAxis, view.columnAxis)
        let shape = piece.buffer.shape
        var strides = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] }
        var base = 0
        for d in shape.indices where d != ra && d != ca { base += (box[d].lowerBound - piece.origin[d]) * strides[d] }
        let rows = box[ra], cols = box[ca]
        let (sr, sc) = (strides[ra], strides[ca])
        let (r0, c0) = (view.rows.lowerBound, view.columns.lowerBound)
        // The screen rectangle this piece touches.
        let (j0, j1) = (Int(rowBlock[rows.lowerBound - r0]), Int(rowBlock[rows.upperBound - 1 - r0]))
        let (i0, i1) = (Int(columnBlock[cols.lowerBound - c0]), Int(columnBlock[cols.upperBound - 1 - c0]))
        let lw = i1 - i0 + 1, n = (j1 - j0 + 1) * lw
        var sums = [Double](repeating: 0, count: mode == .mean ? n : 0)
        var maxima = [Float](repeating: -.infinity, count: mode == .max ? n : 0)
        var nan = [Bool](repeating: false, count: mode == .max ? n : 0)
        var nearest: [(Int, Float)] = []
        var covered = [Int32](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: keepsHistogram ? (dataType.size == 1 ? 256 : 65536) : 0)
        var line = [Float](repeating: 0, count: cols.count)
        let offset = histogramOffset
        // The box's columns as runs that fall in one screen column: (local screen column, start, end).
        var runs: [(Int, Int, Int)] = []
        var k = 0
        while k < cols.count {
            let i = Int(columnBlock[cols.lowerBound + k - c0])
            var e = k + 1
            while e < cols.count && Int(columnBlock[cols.lowerBound + e - c0]) == i { e += 1 }
            runs.append((i - i0, k, e))
            k = e
        }
        let integerMean = mode == .mean && sc == 1 && [DataType.uint8, .uint16, .int8, .int16].contains(dataType)
        piece.buffer.bytes.withUnsafeBytes { raw in
            line.withUnsafeMutableBufferPointer { v in
                for y in rows {
                    let start = base + (y - piece.origin[ra]) * sr + (cols.lowerBound - piece.origin[ca]) * sc
                    let j = Int(rowBlock[y - r0])
                    let row = (j - j0) * lw
                    if integerMean {
                        // Means of 8/16-bit rows: integer sums straight from the buffer (exact), no floats.
                        PlaneReduction.sumRuns(raw, dataType, start: start, runs: runs, row: row, into: &sums)
                        for (li, a, b) in runs { covered[row + li] += Int32(b - a) }
                    }
                    if keepsHistogram {
                        counts.withUnsafeMutableBufferPointer { h in
                            PlaneReduction.count(
                                raw, dataType, start: start, stride: sc, n: cols.count, offset: offset, into: h)
                        }
                    }
                    if integerMean { continue }
                    PlaneReduction.convert(raw, dataType, start: start, stride: sc, into: v)
                    for (li, a, b) in runs {
                        covered[row + li] += Int32(b - a)
                        switch mode {
                        case .mean:
                            // Four partial sums a run (exact for integer data, whatever the order), then one add.
                            var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
                            var k = a
                            while k + 4 <= b {
                                s0 += Double(v[k])
                                s1 += Double(v[k + 1])
                                s2 += Double(v[k + 2])
                                s3 += Double(v[k + 3])
                                k += 4
                            }
                            while k < b {
                                s0 += Double(v[k])
                                k += 1
                            }
                            sums[row + li] += (s0 + s1) + (s2 + s3)
                        case .max:
                            var m = maxima[row + li], sawNaN = false
                            for k in a..<b {
                                let x = v[k]
                                if x.isNaN { sawNaN = true } else if x > m { m = x }
                            }
                            maxima[row + li] = m
                            if sawNaN { nan[row + li] = true }
                        case .nearest:
                            if y - r0 == rowStarts[j] && cols.lowerBound + a - c0 == columnStarts[i0 + li] {
                                nearest.append((j * width + i0 + li, v[a]))
                            }
                        }
                    }
                }
            }
        }
        state.withLock { s in
            for lj in 0...(j1 - j0) {
                for li in 0..<lw {
                    let (p, q) = ((j0 + lj) * width + i0 + li, lj * lw + li)
                    s.covered[p] += covered[q]
                    switch mode {
                    case .mean: s.sums[p] += sums[q]
                    case .max:
                        if nan[q] { s.nan[p] = true } else if maxima[q] > s.maxima[p] { s.maxima[p] = maxima[q] }
                    case .nearest: break
                    }
                }
            }
            for (p, value) in nearest { s.nearest[p] = value }
            if keepsHistogram { for b in counts.indices where counts[b] != 0 { s.histogram[b] += counts[b] } }
            s.chunksDone += 1
        }
    }

    /// Folds `box` (array coordinates) as if every pixel in it were `value`: an absent chunk
    /// (the fill value), without a buffer.
    public func addConstant(_ value: Float, box: [Range<Int>]) {
        let (r0, c0) = (view.rows.lowerBound, view.columns.lowerBound)
        let rows = box[view.rowAxis], cols = box[view.columnAxis]
        let (j0, j1) = (Int(rowBlock[rows.lowerBound - r0]), Int(rowBlock[rows.upperBound - 1 - r0]))
        let (i0, i1) = (Int(columnBlock[cols.lowerBound - c0]), Int(columnBlock[cols.upperBound - 1 - c0]))
        let bin = keepsHistogram && value.isFinite ? Int(value) + histogramOffset : nil
        state.withLock { s in
            for j in j0...j1 {
                // The rows of block j inside the box.
                let top = max(rowStarts[j], rows.lowerBound - r0), bottom = min(rowStarts[j + 1], rows.upperBound - r0)
                let firstRow = top == rowStarts[j]
                for i in i0...i1 {
                    let left = max(columnStarts[i], cols.lowerBound - c0),
                        right = min(columnStarts[i + 1], cols.upperBound - c0)
                    let n = (bottom - top) * (right - left)
                    guard n > 0 else { continue }
                    let p = j * width + i
                    s.covered[p] += Int32(n)
                    switch mode {
                    case .mean: s.sums[p] += Double(value) * Double(n)
                    case .max: if value.isNaN { s.nan[p] = true } else if value > s.maxima[p] { s.maxima[p] = value }
                    case .nearest: if firstRow && left == columnStarts[i] { s.nearest[p] = value }
                    }
                    if let bin, bin >= 0, bin < s.histogram.count { s.histogram[bin] += n }
                }
            }
            s.chunksDone += 1
        }
    }

    /// A chunk that could not be read: its error, kept until shown, and the screen pixels
    /// (rows, columns) it leaves empty.
    public struct Failure: Sendable {
        public let error: any Error
        public let rows: Range<Int>
        public let columns: Range<Int>
        /// The error as the one line shown.
        public var message: String { ErrorLine.text(error) }
    }

    /// Records a chunk that could not be read; the screen pixels of `box` stay incomplete.
    public func fail(_ error: any Error, box: [Range<Int>]) {
        let (r0, c0) = (view.rows.lowerBound, view.columns.lowerBound)
        let rows =
            Int(
                rowBlock[box[view.rowAxis].lowerBound - r0])..<(Int(rowBlock[box[view.rowAxis].upperBound - 1 - r0]) + 1)
        let cols =
            Int(
                columnBlock[box[view.columnAxis].lowerBound - c0])..<(Int(
                columnBlock[box[view.columnAxis].upperBound - 1 - c0]) + 1)
        state.withLock {
            $0.failures.append(Failure(error: error, rows: rows, columns: cols))
            $0.chunksDone += 1
        }
    }

    public var chunksDone: Int { state.withLock { $0.chunksDone } }
    /// Chunks the view reads, once `run` has started or `countChunks` was called (0 before).
    public var chunkTotal: Int { state.withLock { $0.chunkTotal } }

    /// Sets `chunkTotal` before `run` starts (which may be later, on another thread), so
    /// progress can be shown from the first frame.
    public func countChunks(of grid: ChunkGrid) {
        let count = grid.chunks(overlapping: view.region).count
        state.withLock { $0.chunkTotal = count }
    }
    /// Failed chunks: the error and the screen pixels (rows, columns) they leave empty.
    public var failures: [Failure] { state.withLock { $0.failures } }

    /// The screen image so far; pixels whose block is not complete are NaN in `pixels` and false in `complete`.
    public func image() -> (image: FloatImage, complete: [Bool]) {
        state.withLock { s in
            var pixels = [Float](repeating: .nan, count: width * height)
            var complete = [Bool](repeating: false, count: width * height)
            for j in 0..<height {
                let rowsIn = rowStarts[j + 1] - rowStarts[j]
                for i in 0..<width {
                    let p = j * width + i
                    let area = rowsIn * (columnStarts[i + 1] - columnStarts[i])
                    guard Int(s.covered[p]) == area else { continue }
                    complete[p] = true
                    switch mode {
                    case .mean: pixels[p] = Float(s.sums[p] / Double(area))
                    case .max: pixels[p] = s.nan[p] ? .nan : s.maxima[p]
                    case .nearest: pixels[p] = s.nearest[p]
                    }
                }
            }
            return (FloatImage(width: width, height: height, pixels: pixels), complete)
        }
    }

    /// The histogram of every pixel folded so far (8/16-bit data: bin b is value b − `histogramOffset`), else nil.
    public var histogram: (counts: [Int], offset: Int)? {
        keepsHistogram ? state.withLock { ($0.histogram, histogramOffset) } : nil
    }

    /// Adds to `sums[row + li]` the integer sum of elements `start + a ..< start + b` for each run (8/16-bit data).
    static func sumRuns(
        _ raw: UnsafeRawBufferPointer, _ type: DataType, start: Int, runs: [(Int, Int, Int)], row: Int,
        into sums: inout [Double]
    ) {
        func run<T: BinaryInteger>(_: T.Type) {
            let p = raw.bindMemory(to: T.self)
            sums.withUnsafeMutableBufferPointer { out in
                for (li, a, b) in runs {
                    var total = 0
                    for k in (start + a)..<(start + b) { total &+= Int(p[k]) }
                    out[row + li] += Double(total)
                }
            }
        }
        switch type {
        case .uint8: run(UInt8.self)
        case .int8: run(Int8.self)
        case .uint16: run(UInt16.self)
        case .int16: run(Int16.self)
        default: preconditionFailure("integer means are for 8/16-bit data")
        }
    }

    /// Adds elements `start`, `start + stride`, … (n of them) of an 8/16-bit buffer to a histogram.
    static func count(
        _ raw: UnsafeRawBufferPointer, _ type: DataType, start: Int, stride: Int, n: Int, offset: Int,
        into h: UnsafeMutableBufferPointer<Int>
    ) {
        func run<T: BinaryInteger>(_: T.Type) {
            let p = raw.bindMemory(to: T.self)
            var k = 0
            while k < n {
                h[Int(p[start + k * stride]) + offset] += 1
                k += 1
            }
        }
        switch type {
        case .uint8: run(UInt8.self)
        case .bool:
            let p = raw.bindMemory(to: UInt8.self)
            for k in 0..<n { h[p[start + k * stride] != 0 ? 1 : 0] += 1 }
        case .int8: run(Int8.self)
        case .uint16: run(UInt16.self)
        case .int16: run(Int16.self)
        default: break
        }
    }

    /// Elements `start`, `start + stride`, … of a native-endian buffer of `type`, as floats.
    static func convert(
        _ raw: UnsafeRawBufferPointer, _ type: DataType, start: Int, stride: Int,
        into o: UnsafeMutableBufferPointer<Float>
    ) {
        let n = o.count
        func run<T>(_: T.Type, _ f: (T) -> Float) {
            let p = raw.bindMemory(to: T.self)
            var k = 0
            while k < n {
                o[k] = f(p[start + k * stride])
                k += 1
            }
        }
        switch type {
        case .bool: run(UInt8.self) { $0 != 0 ? 1 : 0 }
        case .int8: run(Int8.self) { Float($0) }
        case .int16: run(Int16.self) { Float($0) }
        case .int32: run(Int32.self) { Float($0) }
        case .int64: run(Int64.self) { Float($0) }
        case .uint8: run(UInt8.self) { Float($0) }
        case .uint16: run(UInt16.self) { Float($0) }
        case .uint32: run(UInt32.self) { Float($0) }
        case .uint64: run(UInt64.self) { Float($0) }
        case .float32: run(Float.self) { $0 }
        case .float64: run(Double.self) { Float($0) }
        }
    }
}

extension PlaneReduction {
    /// Reads every chunk of the view from `source` (e.g. through the chunk cache) and folds it,
    /// `threads` chunks at a time, nearest the view's centre first; `progress` runs after each.
    /// Stops early, with false, when `cancelled` says so.
    @discardableResult
    /// - Parameter continueOnError: record a failed chunk (`failures`) and go on, instead of stopping with its error.
    public func run(
        _ array: LazyArray, source: @escaping RegionReader.ChunkSource, threads: Int,
        continueOnError: Bool = false, cancelled: @escaping @Sendable () -> Bool = { false },
        progress: @escaping @Sendable () -> Void = {}
    ) throws -> Bool {
        let meta = array.metadata
        let grid = meta.grid
        let region = view.region
        let (cy, cx) = (
            Double(view.rows.lowerBound + view.rows.upperBound) / 2,
            Double(view.columns.lowerBound + view.columns.upperBound) / 2
        )
        let order = grid.chunks(overlapping: region).map { index -> ([Int], [Range<Int>], Double) in
            let box = grid.overlap(of: index, with: region)
            let dy = Double(box[view.rowAxis].lowerBound + box[view.rowAxis].upperBound) / 2 - cy
            let dx = Double(box[view.columnAxis].lowerBound + box[view.columnAxis].upperBound) / 2 - cx
            return (index, box, dy * dy + dx * dx)
        }.sorted { $0.2 < $1.2 }
        state.withLock { $0.chunkTotal = order.count }
        let next = Atomic<Int>(0)
        let firstError = Mutex<Error?>(nil)
        // The fill value as the renderer sees it (converted like any element of the type).
        let fillValue = ArrayBuffer(dataType: meta.dataType, shape: [1], filledWith: meta.fillValue).floats()[0]
        let workers = max(1, min(threads, order.count))
        RegionReader.forEach(workers, threads: workers) { _ in
            while !cancelled() && firstError.withLock({ $0 == nil }) {
                let k = next.add(1, ordering: .relaxed).oldValue
                guard k < order.count else { return }
                let (index, box, _) = order[k]
                do {
                    if let piece = try source(index, box) {
                        add(piece, box: box)
                    } else {
                        addConstant(fillValue, box: box)
                    }
                } catch {
                    if continueOnError {
                        fail(error, box: box)
                    } else {
                        firstError.withLock { if $0 == nil { $0 = error } }
                    }
                }
                progress()
            }
        }
        if let error = firstError.withLock({ $0 }) { throw error }
        return !cancelled()
    }
}
