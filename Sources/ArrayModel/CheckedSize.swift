/// Overflow-checked size arithmetic and the limits every source is held to at
/// open. Sizes come from files (shape, chunks, tile and strip sizes, shard
/// index entries), so any product or sum of them may overflow; the throwing
/// forms turn that into a FormatError naming the field instead of a trap.
public enum CheckedSize {
    /// Most axes an array may have.
    public static let maxRank = 32
    /// Largest decoded chunk (tile, strip, inner chunk): 2 GiB.
    public static let maxChunkBytes = 1 << 31
    /// Largest whole array: 2^62 bytes.
    public static let maxArrayBytes = 1 << 62
    /// Largest metadata document (`.zarray`, `zarr.json`, `.zattrs`): 64 MiB.
    public static let maxMetadataBytes = 64 << 20
    /// Deepest nesting of a JSON metadata document.
    public static let maxJSONDepth = 64

    /// The product, or nil when it overflows (or a factor is negative).
    public static func product(_ values: [Int]) -> Int? {
        var p = 1
        for v in values {
            guard v >= 0 else { return nil }
            let (r, overflow) = p.multipliedReportingOverflow(by: v)
            if overflow { return nil }
            p = r
        }
        return p
    }

    /// `a * b` or nil on overflow.
    public static func multiply(_ a: Int, _ b: Int) -> Int? {
        let (r, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : r
    }

    /// `a + b` or nil on overflow.
    public static func add(_ a: Int, _ b: Int) -> Int? {
        let (r, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : r
    }

    /// The product of `values`, or a FormatError "`field` … is too large".
    public static func product(_ values: [Int], _ field: @autoclosure () -> String) throws -> Int {
        guard let p = product(values) else { throw tooLarge(field()) }
        return p
    }

    public static func multiply(_ a: Int, _ b: Int, _ field: @autoclosure () -> String) throws -> Int {
        guard let p = multiply(a, b) else { throw tooLarge(field()) }
        return p
    }

    public static func add(_ a: Int, _ b: Int, _ field: @autoclosure () -> String) throws -> Int {
        guard let s = add(a, b) else { throw tooLarge(field()) }
        return s
    }

    static func tooLarge(_ field: String) -> FormatError {
        FormatError.sizeOverflow(field: field)
    }

    /// The limits at open for an array read in chunks: rank ≤ 32, extents ≥ 0,
    /// chunk extents > 0, a chunk ≤ 2 GiB decoded, the array ≤ 2^62 bytes.
    /// `file` and the field names make the message (`.zarray: 'shape' [...] is too large ...`).
    public static func checkLayout(
        shape: [Int], chunkShape: [Int], elementSize: Int,
        file: String, shapeField: String = "shape", chunkField: String = "chunks"
    ) throws {
        guard shape.count <= maxRank else {
            throw FormatError.invalidMetadata(
                file: file, problem: "'\(shapeField)' has \(shape.count) axes (at most \(maxRank) are supported)")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw FormatError.invalidMetadata(file: file, problem: "'\(shapeField)' \(shape) has a negative extent")
        }
        guard let elements = product(shape), let bytes = multiply(elements, elementSize), bytes <= maxArrayBytes else {
            throw FormatError.tooLarge(
                what: "\(file): '\(shapeField)' \(shape)", limit: "the array would take more than 2^62 bytes")
        }
        try checkChunk(chunkShape, elementSize: elementSize, file: file, field: chunkField)
    }

    /// A read unit (chunk, inner chunk, tile, strip) of positive extents and at most 2 GiB decoded.
    public static func checkChunk(_ chunkShape: [Int], elementSize: Int, file: String, field: String) throws {
        guard chunkShape.allSatisfy({ $0 > 0 }) else {
            throw FormatError.invalidMetadata(file: file, problem: "'\(field)' \(chunkShape) must be positive sizes")
        }
        guard let elements = product(chunkShape), let bytes = multiply(elements, elementSize), bytes <= maxChunkBytes
        else {
            throw FormatError.tooLarge(
                what: "\(file): '\(field)' \(chunkShape)", limit: "a chunk may take at most 2 GiB decoded")
        }
    }
}

extension Int {
    /// The nearest Int to `value`: NaN is 0, ±inf and values beyond the range
    /// are Int.min/Int.max. The one float-to-int conversion for values that
    /// come from data, statistics or options (`Int(Double)` traps on those).
    public init(clamping value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9.223372036854775807e18 {
            self = .max
        } else if value <= -9.223372036854775808e18 {
            self = .min
        } else {
            self = Int(value)
        }
    }

    public init(clamping value: Float) { self.init(clamping: Double(value)) }
}
