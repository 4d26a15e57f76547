import Codecs

/// Axis names for an array: the user's `--axes`, else the source's, else the
/// reader's defaults (`ArrayMetadata.defaultAxisNames`), else defaults from the shape (`guessed(shape:)`), else the SPEC §2 defaults by
/// rank (`yx`, `zyx`, `tzyx`, `tczyx`).
public enum AxisNames {
    public static func defaults(rank: Int) -> [String] {
        switch rank {
        case 0: []
        case 1: ["x"]
        case 2: ["y", "x"]
        case 3: ["z", "y", "x"]
        case 4: ["t", "z", "y", "x"]
        case 5: ["t", "c", "z", "y", "x"]
        default: (0..<rank).map { "dim\($0)" }
        }
    }

    /// Most channels an axis is taken to hold when names are guessed from the shape.
    public static let maxGuessedChannels = 8

    /// Names an unnamed 4-D or 5-D array's shape decides, or nil when it does not.
    /// The last three axes are z, y, x. 4-D: a leading axis of at most 8 is c
    /// (`czyx`). 5-D: of the two leading axes, the one of at most 8 is c and the
    /// other t (`(3, 199, …)` → `ctzyx`, `(199, 3, …)` → `tczyx`); when both or
    /// neither are that small the shape says nothing (the rank's default applies).
    public static func guessed(shape: [Int]) -> [String]? {
        let small = { (n: Int) in n >= 1 && n <= maxGuessedChannels }
        switch shape.count {
        case 4 where small(shape[0]): return ["c", "z", "y", "x"]
        case 5 where small(shape[0]) && !small(shape[1]): return ["c", "t", "z", "y", "x"]
        case 5 where small(shape[1]) && !small(shape[0]): return ["t", "c", "z", "y", "x"]
        default: return nil
        }
    }

    /// The names of an array that carries none: guessed from the shape, else the rank's default.
    public static func defaults(shape: [Int]) -> [String] {
        guessed(shape: shape) ?? defaults(rank: shape.count)
    }

    /// Where the names `resolve` gives come from.
    public enum Origin: Sendable, Equatable {
        /// `--axes`.
        case option
        /// The source's metadata.
        case source
        /// Guessed from the shape (`guessed(shape:)`).
        case shape
        /// The rank's default.
        case rank
    }

    /// Where `resolve(metadata, override:)`'s names come from.
    public static func origin(_ metadata: ArrayMetadata, override: String? = nil) -> Origin {
        if override != nil { return .option }
        if metadata.axisNames != nil { return .source }
        if metadata.defaultAxisNames != nil { return .rank }
        return guessed(shape: metadata.shape) != nil ? .shape : .rank
    }

    /// Resolves names; `override` is a string of one letter per axis (`ctzyx`) or comma-separated names.
    public static func resolve(_ metadata: ArrayMetadata, override: String? = nil) throws -> [String] {
        if let override {
            let names =
                override.contains(",") ? override.split(separator: ",").map(String.init) : override.map { String($0) }
            guard names.count == metadata.rank else {
                throw SelectionError(
                    "--axes '\(override)' names \(names.count) axes but the array has \(metadata.rank)")
            }
            guard Set(names).count == names.count else {
                throw SelectionError("--axes '\(override)' repeats an axis name")
            }
            return names
        }
        return metadata.axisNames ?? metadata.defaultAxisNames ?? defaults(shape: metadata.shape)
    }

    /// `tczyx` when every name is one character, else `t,c,z,y,x`.
    public static func compact(_ names: [String]) -> String {
        names.allSatisfy { $0.count == 1 } ? names.joined() : names.joined(separator: ",")
    }
}

/// A problem with a view option (`--at`, `--display`, …): a usage error. The CLI
/// names the dataset it concerns (`x.zarr: --at: no axis 'q' …`) with `location`.
public struct SelectionError: Error, CustomStringConvertible, Sendable {
    /// The option and what is wrong with it.
    public let message: String
    /// The dataset the option was given for, when known.
    public let location: String?

    public init(_ message: String, location: String? = nil) {
        self.message = message
        self.location = location
    }

    /// The same error, naming the dataset at `location`.
    public func at(_ location: String) -> SelectionError { SelectionError(message, location: location) }

    /// `x.zarr: --at: …`; a location that ends in a colon (`demo:`) gets no second one.
    public var description: String {
        location.map { ($0.hasSuffix(":") ? "\($0) " : "\($0): ") + message } ?? message
    }
}

/// Which 2-D plane of an N-D array is shown: two displayed axes, an index on
/// every other axis, and a region of the displayed plane.
public struct PlaneSelection: Sendable, Hashable {
    public var axisNames: [String]
    /// Array axes drawn as rows (y) and columns (x).
    public var rowAxis: Int
    public var columnAxis: Int
    /// One index per array axis (ignored for the displayed axes).
    public var indices: [Int]
    public var rows: Range<Int>
    public var columns: Range<Int>

