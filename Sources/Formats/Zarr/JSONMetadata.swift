import Foundation
import Stores

/// Parsed JSON metadata with typed accessors whose errors name the file and key.
struct JSONMetadata {
    let file: String
    let object: [String: Any]

    /// Parses a metadata document; a syntax error names the file. Documents over
    /// 64 MiB or nested deeper than 64 levels are refused before parsing (the
    /// parser recurses, so depth is a stack bound).
    init(file: String, bytes: [UInt8]) throws {
        self.file = file
        guard bytes.count <= CheckedSize.maxMetadataBytes else {
            throw FormatError("\(file) is \(bytes.count) bytes (metadata may have at most 64 MiB)")
        }
        guard JSONMetadata.nestingDepth(bytes) <= CheckedSize.maxJSONDepth else {
            throw FormatError.malformedJSON(file: file, detail: "nested deeper than \(CheckedSize.maxJSONDepth) levels")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw FormatError.malformedJSON(file: file, detail: nil)
        }
        guard let obj = parsed as? [String: Any] else {
            throw FormatError.malformedJSON(file: file, detail: "not an object")
        }
        self.object = obj
    }

    /// Reads and parses metadata key `key` of `store` (nil when absent); a
    /// file over 64 MiB is refused by its size before it is read.
    static func read(_ store: Store, _ key: String, file: String) throws -> JSONMetadata? {
        guard
            let bytes = try store.get(
                key, atMost: CheckedSize.maxMetadataBytes, limitName: "the 64 MiB metadata may have")
        else {
            return nil
        }
        return try JSONMetadata(file: file, bytes: bytes)
    }

    init(file: String, object: [String: Any]) {
        self.file = file
        self.object = object
    }

    func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    func string(_ key: String) throws -> String {
        guard let s = object[key] as? String else { throw missing(key, "a string") }
        return s
    }

    func optionalString(_ key: String) -> String? { object[key] as? String }

    func int(_ key: String) throws -> Int {
        guard let v = object[key], let n = jsonInt(v) else { throw missing(key, "an integer") }
        return n
    }

    /// Sizes (shape, chunks): integers in 0..<2^63; floats (`5.5`), negatives,
    /// booleans and larger numbers are refused, never truncated.
    func intArray(_ key: String) throws -> [Int] {
        guard let a = object[key] as? [Any] else { throw missing(key, "a list of integers") }
        return try a.map {
            guard let n = jsonInt($0), n >= 0 else {
                throw FormatError.invalidMetadata(
                    file: file,
                    problem:
                        "'\(key)' must be a list of non-negative integers below 2^63 (found \(JSONMetadata.literal($0)))"
                )
            }
            return n
        }
    }

    /// A JSON value as it was written, for messages.
    static func literal(_ v: Any) -> String {
        if let n = v as? NSNumber { return n.stringValue }
        if let s = v as? String { return "\"\(s)\"" }
        return "\(v)"
    }

    /// The deepest `[`/`{` nesting outside strings.
    static func nestingDepth(_ bytes: [UInt8]) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for b in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    func objectValue(_ key: String) throws -> JSONMetadata {
        guard let o = object[key] as? [String: Any] else { throw missing(key, "an object") }
        return JSONMetadata(file: file, object: o)
    }

    func missing(_ key: String, _ kind: String) -> FormatError {
        FormatError.invalidMetadata(file: file, problem: "'\(key)' must be \(kind)")
    }

    /// A Zarr fill value: number, "NaN", "Infinity", "-Infinity", hex bit pattern ("0x7fc00000"),
    /// bool, or null (read as 0, as zarr-python does for missing chunks).
    static func fillValue(_ v: Any?, type: DataType, file: String) throws -> Scalar {
        guard let v, !(v is NSNull) else { return type == .bool ? .bool(false) : .zero }
        if let s = v as? String {
            switch s {
            case "NaN": return .float(.nan)
            case "Infinity": return .float(.infinity)
            case "-Infinity": return .float(-.infinity)
            default:
                if s.hasPrefix("0x"), let bits = UInt64(s.dropFirst(2), radix: 16) {
                    switch type {
                    case .float32: return .float(Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))))
                    case .float64: return .float(Double(bitPattern: bits))
                    default: return .uint(bits)
                    }
                }
                throw FormatError.invalidMetadata(file: file, problem: "fill_value '\(s)' is not a number")
            }
        }
        if let b = v as? Bool, type == .bool { return .bool(b) }
        guard let n = v as? NSNumber else {
            throw FormatError.invalidMetadata(file: file, problem: "fill_value is not a number")
        }
        if type.isFloat { return .float(n.doubleValue) }
        if type == .bool { return .bool(n.doubleValue != 0) }
        // Keep 64-bit integers exact: NSNumber's description is the literal it was parsed from.
        let text = n.stringValue
        if let i = Int64(text) { return .int(i) }
        if let u = UInt64(text) { return .uint(u) }
        return .float(n.doubleValue)
    }
}

/// An integer from JSONSerialization output, exactly as written: nil for
/// floats, booleans and integers outside Int's range (NSNumber.intValue would
/// truncate `5.5` to 5 and wrap `2^64` to 0).
func jsonInt(_ v: Any) -> Int? {
    guard let n = v as? NSNumber else { return v as? Int }
    return Int(n.stringValue)
}
