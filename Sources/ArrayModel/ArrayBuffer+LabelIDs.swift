/// Label images read as ids: every integer type (signed ids keep their bit
/// pattern, so -1 and 2^64-1 are the same id) and bool masks (true is id 1).
extension ArrayBuffer {
    /// Whether the elements can be label ids (integers or bool).
    public static func holdsLabels(_ type: DataType) -> Bool { !type.isFloat }

    /// Every element as an id, in C order. Floats are not ids (callers refuse them at open).
    public func labelIDs() -> [UInt64] {
        let n = count
        return bytes.withUnsafeBytes { raw -> [UInt64] in
            func convert<T>(_: T.Type, _ f: (T) -> UInt64) -> [UInt64] {
                let p = raw.bindMemory(to: T.self)
                return [UInt64](unsafeUninitializedCapacity: n) { out, done in
                    for i in 0..<n { out[i] = f(p[i]) }
                    done = n
                }
            }
            switch dataType {
            case .bool: return convert(UInt8.self) { $0 != 0 ? 1 : 0 }
            case .uint8: return convert(UInt8.self) { UInt64($0) }
            case .int8: return convert(Int8.self) { UInt64(bitPattern: Int64($0)) }
            case .int16: return convert(Int16.self) { UInt64(bitPattern: Int64($0)) }
            case .int32: return convert(Int32.self) { UInt64(bitPattern: Int64($0)) }
            case .int64: return convert(Int64.self) { UInt64(bitPattern: $0) }
            case .uint16: return convert(UInt16.self) { UInt64($0) }
            case .uint32: return convert(UInt32.self) { UInt64($0) }
            case .uint64: return convert(UInt64.self) { $0 }
            case .float32: return convert(Float.self) { $0 >= 0 && $0 < 1.8e19 ? UInt64($0) : 0 }
            case .float64: return convert(Double.self) { $0 >= 0 && $0 < 1.8e19 ? UInt64($0) : 0 }
            }
        }
    }
}

/// How an id is written for people: signed types as signed numbers.
public enum LabelIDText {
    public static func text(_ id: UInt64, signed: Bool) -> String {
        signed ? String(Int64(bitPattern: id)) : String(id)
    }
}
