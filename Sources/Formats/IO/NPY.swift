import Codecs

/// NumPy `.npy` files, format version 1.0: a magic string, a Python-dict
/// header (`descr`, `fortran_order`, `shape`) padded to 64 bytes, then the data.
public enum NPY {
    /// Encodes a buffer as `.npy` bytes (native byte order, C order).
    public static func encode(_ buffer: ArrayBuffer) -> [UInt8] {
        let shape =
            buffer.shape.count == 1
            ? "(\(buffer.shape[0]),)" : "(\(buffer.shape.map(String.init).joined(separator: ", ")))"
        var header = "{'descr': '\(buffer.dataType.nativeTypeString)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let len = UInt16(header.utf8.count)
        out += [UInt8(len & 0xFF), UInt8(len >> 8)]
        out += Array(header.utf8)
        out += buffer.bytes
        return out
    }

    /// Decodes `.npy` bytes (versions 1–3), converting to native byte order and C order.
    public static func decode(_ bytes: [UInt8]) throws -> ArrayBuffer {
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw FormatError.corruptData("not a .npy file")
        }
        let major = bytes[6]
        let (headerLength, start): (Int, Int) =
            major == 1
            ? (Int(bytes[8]) | Int(bytes[9]) << 8, 10)
            : (Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24, 12)
        guard bytes.count >= start + headerLength else { throw FormatError.corruptData(".npy header is truncated") }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        func field(_ name: String) -> String? {
            guard let r = header.range(of: "'\(name)':") else { return nil }
            return String(header[r.upperBound...]).trimmingPrefix(while: { $0 == " " })
        }
        guard let descrField = field("descr"), descrField.hasPrefix("'"),
            let descr = descrField.dropFirst().split(separator: "'").first
        else {
            throw FormatError.corruptData(".npy header has no descr")
        }
        let (dtype, big) = try DataType.parseNumPy(String(descr))
        let fortran = field("fortran_order")?.hasPrefix("True") ?? false
        guard let shapeField = field("shape"), let open = shapeField.firstIndex(of: "("),
            let close = shapeField.firstIndex(of: ")")
        else { throw FormatError.corruptData(".npy header has no shape") }
        let shape = shapeField[shapeField.index(after: open)..<close].split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: " ")) }
        let dataStart = start + headerLength
        let expected = shape.reduce(1, *) * dtype.size
        guard bytes.count - dataStart == expected else {
            throw FormatError.corruptData(".npy data is \(bytes.count - dataStart) bytes, expected \(expected)")
        }
        var data = Array(bytes[dataStart...])
        if big != (DataType.ByteOrderMark.host == .big) && dtype.size > 1 {
            data.withUnsafeMutableBytes { ByteOrder.swapInPlace($0, elementSize: dtype.size) }
        }
        if fortran && shape.count > 1 {
            data = Transpose.permute(
                data, shape: shape.reversed(), axes: Array((0..<shape.count).reversed()), elementSize: dtype.size)
        }
        return ArrayBuffer(dataType: dtype, shape: shape, bytes: data)
    }
}

extension String {
    fileprivate func trimmingPrefix(while p: (Character) -> Bool) -> String { String(drop(while: p)) }
}
