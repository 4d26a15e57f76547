/// One value of any supported data type, kept exactly (64-bit integers are
/// not routed through Double). Used for fill values.
public enum Scalar: Sendable, Equatable, CustomStringConvertible {
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float(Double)

    public static let zero = Scalar.int(0)

    public var doubleValue: Double {
        switch self {
        case .bool(let b): b ? 1 : 0
        case .int(let v): Double(v)
        case .uint(let v): Double(v)
        case .float(let v): v
        }
    }

    public var description: String {
        switch self {
        case .bool(let b): b ? "true" : "false"
        case .int(let v): String(v)
        case .uint(let v): String(v)
        case .float(let v):
            v.isNaN
                ? "NaN"
                : v == .infinity
                    ? "Infinity"
                    : v == -.infinity
                        ? "-Infinity"
                        : (v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v))
        }
    }

    /// The native-endian bytes of this value as an element of `type`
    /// (integers wrap like NumPy's `astype`, floats convert).
    public func bytes(as type: DataType) -> [UInt8] {
        func raw<T>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }
        let i64: Int64 =
            switch self {
            case .bool(let b): b ? 1 : 0
            case .int(let v): v
            case .uint(let v): Int64(bitPattern: v)
            case .float(let v): Int64(exactly: v.rounded(.towardZero)) ?? 0  // NaN, ±inf, out of range → 0
            }
        switch type {
        case .bool: return [doubleValue != 0 ? 1 : 0]
        case .int8: return raw(Int8(truncatingIfNeeded: i64))
        case .int16: return raw(Int16(truncatingIfNeeded: i64))
        case .int32: return raw(Int32(truncatingIfNeeded: i64))
        case .int64: return raw(i64)
        case .uint8: return raw(UInt8(truncatingIfNeeded: i64))
        case .uint16: return raw(UInt16(truncatingIfNeeded: i64))
        case .uint32: return raw(UInt32(truncatingIfNeeded: i64))
        case .uint64: return raw(UInt64(bitPattern: i64))
        case .float32: return raw(Float(doubleValue))
        case .float64: return raw(doubleValue)
        }
    }
}
