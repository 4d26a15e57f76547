import Threads
import CTiff
import Stores
import Synchronization

/// One TIFF file as a lazy array: the page axes from its metadata (ImageJ,
/// OME-XML, tifffile shape, or a plain stack), then samples (RGB) as a
/// channel axis, then y and x. A chunk is one tile of a tiled page, or a band
/// of whole strips of a stripped page (about 4 MiB, or the whole page); a
/// plane never costs more than its own page.
///
/// Thread contract: immutable after init but for `subIFDOffsets` (a `Mutex`); reads go
/// through `TiffFile`, which hands each thread a libtiff handle of its own.
public final class TiffArray: LazyArray, @unchecked Sendable {
    public let metadata: ArrayMetadata
    let file: TiffFile
    let first: TiffPageInfo
    let pageAxes: TiffPageAxes
    /// Rows and columns of one chunk within a page.
    let block: (rows: Int, columns: Int)
    /// 0: the pages themselves; L ≥ 1: every page's SubIFD L - 1 (a pyramid level).
    let subIFDLevel: Int
    /// The pyramid's coarser levels (one per SubIFD of page 0), finest first; empty on a level itself.
    private let coarser: [TiffArray]
    /// SubIFD offsets by page, read from the page's own directory once.
    private let subIFDOffsets = Mutex<[Int: [UInt64]]>([:])

    /// Bands of strips are grouped up to this size.
    static let stripBandBytes = 4 << 20

    /// Opens the file and reads its first page directory (and, for a plain
    /// multi-page file, the page chain: two small reads a page).
    public convenience init(path: String) throws {
        try self.init(path: path, counter: ByteCounter())
    }

    /// A TIFF file that is the value `key` of a remote store, named `location`.
    public convenience init(store: Store, key: String, location: String) throws {
        try self.init(path: location, counter: ByteCounter()) {
            try TiffFile(store: store, key: key, location: location, counter: $0)
        }
    }

    /// - Parameter open: how the file is opened (default: the local file at `path`).
    convenience init(path: String, counter: ByteCounter, open: ((ByteCounter) throws -> TiffFile)? = nil) throws {
        do {
            let file = try open?(counter) ?? TiffFile(path: path, counter: counter)
            let first = try file.withHandle(page: 0) { $0.info(description: true) }
            try self.init(file: file, first: first, pageAxes: nil, level: 0, levelZero: nil)
        } catch let e as DatasetError {
            throw e
        } catch {
            throw DatasetError(path, error)
        }
    }

