/// A dense N-D block of native-endian elements in C order: a decoded chunk
/// or an assembled region. Value type; copies share storage until written.
public struct ArrayBuffer: Sendable, Equatable {
    public let dataType: DataType
    public let shape: [Int]
    public var bytes: [UInt8]

    public init(dataType: DataType, shape: [Int], bytes: [UInt8]) {
        precondition(bytes.count == shape.reduce(1, *) * dataType.size, "buffer size does not match shape")
        self.dataType = dataType
        self.shape = shape
        self.bytes = bytes
    }

    /// A buffer filled with one value.
    public init(dataType: DataType, shape: [Int], filledWith value: Scalar) {
        let count = shape.reduce(1, *)
        let pattern = value.bytes(as: dataType)
        var bytes: [UInt8]
        if pattern.allSatisfy({ $0 == 0 }) {
            bytes = [UInt8](repeating: 0, count: count * dataType.size)
        } else {
            bytes = [UInt8](unsafeUninitializedCapacity: count * dataType.size) { buf, n in
                let size = pattern.count
                for i in 0..<count {
                    for j in 0..<size { buf[i * size + j] = pattern[j] }
                }
                n = count * size
            }
        }
        self.init(dataType: dataType, shape: shape, bytes: bytes)
    }

    public var count: Int { shape.reduce(1, *) }

    /// Element `i` (flat C-order index) as a Double, for statistics and tests.
    public func double(at i: Int) -> Double {
        bytes.withUnsafeBytes { raw in
            switch dataType {
            case .bool: Double(raw[i])
            case .int8: Double(raw.load(fromByteOffset: i, as: Int8.self))
            case .int16: Double(raw.load(fromByteOffset: i * 2, as: Int16.self))
            case .int32: Double(raw.load(fromByteOffset: i * 4, as: Int32.self))
            case .int64: Double(raw.load(fromByteOffset: i * 8, as: Int64.self))
            case .uint8: Double(raw[i])
            case .uint16: Double(raw.load(fromByteOffset: i * 2, as: UInt16.self))
            case .uint32: Double(raw.load(fromByteOffset: i * 4, as: UInt32.self))
            case .uint64: Double(raw.load(fromByteOffset: i * 8, as: UInt64.self))
            case .float32: Double(raw.load(fromByteOffset: i * 4, as: Float.self))
            case .float64: raw.load(fromByteOffset: i * 8, as: Double.self)
            }
        }
    }
}
