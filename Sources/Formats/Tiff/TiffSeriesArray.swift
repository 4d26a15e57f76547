import Threads
import Stores
import LRUModule
import Synchronization

/// Many TIFF files stitched lazily into one array, like `dask_image.imread`:
/// a directory or glob stacks the files (natural order) along a new leading
/// axis; a pattern with named fields (`*_ch{c}_*_stack{t}_*.tif`) gives one
/// axis per field, its values sorted numerically. Each file's own axes follow.
///
/// Only the first file's header is read at open. Other files are opened when
/// one of their chunks is first read (a few dozen stay open), and a file
/// whose shape or dtype differs from the first one is an error naming it.
/// A missing combination of field values reads as zeros, with a warning.
///
/// Thread contract: immutable after init but for `open` (a `Mutex`); the files it holds are
/// `TiffArray`s, safe to read from any thread.
public final class TiffSeriesArray: LazyArray, CheckableArray, @unchecked Sendable {
    public let metadata: ArrayMetadata
    /// File paths, in slot order (C order over the series axes); nil: missing.
    public let slots: [String?]
    /// The series' own axes (one per `{field}`, or one for a directory), before each file's.
    public let seriesShape: [Int]
    let directory: String
    let firstFile: TiffArray
    /// The slot of `firstFile` (the first file present).
    let firstSlot: Int
    private let counter: ByteCounter
    /// The most recently used open files of a series (each costs 1 of `openFileLimit`).
    private let open = Mutex(ByteBudgetLRU<Int, TiffArray>(budget: TiffSeriesArray.openFileLimit))

    /// Files kept open at once (each holds a descriptor and libtiff handles).
    static let openFileLimit = 48

    public static func open(directory: String) throws -> TiffSeriesArray {
        try TiffSeriesArray(FilePattern(directoryOfTiffs: directory), location: directory, tiffOnly: true)
    }

    public static func open(pattern: String) throws -> TiffSeriesArray {
        try TiffSeriesArray(FilePattern(pattern), location: pattern, tiffOnly: false)
    }

    init(_ pattern: FilePattern, location: String, tiffOnly: Bool) throws {
        directory = pattern.directory
        let names = FilePattern.naturallySorted(try FilePattern.listFiles(pattern.directory))
        var matched: [(name: String, values: [Int])] = []
        for name in names where !tiffOnly || FilePattern.isTiffName(name) {
            if let values = pattern.match(name) { matched.append((name, values)) }
        }
        guard !matched.isEmpty else {
            throw FormatError.missing(
                tiffOnly ? "no .tif or .tiff files in this directory" : "no files match the pattern")
        }
        let base =
            pattern.directory == "." && !location.hasPrefix("./")
            ? "" : (pattern.directory.hasSuffix("/") ? pattern.directory : pattern.directory + "/")
        var warnings: [String] = []
        if pattern.fields.isEmpty {
            seriesShape = [matched.count]
            slots = matched.map { base + $0.name }
            // Names that number channels and time points (or z) separately are stacked here as one
            // axis, mixed: say which pattern would give them an axis each.
            if let split = FilePattern.splittingPattern(matched.map(\.name), directory: pattern.directory) {
                warnings.append(
                    "the file names number more than one thing; vstack '\(split)' gives each its own axis")
            }
        } else {
            // One axis per field: its distinct values, sorted numerically, become 0..<n.
            let axes = pattern.fields.indices.map { k in Array(Set(matched.map { $0.values[k] })).sorted() }
            seriesShape = axes.map(\.count)
            var slots = [String?](repeating: nil, count: seriesShape.reduce(1, *))
            for m in matched {
                var slot = 0
                for k in axes.indices { slot = slot * axes[k].count + axes[k].firstIndex(of: m.values[k])! }
                if let other = slots[slot] {
                    let where_ = zip(pattern.fields, m.values).map { "\($0)=\($1)" }.joined(separator: " ")
                    throw FormatError(
                        "two files for \(where_): \(other) and \(base + m.name); make the pattern more specific")
                }
                slots[slot] = base + m.name
            }
            self.slots = slots
            let missing = slots.indices.filter { slots[$0] == nil }
            if !missing.isEmpty {
                let examples = missing.prefix(3).map { slot -> String in
                    var rest = slot, parts: [String] = []
                    for k in axes.indices.reversed() {
                        parts.append("\(pattern.fields[k])=\(axes[k][rest % axes[k].count])")
                        rest /= axes[k].count
                    }
                    return parts.reversed().joined(separator: " ")
                }
                warnings.append(
                    "\(missing.count) of \(slots.count) files missing (\(examples.joined(separator: "; "))\(missing.count > 3 ? "; …" : "")): read as zeros"
                )
            }
        }
        counter = ByteCounter()
        firstSlot = slots.firstIndex { $0 != nil }!
        let firstPath = slots[firstSlot]!
        firstFile = try TiffArray(path: firstPath, counter: counter)
        let f = firstFile.metadata
        // Unrelated files in one directory are no series: the headers of a small series (all of
        // them) or of 16 evenly spaced files must match the first file's, or the open fails here
        // rather than drawing ╳ for every other file. (Read with their own counter: the series'
        // statistics count the data it reads.)
        let paths = slots.compactMap { $0 }
        let sample = paths.count <= 64 ? paths : (0..<16).map { paths[$0 * (paths.count - 1) / 15] }
        for path in sample.dropFirst() {
            // A file that does not open is left to its error tile; only a readable one of another shape refuses.
            guard let other = try? TiffArray(path: path, counter: ByteCounter()) else { continue }
            if let problem = TiffSeriesArray.mismatch(other.metadata, f) {
                throw FormatError(
                    "\(other.metadata.location): \(problem), so these files are no series: open one file, or a pattern whose {fields} pick files of one shape (vstack 'DIR/*_ch{c}_*.tif')"
                )
            }
        }
        var axisNames: [String]?
        if !pattern.fields.isEmpty {
            let own = f.axisNames ?? AxisNames.defaults(rank: f.rank)
            if let clash = pattern.fields.first(where: own.contains) {
                throw FormatError(
                    "field {\(clash)} names an axis the files already have (their axes are \(own.joined()))")
            }
            axisNames = pattern.fields + own
        } else if let own = f.axisNames {
            axisNames = [["z", "t", "c", "s"].first { !own.contains($0) } ?? "n"] + own
        }
        let seriesShape = self.seriesShape
        let lead = seriesShape.map { _ in 1 }
        var m = ArrayMetadata(
            format: "tiff", location: location, shape: seriesShape + f.shape, dataType: f.dataType,
            chunkShape: lead + f.chunkShape, fillValue: .int(0), axisNames: axisNames, codecs: f.codecs,
            scales: f.scales.map { seriesShape.map { _ in nil } + $0 },
            notes: [
                "\(slots.count) files (\(matched.count) found), each \(f.shape.map(String.init).joined(separator: "×")); first: \(firstPath)"
            ] + f.notes,
            warnings: warnings)
        // Unnamed files: the first axis is the files, not a guess from the shape.
        if axisNames == nil { m.defaultAxisNames = AxisNames.defaults(rank: m.rank) }
        metadata = m
    }

