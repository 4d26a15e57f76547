import Foundation

/// Parsed JSON metadata with typed accessors whose errors name the file and key.
struct JSONMetadata {
    let file: String
    let object: [String: Any]

    /// Parses a metadata document; a syntax error names the file.
    init(file: String, bytes: [UInt8]) throws {
        self.file = file
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw FormatError("malformed JSON in \(file)")
        }
        guard let obj = parsed as? [String: Any] else { throw FormatError("malformed JSON in \(file): not an object") }
        self.object = obj
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
        guard let n = object[key] as? NSNumber else { throw missing(key, "an integer") }
        return n.intValue
    }

    func intArray(_ key: String) throws -> [Int] {
        guard let a = object[key] as? [Any] else { throw missing(key, "a list of integers") }
        return try a.map {
            guard let n = $0 as? NSNumber, n.intValue >= 0 else { throw missing(key, "a list of non-negative integers") }
            return n.intValue
        }
    }

    func objectValue(_ key: String) throws -> JSONMetadata {
        guard let o = object[key] as? [String: Any] else { throw missing(key, "an object") }
        return JSONMetadata(file: file, object: o)
    }

    func missing(_ key: String, _ kind: String) -> FormatError {
        FormatError("\(file): '\(key)' must be \(kind)")
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
                throw FormatError("\(file): fill_value '\(s)' is not a number")
            }
        }
        if let b = v as? Bool, type == .bool { return .bool(b) }
        guard let n = v as? NSNumber else { throw FormatError("\(file): fill_value is not a number") }
        if type.isFloat { return .float(n.doubleValue) }
        if type == .bool { return .bool(n.doubleValue != 0) }
        // Keep 64-bit integers exact: NSNumber's description is the literal it was parsed from.
        let text = n.stringValue
        if let i = Int64(text) { return .int(i) }
        if let u = UInt64(text) { return .uint(u) }
        return .float(n.doubleValue)
    }
}

/// An integer from JSONSerialization output (NSNumber or Int).
func jsonInt(_ v: Any) -> Int? {
    if let n = v as? NSNumber { return n.intValue }
    return v as? Int
}