    /// Page 0's directory is `first`; a level (`level` ≥ 1) shares the page axes of level 0.
    private init(
        file: TiffFile, first: TiffPageInfo, pageAxes known: TiffPageAxes?, level: Int, levelZero: ArrayMetadata?
    ) throws {
        let path = file.path
        do {
            self.file = file
            self.subIFDLevel = level
            self.first = first
            let dataType = try first.dataType()
            guard first.width > 0, first.height > 0 else {
                throw FormatError.invalidMetadata(file: nil, problem: "the first page has no width or height")
            }
            if first.tiled {
                guard first.tileWidth > 0, first.tileLength > 0 else {
                    throw FormatError.invalidMetadata(file: nil, problem: "a tiled page without tile sizes")
                }
            }
            let pageAxes = try known ?? TiffPageAxes.read(first) { try file.pageCount() }
            self.pageAxes = pageAxes
            let samples = first.samplesPerPixel
            let block: (rows: Int, columns: Int)
            if first.tiled {
                block = (first.tileLength, first.tileWidth)
            } else {
                let rps = max(1, min(first.rowsPerStrip, first.height))
                let stripBytes = CheckedSize.product([rps, first.width, samples, dataType.size]) ?? .max
                let strips = max(1, Self.stripBandBytes / max(stripBytes, 1))
                block = (min(first.height, rps * strips), first.width)
            }
            self.block = block
            var names = pageAxes.names
            let sampleAxis = samples > 1 ? [samples] : []
            if samples > 1 {
                let lead = names ?? Array(AxisNames.defaults(rank: pageAxes.shape.count + 2).dropLast(2))
                names = lead + [lead.contains("c") ? "s" : "c"]
            }
            let shape = pageAxes.shape + sampleAxis + [first.height, first.width]
            let chunk = pageAxes.shape.map { _ in 1 } + sampleAxis + [block.rows, block.columns]
            try CheckedSize.checkLayout(
                shape: shape, chunkShape: chunk, elementSize: dataType.size, file: "page 0",
                shapeField: "shape", chunkField: first.tiled ? "tile" : "strip")
            try Self.checkClaims(first, samples: samples, elementSize: dataType.size, fileSize: Int(file.size))
            let axisNames = names.map { $0 + ["y", "x"] }
            var scales = axisNames.map { $0.map { pageAxes.scales[$0] } }
            if let base = levelZero, let names = axisNames {
                // A level's pixel is as many level-0 pixels as the shapes say.
                scales = names.indices.map { d in
                    pageAxes.scales[names[d]].map {
                        AxisScale(step: $0.step * Double(base.shape[d]) / Double(shape[d]), unit: $0.unit)
                    }
                }
            }
            // Pyramid levels: page 0's SubIFDs, each with the same layout rules.
            var coarser: [TiffArray] = []
            var levelShapes = [shape]
            if level == 0 {
                for (i, offset) in first.subIFDs.enumerated() {
                    let info = try file.withHandle(directory: offset) { $0.info() }
                    let partial = ArrayMetadata(
                        format: "tiff", location: path, shape: shape, dataType: dataType, chunkShape: chunk,
                        fillValue: .int(0), axisNames: axisNames, codecs: [], scales: nil)
                    guard info.samplesPerPixel == samples, (try? info.dataType()) == dataType,
                        info.width <= first.width, info.height <= first.height, info.width > 0, info.height > 0
                    else {
                        throw FormatError.invalidMetadata(
                            file: nil,
                            problem:
                                "SubIFD \(i) of page 0 is \(info.layoutDescription), not a reduced copy of the page (\(first.layoutDescription))"
                        )
                    }
                    coarser.append(
                        try TiffArray(file: file, first: info, pageAxes: pageAxes, level: i + 1, levelZero: partial))
                    levelShapes.append(coarser.last!.metadata.shape)
                }
            }
            self.coarser = coarser
            // tifffile's `{"shape": …}` without `axes` gives the page shape, not names.
            var notes = [
                pageAxes.kind == "plain"
                    ? "pages: \(pageAxes.pageCount)"
                    : pageAxes.names == nil
                        ? "page shape from \(pageAxes.kind) metadata (it names no axes)"
                        : "axes from \(pageAxes.kind) metadata"
            ]
            if !coarser.isEmpty {
                notes.append("pyramid: \(coarser.count) SubIFD level\(coarser.count == 1 ? "" : "s")")
            }
            var m = ArrayMetadata(
                format: "tiff", location: level == 0 ? path : "\(path) level \(level)", shape: shape,
                dataType: dataType,
                chunkShape: chunk, fillValue: .int(0), axisNames: axisNames, codecs: [first.codecName],
                levels: levelShapes,
                scales: scales, notes: notes)
            // RGB(A) pixels are a colour image: the sample axis is red, green, blue (and alpha, not blended),
            // each over the full range of its type.
            if (3...4).contains(samples), let photometric = first.photometric,
                photometric == UInt16(PHOTOMETRIC_RGB) || photometric == UInt16(PHOTOMETRIC_YCBCR), !dataType.isFloat
            {
                let top = Double(UInt64.max >> UInt64(64 - dataType.size * 8 + (dataType.isSigned ? 1 : 0)))
                m.channels = zip(["red", "green", "blue", "alpha"], ["FF0000", "00FF00", "0000FF", "FFFFFF"]).prefix(
                    samples
                ).enumerated().map { i, c in
                    ChannelInfo(label: c.0, color: c.1, window: (0, top), active: i < 3)
                }
                m.colorSamples = true
                m.notes.append(
                    "RGB\(samples == 4 ? "A" : "") pixels: shown as colour (--no-composite or C for one sample)")
            }
            metadata = m
        } catch let e as DatasetError {
            throw e
        } catch {
            throw DatasetError(path, error)
        }
    }

    /// The most a page's pixels can outweigh the file for codecs with a bounded
    /// ratio (packbits 128:1, LZW's 12-bit codes 4096:1 at best, deflate 1032:1);
    /// other codecs (zstd, JPEG, …) are not bounded here.
    static func maxRatio(_ compression: UInt16) -> Int? {
        switch Int32(compression) {
        case COMPRESSION_NONE: 1
        case COMPRESSION_PACKBITS: 128
        case COMPRESSION_LZW: 4096
        case COMPRESSION_ADOBE_DEFLATE, COMPRESSION_DEFLATE: 1032
        default: nil
        }
    }