    /// Builds a selection from the command-line options of SPEC §1.
    public init(
        _ metadata: ArrayMetadata, axes: String? = nil, at: String? = nil, display: String? = nil,
        region: String? = nil
    ) throws {
        let shape = metadata.shape
        guard shape.count >= 2 else {
            throw SelectionError(
                "the array has \(shape.count) dimension\(shape.count == 1 ? "" : "s"); vstack shows 2-D planes of arrays with at least 2"
            )
        }
        let names = try AxisNames.resolve(metadata, override: axes)
        axisNames = names
        func axis(_ token: Substring, option: String) throws -> Int {
            try PlaneSelection.axis(token, names: names, rank: shape.count, option: option)
        }
        if let display {
            let parts = display.split(separator: ",")
            guard parts.count == 2 else { throw SelectionError("--display '\(display)': expected two axes, e.g. y,x") }
            rowAxis = try axis(parts[0], option: "--display")
            columnAxis = try axis(parts[1], option: "--display")
            guard rowAxis != columnAxis else {
                throw SelectionError("--display '\(display)': the two axes must differ")
            }
        } else if let y = names.firstIndex(of: "y"), let x = names.firstIndex(of: "x") {
            (rowAxis, columnAxis) = (y, x)
        } else {
            (rowAxis, columnAxis) = (shape.count - 2, shape.count - 1)
        }
        indices = shape.map { $0 / 2 }
        if let at, !at.isEmpty {
            for (a, index) in try PlaneSelection.parseAt(at, names: names, shape: shape) {
                indices[a] = index.lowerBound
            }
        }
        rows = 0..<shape[rowAxis]
        columns = 0..<shape[columnAxis]
        if let region {
            let parts = region.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw SelectionError("--region '\(region)': expected Y0:Y1,X0:X1") }
            rows = try PlaneSelection.range(parts[0], size: shape[rowAxis], option: "--region")
            columns = try PlaneSelection.range(parts[1], size: shape[columnAxis], option: "--region")
        }
    }

    /// The axis `token` names, by name or position.
    static func axis(_ token: Substring, names: [String], rank: Int, option: String) throws -> Int {
        let t = token.trimmingCharacters(in: " ")
        if let i = names.firstIndex(of: t) { return i }
        if let i = Int(t), i >= 0, i < rank { return i }
        throw SelectionError("\(option): no axis '\(t)' (axes are \(AxisNames.compact(names)))")
    }

    /// `--at` as written: `AXIS=INDEX` items (`z=10,t=3`, axes by name or position, each once), each
    /// axis's index as a range of one; with `ranges`, `AXIS=A:B` too (either end may be left out).
    public static func parseAt(
        _ at: String, names: [String], shape: [Int], ranges: Bool = false
    ) throws -> [Int:
        Range<Int>]
    {
        // Each axis once, whether named or by position: `z=1,z=2` or `z=1,2=5` (z being axis 2) is refused.
        var given: [Int: Substring] = [:]
        var out: [Int: Range<Int>] = [:]
        for item in at.split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1)
            let isRange = ranges && kv.count == 2 && kv[1].contains(":")
            guard kv.count == 2, isRange || Int(kv[1].trimmingCharacters(in: " ")) != nil else {
                throw SelectionError(
                    "--at '\(item)': expected AXIS=INDEX\(ranges ? " or AXIS=START:STOP" : ""), e.g. z=10")
            }
            let a = try axis(kv[0], names: names, rank: shape.count, option: "--at")
            if let first = given[a] {
                throw SelectionError("--at '\(at)': axis \(names[a]) is given twice (\(first) and \(item))")
            }
            given[a] = item
            if isRange {
                out[a] = try range(kv[1], size: shape[a], option: "--at \(names[a])")
            } else {
                let value = Int(kv[1].trimmingCharacters(in: " "))!
                guard value >= 0 && value < shape[a] else {
                    throw SelectionError("--at \(names[a])=\(value): index out of range 0..\(shape[a] - 1)")
                }
                out[a] = value..<(value + 1)
            }
        }
        return out
    }

    /// Parses `A:B` (either side may be empty) within 0..<size.
    static func range(_ s: Substring, size: Int, option: String) throws -> Range<Int> {
        let ends = s.split(separator: ":", omittingEmptySubsequences: false)
        guard ends.count == 2 else { throw SelectionError("\(option): '\(s)' is not a range A:B") }
        let lo = ends[0].isEmpty ? 0 : Int(ends[0].trimmingCharacters(in: " "))
        let hi = ends[1].isEmpty ? size : Int(ends[1].trimmingCharacters(in: " "))
        guard let lo, let hi else { throw SelectionError("\(option): '\(s)' is not a range A:B") }
        guard 0 <= lo && lo < hi && hi <= size else {
            throw SelectionError("\(option): '\(s)' is not a non-empty range inside 0:\(size)")
        }
        return lo..<hi
    }

    /// The N-D region holding the plane (length 1 on every non-displayed axis).
    public var region: [Range<Int>] {
        indices.enumerated().map { d, i in
            d == rowAxis ? rows : d == columnAxis ? columns : i..<(i + 1)
        }
    }

    /// Reads the plane as a 2-D (rows, columns) buffer.
    public func readPlane(
        _ array: LazyArray, threads: Int = 1, chunks: RegionReader.ChunkSource? = nil
    ) throws -> ArrayBuffer {
        let nd = try RegionReader.read(array, region: region, threads: threads, chunks: chunks)
        let flat = ArrayBuffer(
            dataType: nd.dataType, shape: [nd.shape[min(rowAxis, columnAxis)], nd.shape[max(rowAxis, columnAxis)]],
            bytes: nd.bytes)
        if rowAxis < columnAxis { return flat }
        let swapped = Transpose.permute(flat.bytes, shape: flat.shape, axes: [1, 0], elementSize: flat.dataType.size)
        return ArrayBuffer(dataType: flat.dataType, shape: [rows.count, columns.count], bytes: swapped)
    }
}

extension Substring {
    public func trimmingCharacters(in set: String) -> String {
        String(String(drop(while: { set.contains($0) })).reversed().drop(while: { set.contains($0) }).reversed())
    }
}
