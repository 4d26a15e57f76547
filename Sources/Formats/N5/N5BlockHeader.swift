/// The big-endian header in front of every N5 block: uint16 mode, uint16
/// ndim, ndim × uint32 actual block size (x first; smaller than `blockSize`
/// at the edges when n5-java writes it), then the compressed data.
struct N5BlockHeader {
    /// The block's actual shape, in C order (reversed from the header).
    let shape: [Int]
    /// Where the compressed data starts.
    let dataOffset: Int

    /// Parses and checks the header of `bytes` against the dataset's nominal block shape (C order).
    init(_ bytes: [UInt8], blockShape: [Int]) throws {
        let rank = blockShape.count
        func u16(_ at: Int) -> Int { Int(bytes[at]) << 8 | Int(bytes[at + 1]) }
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 << 8 | Int(bytes[at + $1]) } }
        guard bytes.count >= 4 else { throw FormatError.corruptData("truncated block header (\(bytes.count) bytes)") }
        let mode = u16(0)
        switch mode {
        case 0: break
        case 1: throw FormatError.unsupported("N5 block mode 1 (varlength)")
        case 2: throw FormatError.unsupported("N5 block mode 2 (object)")
        default:
            throw FormatError.corruptData("block header mode \(mode) is not 0 (default), 1 (varlength) or 2 (object)")
        }
        let ndim = u16(2)
        guard ndim == rank else {
            throw FormatError.corruptData("block header has \(ndim) dimensions, the dataset \(rank)")
        }
        let end = 4 + 4 * ndim
        guard bytes.count >= end else {
            throw FormatError.corruptData("truncated block header (\(bytes.count) of \(end) bytes)")
        }
        let dims = (0..<ndim).map { u32(4 + 4 * $0) }
        let c = Array(dims.reversed())
        guard zip(c, blockShape).allSatisfy({ $0 >= 1 && $0 <= $1 }) else {
            throw FormatError.corruptData(
                "block header size \(dims) does not fit blockSize \(Array(blockShape.reversed()))")
        }
        shape = c
        dataOffset = end
    }
}
