import Foundation
import Stores

/// A dataset's `attributes.json`, turned to vstack's C order: N5 lists every
/// per-axis value x first, so `dimensions [X, Y, Z]` is shape `[Z, Y, X]`.
/// Sizes are checked here (CheckedSize) so that the reader never sees a
/// layout it cannot hold.
struct N5Attributes {
    static let file = "attributes.json"

    let shape: [Int]
    let blockShape: [Int]
    let dataType: DataType
    let compression: N5Compression
    /// `axes` reversed, when it names one axis each.
    let axisNames: [String]?
    /// `resolution` / `pixelResolution` reversed, with its unit.
    let scales: [AxisScale?]?
    /// `downsamplingFactors` reversed, when it is one number per axis.
    let downsamplingFactors: [Double]?

    /// Whether a document describes a dataset (it has `dimensions`) rather than a group.
    static func isDataset(_ meta: JSONMetadata) -> Bool { meta.has("dimensions") }

    init(_ meta: JSONMetadata) throws {
        let file = N5Attributes.file
        let dims = try meta.intArray("dimensions")
        let block = try meta.intArray("blockSize")
        guard !dims.isEmpty else { throw FormatError.unsupported("N5 datasets of no dimensions (0-d) in \(file)") }
        guard block.count == dims.count else {
            throw FormatError.invalidMetadata(
                file: file, problem: "'blockSize' \(block) does not fit 'dimensions' \(dims)")
        }
        let typeName =
            meta.optionalString("dataType") ?? (meta.object["dataType"].map(JSONMetadata.literal) ?? "(missing)")
        guard let dtype = DataType(rawValue: typeName), dtype != .bool else {
            throw FormatError.unsupported(
                "dataType '\(typeName)' in \(file) (vstack reads uint8…uint64, int8…int64, float32, float64)")
        }
        try CheckedSize.checkLayout(
            shape: dims, chunkShape: block, elementSize: dtype.size, file: file,
            shapeField: "dimensions", chunkField: "blockSize")
        shape = dims.reversed()
        blockShape = block.reversed()
        dataType = dtype
        compression = try N5Compression(meta)
        let rank = dims.count
        if let axes = meta.object["axes"] as? [Any], axes.count == rank {
            let names = axes.compactMap { $0 as? String }
            axisNames = names.count == rank ? names.reversed() : nil
        } else {
            axisNames = nil
        }
        scales = N5Attributes.scales(meta.object, rank: rank)
        downsamplingFactors = N5Attributes.numbers(meta.object["downsamplingFactors"], count: rank).map {
            $0.reversed()
        }
    }

    /// `pixelResolution: {"unit": "um", "dimensions": [..]}` (n5-viewer), or `resolution: [..]`
    /// (BigStitcher, with an optional `unit`), reversed; nil when neither fits the rank.
    static func scales(_ object: [String: Any], rank: Int) -> [AxisScale?]? {
        var unit = object["unit"] as? String
        var steps: [Double]?
        if let pr = object["pixelResolution"] as? [String: Any] {
            steps = numbers(pr["dimensions"], count: rank)
            unit = pr["unit"] as? String ?? unit
        } else if let pr = object["pixelResolution"] {
            steps = numbers(pr, count: rank)
        }
        if steps == nil, let r = object["resolution"] {
            if let o = r as? [String: Any] {
                steps = numbers(o["dimensions"], count: rank)
                unit = o["unit"] as? String ?? unit
            } else {
                steps = numbers(r, count: rank)
            }
        }
        // tensorstore writes `units` (one per axis) beside `resolution`.
        var units = Array(repeating: unit, count: rank)
        if let list = object["units"] as? [Any], list.count == rank {
            units = list.map { ($0 as? String).flatMap { $0.isEmpty ? nil : $0 } }
        }
        guard let steps, steps.allSatisfy({ $0.isFinite && $0 > 0 }) else { return nil }
        return zip(steps, units).reversed().map { AxisScale(step: $0, unit: $1) }
    }

    /// A list of `count` finite numbers, else nil.
    static func numbers(_ value: Any?, count: Int) -> [Double]? {
        guard let list = value as? [Any], list.count == count else { return nil }
        let values = list.compactMap { v -> Double? in
            guard let n = v as? NSNumber, n.doubleValue.isFinite else { return nil }
            return n.doubleValue
        }
        return values.count == count ? values : nil
    }

    /// The document at `prefix` of `store` (nil when absent).
    static func read(_ store: Store, _ prefix: String = "") throws -> JSONMetadata? {
        try JSONMetadata.read(store, joinKey(prefix, file), file: joinKey(prefix, file))
    }
}

extension N5Attributes {
    /// A list of per-level lists of `rank` numbers (the group's `scales`), each reversed; nil when it does not fit.
    static func numbers2D(_ value: Any?, rank: Int) -> [[Double]]? {
        guard let list = value as? [Any] else { return nil }
        let levels = list.compactMap { numbers($0, count: rank)?.reversed() as [Double]? }
        return levels.count == list.count ? levels : nil
    }
}
