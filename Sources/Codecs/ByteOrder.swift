/// In-place byte swapping of fixed-size elements, for big-endian data on a
/// little-endian host (and the other way round).
public enum ByteOrder {
    public static var hostIsLittleEndian: Bool { 1.littleEndian == 1 }

    public static func swapInPlace(_ buf: UnsafeMutableRawBufferPointer, elementSize: Int) {
        let n = buf.count / max(elementSize, 1)
        switch elementSize {
        case 2:
            let p = buf.bindMemory(to: UInt16.self)
            for i in 0..<n { p[i] = p[i].byteSwapped }
        case 4:
            let p = buf.bindMemory(to: UInt32.self)
            for i in 0..<n { p[i] = p[i].byteSwapped }
        case 8:
            let p = buf.bindMemory(to: UInt64.self)
            for i in 0..<n { p[i] = p[i].byteSwapped }
        default:
            break
        }
    }
}