    public var bytesRead: Int { counter.total }

    /// The series' directory: exports never go among its files.
    public var sourcePaths: [String] { [directory] }

    public func readChunk(_ index: [Int], cancellation: JobToken?) throws -> ArrayBuffer? {
        let k = seriesShape.count
        var slot = 0
        for (i, n) in zip(index.prefix(k), seriesShape) { slot = slot * n + i }
        guard slots[slot] != nil else { return nil }
        guard let piece = try file(slot).readChunk(Array(index.dropFirst(k)), cancellation: cancellation) else {
            return nil
        }
        return ArrayBuffer(dataType: piece.dataType, shape: metadata.chunkShape, bytes: piece.bytes)
    }

    /// The open file for `slot`, opening (and checking) it on first use.
    func file(_ slot: Int) throws -> TiffArray {
        if let f = open.withLock({ $0.value(for: slot) }) { return f }
        let path = slots[slot]!
        let f = slot == firstSlot ? firstFile : try TiffArray(path: path, counter: counter)
        try checkMatches(f)
        open.withLock { lru in if !lru.contains(slot) { lru.insert(f, cost: 1, for: slot) } }
        return f
    }

    private func checkMatches(_ f: TiffArray) throws {
        if let problem = TiffSeriesArray.mismatch(f.metadata, firstFile.metadata) {
            throw DatasetError(f.metadata.location, problem)
        }
    }

    /// How file `a` differs from the series' first file `b` (`is 3×5 uint16, but …`), nil if it does not.
    static func mismatch(_ a: ArrayMetadata, _ b: ArrayMetadata) -> String? {
        guard a.shape == b.shape, a.dataType == b.dataType, a.chunkShape == b.chunkShape else {
            let describe = { (m: ArrayMetadata) in
                "\(m.shape.map(String.init).joined(separator: "×")) \(m.dataType.name)"
            }
            return
                "is \(describe(a))\(a.chunkShape != b.chunkShape && a.shape == b.shape ? " in other tiles or strips" : ""), but the series' first file \(b.location) is \(describe(b))"
        }
        return nil
    }

    /// Opens every file's header and checks its shape, dtype and page count.
    public func check() throws -> String {
        var checked = 0
        for slot in slots.indices where slots[slot] != nil {
            let f = slot == firstSlot ? firstFile : try TiffArray(path: slots[slot]!, counter: counter)
            try checkMatches(f)
            let count = try f.file.pageCount()
            guard count >= f.pageAxes.pageCount else {
                throw DatasetError(
                    f.metadata.location, "has \(count) pages, the series' files need \(f.pageAxes.pageCount)")
            }
            checked += 1
        }
        let missing = slots.count - checked
        return "\(checked) files checked" + (missing > 0 ? ", \(missing) missing (read as zeros)" : "")
    }
}