    /// What a (possibly corrupt) first page claims, against what the file can hold:
    /// a flipped bit in an IFD must not make vstack allocate a tile or plane as is.
    static func checkClaims(_ first: TiffPageInfo, samples: Int, elementSize: Int, fileSize: Int) throws {
        let pageBytes = CheckedSize.product([first.height, first.width, samples, elementSize]) ?? .max
        if let ratio = maxRatio(first.compression), pageBytes / ratio > fileSize {
            let how = ratio == 1 ? "uncompressed" : "\(first.codecName) (at most \(ratio):1)"
            throw FormatError.corruptData(
                "page 0 claims \(first.width)x\(first.height) \(how) pixels (\(pageBytes) bytes), more than the \(fileSize)-byte file holds"
            )
        }
        // Tiles may overhang the page (ragged edges, small images in 256×256 tiles), not dwarf it.
        let tileBytes = CheckedSize.product([first.tileLength, first.tileWidth, samples, elementSize]) ?? .max
        if first.tiled, tileBytes > max(64 << 20, CheckedSize.multiply(pageBytes, 16) ?? .max) {
            throw FormatError.invalidMetadata(
                file: nil,
                problem:
                    "page 0: 'tile' \(first.tileWidth)x\(first.tileLength) is far larger than the \(first.width)x\(first.height) page"
            )
        }
    }

    public var bytesRead: Int { file.counter.total }
    /// A remote file's pages load `--max-requests` at a time (they wait on the network).
    public var preferredConcurrency: Int? {
        if case .remote = file.bytes.source { return RemoteOptions.current.maxRequests }
        return nil
    }
    public var sourcePaths: [String] { [file.path] }

    public var pyramid: [PyramidLevel] {
        [PyramidLevel(single: self)]
            + coarser.map {
                PyramidLevel(array: $0, path: "SubIFD \($0.subIFDLevel - 1)", levelZeroShape: metadata.shape)
            }
    }

    /// The directory that holds page `page` at this array's level.
    func directory(of page: Int) throws -> UInt64 {
        let main = try file.pageOffset(page)
        guard subIFDLevel > 0 else { return main }
        let offsets =
            try subIFDOffsets.withLock { $0[page] }
            ?? {
                let found = try file.withHandle(directory: main) { $0.info().subIFDs }
                subIFDOffsets.withLock { cache in
                    if cache.count > 4096 { cache.removeAll() }
                    cache[page] = found
                }
                return found
            }()
        guard subIFDLevel - 1 < offsets.count else {
            throw FormatError.invalidMetadata(
                file: nil,
                problem:
                    "has \(offsets.count) SubIFD\(offsets.count == 1 ? "" : "s"), page 0 has more (level \(subIFDLevel))"
            )
        }
        return offsets[subIFDLevel - 1]
    }

    /// The page that holds chunk `index`: the C-order flattening of its page-axis indices.
    func page(of index: [Int]) -> Int {
        var p = 0
        for (i, n) in zip(index, pageAxes.shape) { p = p * n + i }
        return p
    }

    public func readChunk(_ index: [Int], cancellation: JobToken?) throws -> ArrayBuffer? {
        let page = page(of: index)
        let n = index.count
        let (row, column) = (index[n - 2] * block.rows, index[n - 1] * block.columns)
        do {
            let bytes = try file.withHandle(directory: try directory(of: page), cancellation: cancellation) { h in
                if !h.layoutChecked {
                    let info = h.info()
                    guard info.sameLayout(as: first) else {
                        throw FormatError.invalidMetadata(
                            file: nil,
                            problem:
                                "is \(info.layoutDescription), page 0 is \(first.layoutDescription); vstack needs one layout for all pages"
                        )
                    }
                    h.prepareDecoding(info)
                    h.layoutChecked = true
                }
                return try first.tiled ? readTile(h, row: row, column: column) : readBand(h, row: row)
            }
            return ArrayBuffer(dataType: metadata.dataType, shape: metadata.chunkShape, bytes: bytes)
        } catch {
            throw DatasetError(metadata.location, at: "page \(page)", error)
        }
    }

