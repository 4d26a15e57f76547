import Threads
import Stores

/// An N5 multiscale group (n5-viewer, BigDataViewer/BigStitcher, Paintera):
/// datasets `s0`, `s1`, … below it, finest first, opened as a pyramid like
/// OMEZarrImage. Factors come from each level's `downsamplingFactors`, else
/// the group's `scales`, else the shapes; axes and scales from level 0, else
/// the group. Levels are found by trying `s0`, `s1`, … until one is missing
/// (stores over HTTP cannot list).
public final class N5MultiscaleImage: LazyArray {
    public let metadata: ArrayMetadata
    let levelArrays: [N5Array]
    let factors: [[Double]]
    /// More levels than this are not probed.
    static let maxLevels = 32

    init(location: String, attributes: [String: Any], levelCount: Int) throws {
        var arrays: [N5Array] = []
        for i in 0..<levelCount {
            do {
                arrays.append(
                    try N5Array(store: try StoreLocation.open(joinPath(location, "s\(i)")), inherited: attributes))
            } catch {
                throw FormatError.level(path: "s\(i)", underlying: error)
            }
        }
        let first = arrays[0].metadata
        for (i, a) in arrays.enumerated() {
            guard a.metadata.rank == first.rank else {
                throw FormatError.invalidMetadata(
                    file: nil, problem: "level 's\(i)' has \(a.metadata.rank) axes, level 's0' \(first.rank)")
            }
            guard a.metadata.dataType == first.dataType else {
                throw FormatError.invalidMetadata(
                    file: nil,
                    problem: "level 's\(i)' is \(a.metadata.dataType.name), level 's0' \(first.dataType.name)")
            }
        }
        let groupScales = N5Attributes.numbers2D(attributes["scales"], rank: first.rank)
        factors = arrays.enumerated().map { i, a in
            if let f = a.downsamplingFactors, f.allSatisfy({ $0 >= 1 }) { return f }
            if let s = groupScales, i < s.count, s[i].allSatisfy({ $0 >= 1 }) { return s[i] }
            return PyramidLevel(array: a, path: "s\(i)", levelZeroShape: first.shape).factors
        }
        levelArrays = arrays
        var m = first
        m.location = location
        m.levels = arrays.map(\.metadata.shape)
        m.notes.append(
            "N5 multiscale group, \(arrays.count) level\(arrays.count == 1 ? "" : "s"): "
                + (0..<arrays.count).map { "s\($0)" }.joined(separator: ", "))
        metadata = m
    }

    /// How many consecutive datasets `s0`, `s1`, … the group at `store`'s root has.
    static func levelCount(_ store: Store) throws -> Int {
        if store.isRemote { store.prefetchMetadata((0..<4).map { joinKey("s\($0)", N5Attributes.file) }) }
        var n = 0
        while n < maxLevels, let meta = try N5Attributes.read(store, "s\(n)"), N5Attributes.isDataset(meta) { n += 1 }
        return n
    }

    public var pyramid: [PyramidLevel] {
        levelArrays.indices.map { i in
            PyramidLevel(
                array: i == 0 ? self : levelArrays[i], path: "s\(i)", factors: factors[i],
                offsets: factors[i].map { ($0 - 1) / 2 })
        }
    }

    public func readChunk(_ index: [Int], cancellation: JobToken?) throws -> ArrayBuffer? {
        try levelArrays[0].readChunk(index, cancellation: cancellation)
    }
    public var bytesRead: Int { levelArrays.reduce(0) { $0 + $1.bytesRead } }
    public var preferredConcurrency: Int? { levelArrays[0].preferredConcurrency }
}
