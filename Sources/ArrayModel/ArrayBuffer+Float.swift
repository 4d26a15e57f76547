/// Conversions between buffers and Float samples, for rendering and the processing operators.
extension ArrayBuffer {
    /// Every element as a Float, in C order (bool as 0/1).
    public func floats() -> [Float] {
        let n = count
        return bytes.withUnsafeBytes { raw -> [Float] in
            func convert<T>(_: T.Type, _ f: (T) -> Float) -> [Float] {
                let p = raw.bindMemory(to: T.self)
                return [Float](unsafeUninitializedCapacity: n) { out, done in
                    for i in 0..<n { out[i] = f(p[i]) }
                    done = n
                }
            }
            switch dataType {
            case .bool: return convert(UInt8.self) { $0 != 0 ? 1 : 0 }
            case .int8: return convert(Int8.self) { Float($0) }
            case .int16: return convert(Int16.self) { Float($0) }
            case .int32: return convert(Int32.self) { Float($0) }
            case .int64: return convert(Int64.self) { Float($0) }
            case .uint8: return convert(UInt8.self) { Float($0) }
            case .uint16: return convert(UInt16.self) { Float($0) }
            case .uint32: return convert(UInt32.self) { Float($0) }
            case .uint64: return convert(UInt64.self) { Float($0) }
            case .float32: return convert(Float.self) { $0 }
            case .float64: return convert(Double.self) { Float($0) }
            }
        }
    }

    /// A float32 buffer holding `values`.
    public init(float32 values: [Float], shape: [Int]) {
        let bytes = values.withUnsafeBytes { [UInt8]($0) }
        self.init(dataType: .float32, shape: shape, bytes: bytes)
    }
}