    /// The rows `row ..< row + block.rows` of the current stripped page, samples planar.
    private func readBand(_ h: TiffHandle, row: Int) throws -> [UInt8] {
        let samples = first.samplesPerPixel, size = metadata.dataType.size
        let rps = max(1, min(first.rowsPerStrip, first.height))
        let stripsPerPlane = (first.height + rps - 1) / rps
        let rows = min(block.rows, first.height - row)
        let firstStrip = row / rps, lastStrip = (row + rows - 1) / rps
        let rowBytes = first.width * size
        if first.planarSeparate || samples == 1 {
            // Each sample plane is its own strips: decode straight into the output.
            var out = [UInt8](repeating: 0, count: samples * block.rows * rowBytes)
            try out.withUnsafeMutableBytes { raw in
                for s in 0..<samples {
                    let planeStart = s * block.rows * rowBytes
                    var at = 0
                    for strip in firstStrip...lastStrip {
                        let capacity = block.rows * rowBytes - at
                        at += try h.readStrip(
                            s * stripsPerPlane + strip, into: raw.baseAddress! + planeStart + at, capacity: capacity)
                    }
                }
            }
            return out
        }
        var staging = [UInt8](repeating: 0, count: block.rows * rowBytes * samples)
        try staging.withUnsafeMutableBytes { raw in
            var at = 0
            for strip in firstStrip...lastStrip {
                at += try h.readStrip(strip, into: raw.baseAddress! + at, capacity: raw.count - at)
            }
        }
        return Self.deinterleave(staging, samples: samples, pixels: block.rows * first.width, size: size)
    }

    /// The tile at (`row`, `column`) of the current tiled page, samples planar.
    private func readTile(_ h: TiffHandle, row: Int, column: Int) throws -> [UInt8] {
        let samples = first.samplesPerPixel, size = metadata.dataType.size
        let pixels = block.rows * block.columns
        if first.planarSeparate || samples == 1 {
            var out = [UInt8](repeating: 0, count: samples * pixels * size)
            try out.withUnsafeMutableBytes { raw in
                for s in 0..<samples {
                    let tile = Int(TIFFComputeTile(h.tif, UInt32(column), UInt32(row), 0, UInt16(s)))
                    _ = try h.readTile(tile, into: raw.baseAddress! + s * pixels * size, capacity: pixels * size)
                }
            }
            return out
        }
        var staging = [UInt8](repeating: 0, count: samples * pixels * size)
        let tile = Int(TIFFComputeTile(h.tif, UInt32(column), UInt32(row), 0, 0))
        try staging.withUnsafeMutableBytes { raw in
            _ = try h.readTile(tile, into: raw.baseAddress!, capacity: raw.count)
        }
        return Self.deinterleave(staging, samples: samples, pixels: pixels, size: size)
    }

    /// Pixel-interleaved samples (`RGBRGB…`) to one plane per sample.
    static func deinterleave(_ b: [UInt8], samples: Int, pixels: Int, size: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: b.count)
        b.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                for s in 0..<samples {
                    let plane = dst.baseAddress! + s * pixels * size
                    for p in 0..<pixels {
                        (plane + p * size).copyMemory(
                            from: src.baseAddress! + (p * samples + s) * size, byteCount: size)
                    }
                }
            }
        }
        return out
    }
}

extension TiffArray: CheckableArray {
    /// Reads every page directory and checks it has the first page's layout
    /// and that the file holds as many pages as its metadata says.
    public func check() throws -> String {
        do {
            let count = try file.pageCount()
            guard count >= pageAxes.pageCount else {
                throw FormatError.invalidMetadata(
                    file: nil,
                    problem:
                        "the \(pageAxes.kind) metadata describes \(pageAxes.pageCount) pages, the file has \(count)")
            }
            for page in 0..<pageAxes.pageCount {
                try file.withHandle(page: page) { h in
                    let info = h.info()
                    guard info.sameLayout(as: first) else {
                        throw FormatError.invalidMetadata(
                            file: nil,
                            problem: "page \(page) is \(info.layoutDescription), page 0 is \(first.layoutDescription)")
                    }
                    _ = try info.dataType()
                }
            }
            return "\(pageAxes.pageCount) page\(pageAxes.pageCount == 1 ? "" : "s") checked"
        } catch let e as DatasetError {
            throw e
        } catch {
            throw DatasetError(metadata.location, error)
        }
    }
}
