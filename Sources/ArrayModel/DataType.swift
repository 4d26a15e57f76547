/// Element types vstack reads. Values in memory are always native-endian.
public enum DataType: String, Sendable, CaseIterable, Codable {
    case bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    /// The NumPy name (`uint16`), also the Zarr v3 `data_type` name.
    public var name: String { rawValue }

    public var isFloat: Bool { self == .float32 || self == .float64 }
    public var isSigned: Bool { [.int8, .int16, .int32, .int64].contains(self) }

    /// The NumPy type character: `b` bool, `i` signed, `u` unsigned, `f` float.
    var kindCharacter: Character {
        switch self {
        case .bool: "b"
        case .int8, .int16, .int32, .int64: "i"
        case .uint8, .uint16, .uint32, .uint64: "u"
        case .float32, .float64: "f"
        }
    }

    /// NumPy array-protocol type string for native byte order, e.g. `<u2`, `|u1`.
    public var nativeTypeString: String {
        let order = size == 1 ? "|" : (ByteOrderMark.host == .little ? "<" : ">")
        return "\(order)\(kindCharacter)\(size)"
    }

    public enum ByteOrderMark: Sendable {
        case little, big
        public static var host: ByteOrderMark { 1.littleEndian == 1 ? .little : .big }
    }

    /// Parses a NumPy type string (`<u2`, `>f8`, `|b1`, `bool`, `uint16`); returns the type and
    /// whether the stored bytes are big-endian. Throws a message naming unsupported types.
    public static func parseNumPy(_ s: String) throws -> (DataType, bigEndian: Bool) {
        if let t = DataType(rawValue: s) { return (t, ByteOrderMark.host == .big) }
        var chars = Array(s)
        var big = ByteOrderMark.host == .big
        if let first = chars.first, "<>|=".contains(first) {
            if first == ">" { big = true } else if first == "<" { big = false }
            chars.removeFirst()
        }
        guard chars.count >= 2, let size = Int(String(chars.dropFirst())) else {
            throw FormatError.unsupported("data type '\(s)'")
        }
        let found: DataType? =
            switch (chars[0], size) {
            case ("b", 1): .bool
            case ("i", 1): .int8
            case ("i", 2): .int16
            case ("i", 4): .int32
            case ("i", 8): .int64
            case ("u", 1): .uint8
            case ("u", 2): .uint16
            case ("u", 4): .uint32
            case ("u", 8): .uint64
            case ("f", 4): .float32
            case ("f", 8): .float64
            default: nil
            }
        guard let t = found else { throw FormatError.unsupported("data type '\(s)'") }
        return (t, size > 1 && big)
    }
}
