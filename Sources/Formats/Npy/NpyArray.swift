#if canImport(Glibc)
import Glibc
#endif
import Threads
import Codecs
import Stores

/// A NumPy `.npy` file (format versions 1.0, 2.0 and 3.0) as a lazy array.
///
/// Opening reads the magic, the header length and the header (a Python dict
/// literal: `descr`, `fortran_order`, `shape`) and checks that the file holds
/// the data the header claims; nothing else is read until a chunk is asked
/// for. A chunk is one plane of the last two axes, or a band of it: rows of
/// the plane for C order, columns for Fortran order (so a 2-D array's chunk is
/// one contiguous range either way), about `bandBytes` each. Reads are
/// counted `pread`s on one descriptor; nothing is mapped.
///
/// Thread contract: immutable after init; reads are `pread`s on `fd` (no shared file offset)
/// counted by a thread-safe `ByteCounter`.
public final class NpyArray: LazyArray, @unchecked Sendable {
    public let metadata: ArrayMetadata
    let path: String
    let fd: Int32
    let header: Header
    /// Where the data starts in the file.
    let dataOffset: Int
    private let counter = ByteCounter()

    /// Target size of a chunk (a band of a plane).
    static let bandBytes = 4 << 20
    /// Longest header accepted (NumPy's own reader stops at 10,000 bytes by default).
    static let maxHeaderBytes = 1 << 20

    public init(path: String) throws {
        self.path = path
        guard let (fd, st) = try LocalStore.openRegular(path) else {
            throw DatasetError(path, "no such file or directory")
        }
        self.fd = fd
        do {
            let fileSize = Int(st.st_size)
            let (header, dataOffset) = try Self.readHeader(fd, fileSize: fileSize, counter: counter)
            self.header = header
            self.dataOffset = dataOffset
            let size = header.dataType.size
            let chunk = Self.chunkShape(header.shape, elementSize: size, fortran: header.fortranOrder)
            try CheckedSize.checkLayout(shape: header.shape, chunkShape: chunk, elementSize: size, file: "header")
            // The data the header claims must be in the file: a lying shape never becomes an allocation.
            let dataBytes = header.shape.reduce(size, *)  // checkLayout bounded the product
            guard dataBytes <= fileSize - dataOffset else {
                throw FormatError(
                    "header claims shape \(Self.tuple(header.shape)) of \(header.descr) (\(dataBytes) bytes) but the file holds \(fileSize - dataOffset) bytes of data (truncated?)"
                )
            }
            let order = header.fortranOrder ? "Fortran order" : "C order"
            metadata = ArrayMetadata(
                format: "npy", location: path, shape: header.shape, dataType: header.dataType, chunkShape: chunk,
                fillValue: .int(0), axisNames: nil, codecs: ["npy \(header.version).0 '\(header.descr)'"],
                notes: ["\(order), data at byte \(dataOffset)"])
        } catch {
            Glibc.close(fd)
            if let e = error as? DatasetError { throw e }
            throw DatasetError(path, error)
        }
    }

    deinit { Glibc.close(fd) }

    public var bytesRead: Int { counter.total }
    public var sourcePaths: [String] { [path] }

    /// The magic `\x93NUMPY` at the start of a file.
    public static func hasMagic(_ head: [UInt8]) -> Bool {
        head.count >= 6 && head[0] == 0x93 && Array(head[1..<6]) == Array("NUMPY".utf8)
    }

    // MARK: chunks

    /// Leading axes one at a time; the plane (last two axes, or the one axis of a
    /// 1-D array) in bands of whole rows (C order) or whole columns (Fortran order).
    static func chunkShape(_ shape: [Int], elementSize: Int, fortran: Bool) -> [Int] {
        guard !shape.isEmpty else { return [] }
        let (rows, columns) = planeExtents(shape)
        let lead = [Int](repeating: 1, count: max(0, shape.count - 2))
        let budget = max(1, bandBytes / elementSize)
        var r = max(1, rows), c = max(1, columns)
        if fortran {
            // Whole columns when they fit, else parts of one column.
            r = min(r, budget)
            c = min(c, max(1, budget / r))
        } else {
            c = min(c, budget)
            r = min(r, max(1, budget / c))
        }
        return shape.count == 1 ? [c] : lead + [r, c]
    }

    /// (rows, columns) of the plane: the last two axes; a 1-D array is one row.
    static func planeExtents(_ shape: [Int]) -> (Int, Int) {
        switch shape.count {
        case 0: (1, 1)
        case 1: (1, shape[0])
        default: (shape[shape.count - 2], shape[shape.count - 1])
        }
    }

    public func readChunk(_ index: [Int], cancellation _: JobToken?) throws -> ArrayBuffer? {
        let shape = metadata.shape, chunk = metadata.chunkShape, size = header.dataType.size
        do {
            let region = metadata.grid.region(of: index)
            let (rows, columns) = Self.planeExtents(shape)
            let (chunkRows, chunkColumns) = Self.planeExtents(chunk)
            let lead = shape.count > 2 ? Array(shape.dropLast(2)) : []
            let leadIndex = shape.count > 2 ? region.dropLast(2).map(\.lowerBound) : []
            let r0 = shape.count >= 2 ? region[shape.count - 2].lowerBound : 0
            let c0 = shape.isEmpty ? 0 : region[shape.count - 1].lowerBound
            let nr = shape.count >= 2 ? region[shape.count - 2].count : 1
            let nc = shape.isEmpty ? 1 : region[shape.count - 1].count
            var out = [UInt8](repeating: 0, count: chunkRows * chunkColumns * size)
            try out.withUnsafeMutableBytes { dst in
                if header.fortranOrder {
                    // Element (lead, r, c) is at leadF + L·(r + rows·c): a column's rows are L apart.
                    var leadF = 0, stride = 1
                    for d in lead.indices {
                        leadF += leadIndex[d] * stride
                        stride *= lead[d]
                    }
                    let step = stride
                    for c in 0..<nc {
                        let first = leadF + step * (r0 + rows * (c0 + c))
                        try gather(first: first, step: step, count: nr, into: dst, at: c, stride: chunkColumns)
                    }
                } else {
                    // Element (lead, r, c) is at leadC·rows·columns + r·columns + c: rows are contiguous.
                    var leadC = 0
                    for d in lead.indices { leadC = leadC * lead[d] + leadIndex[d] }
                    let planeBase = leadC * rows * columns
                    if nc == columns && chunkColumns == columns {
                        try readRun(element: planeBase + r0 * columns, into: dst, at: 0, count: nr * columns)
                    } else {
                        for r in 0..<nr {
                            try readRun(
                                element: planeBase + (r0 + r) * columns + c0, into: dst, at: r * chunkColumns, count: nc
                            )
                        }
                    }
                }
                if header.bigEndian && size > 1 { ByteOrder.swapInPlace(dst, elementSize: size) }
            }
            return ArrayBuffer(dataType: header.dataType, shape: chunk, bytes: out)
        } catch {
            throw DatasetError(path, at: "chunk \(index.map(String.init).joined(separator: "."))", error)
        }
    }

    /// Reads `count` consecutive elements starting at element `element` into `dst` at element `at`.
    private func readRun(element: Int, into dst: UnsafeMutableRawBufferPointer, at: Int, count: Int) throws {
        let size = header.dataType.size
        let target = UnsafeMutableRawBufferPointer(rebasing: dst[(at * size)..<((at + count) * size)])
        let done = readFully(fd, into: target, at: UInt64(dataOffset + element * size))
        guard done >= 0 else { throw FormatError("read failed: \(String(cString: strerror(errno)))") }
        counter.add(done)
        guard done == target.count else {
            throw FormatError("the file is shorter than its header says (truncated while open?)")
        }
    }

    /// Reads `count` elements `step` apart (starting at element `first`) into
    /// `dst` at elements `at`, `at + stride`, …: windows of up to `bandBytes`
    /// hold as many of them as fit, so small steps cost one read per window.
    private func gather(
        first: Int, step: Int, count: Int, into dst: UnsafeMutableRawBufferPointer, at: Int, stride: Int
    ) throws {
        let size = header.dataType.size
        if step == 1 && stride == 1 { return try readRun(element: first, into: dst, at: at, count: count) }
        let perWindow = max(1, (Self.bandBytes / size - 1) / step + 1)
        var window = [UInt8](repeating: 0, count: ((min(perWindow, count) - 1) * step + 1) * size)
        var k = 0
        while k < count {
            let n = min(perWindow, count - k)
            let span = ((n - 1) * step + 1) * size
            try window.withUnsafeMutableBytes { w in
                let target = UnsafeMutableRawBufferPointer(rebasing: w[0..<span])
                let done = readFully(fd, into: target, at: UInt64(dataOffset + (first + k * step) * size))
                guard done >= 0 else { throw FormatError("read failed: \(String(cString: strerror(errno)))") }
                counter.add(done)
                guard done == span else {
                    throw FormatError("the file is shorter than its header says (truncated while open?)")
                }
                for j in 0..<n {
                    (dst.baseAddress! + (at + (k + j) * stride) * size).copyMemory(
                        from: w.baseAddress! + j * step * size, byteCount: size)
                }
            }
            k += n
        }
    }

    // MARK: header

    /// What the header dict says.
    struct Header {
        var version: Int
        var descr: String
        var dataType: DataType
        var bigEndian: Bool
        var fortranOrder: Bool
        var shape: [Int]
    }

    /// Reads and parses the preamble and header; returns it and the data offset.
    static func readHeader(_ fd: Int32, fileSize: Int, counter: ByteCounter) throws -> (Header, Int) {
        func read(_ offset: Int, _ count: Int) throws -> [UInt8] {
            var out = [UInt8](repeating: 0, count: count)
            let done = out.withUnsafeMutableBytes { readFully(fd, into: $0, at: UInt64(offset)) }
            guard done >= 0 else { throw FormatError("read failed: \(String(cString: strerror(errno)))") }
            counter.add(done)
            return Array(out.prefix(done))
        }
        let pre = try read(0, 12)
        guard hasMagic(pre) else { throw FormatError("not a .npy file (no \\x93NUMPY magic)") }
        guard pre.count >= 10 else { throw FormatError(".npy header is truncated") }
        let major = Int(pre[6])
        guard (1...3).contains(major) else {
            throw FormatError("unsupported .npy format version \(major).\(pre[7]) (vstack reads 1.0, 2.0 and 3.0)")
        }
        let start = major == 1 ? 10 : 12
        guard pre.count >= start else { throw FormatError(".npy header is truncated") }
        let length =
            major == 1
            ? Int(pre[8]) | Int(pre[9]) << 8
            : Int(pre[8]) | Int(pre[9]) << 8 | Int(pre[10]) << 16 | Int(pre[11]) << 24
        guard length <= maxHeaderBytes else {
            throw FormatError(".npy header claims \(length) bytes (at most \(maxHeaderBytes) are read)")
        }
        guard start + length <= fileSize else {
            throw FormatError(".npy header is truncated (\(length) bytes claimed, \(fileSize - start) in the file)")
        }
        let bytes = try read(start, length)
        guard bytes.count == length else { throw FormatError(".npy header is truncated") }
        // Version 1 and 2 headers are latin-1; 3 is UTF-8. Only ASCII is meaningful in a valid one.
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FormatError(".npy header is not text") }
        var header = try parse(text)
        header.version = major
        return (header, start + length)
    }

    /// Parses `{'descr': '<u2', 'fortran_order': False, 'shape': (3, 4), }`.
    static func parse(_ text: String) throws -> Header {
        var scanner = DictScanner(Array(text.utf8))
        let dict = try scanner.dict()
        func bad(_ why: String) -> FormatError { FormatError(".npy header: \(why)") }
        let unknown = dict.keys.filter { !["descr", "fortran_order", "shape"].contains($0) }.sorted()
        guard unknown.isEmpty else { throw bad("unexpected key '\(unknown[0])'") }
        let descr: String
        switch dict["descr"] {
        case .string(let s)?: descr = s
        case .list?: throw bad("structured dtypes (a 'descr' list of fields) are not supported")
        case nil: throw bad("no 'descr'")
        default: throw bad("'descr' is not a type string")
        }
        if descr.dropFirst(descr.first.map { "<>|=".contains($0) } == true ? 1 : 0).first == "O" {
            throw bad("object dtype '\(descr)' (pickled Python objects) is not supported")
        }
        let (dataType, big) = try DataType.parseNumPy(descr)
        guard case .bool(let fortran)? = dict["fortran_order"] else {
            throw bad("'fortran_order' is missing or not True/False")
        }
        guard case .tuple(let shape)? = dict["shape"] else {
            throw bad("'shape' is missing or not a tuple of integers")
        }
        // A 0-D or 1-D array is laid out the same in either order.
        return Header(
            version: 1, descr: descr, dataType: dataType, bigEndian: big, fortranOrder: fortran && shape.count >= 2,
            shape: shape)
    }

    /// A value in the header dict.
    enum Value: Equatable {
        case string(String), bool(Bool), tuple([Int]), list
    }

    /// The tiny Python literal grammar a `.npy` header uses: a dict of string
    /// keys to strings, `True`/`False`, tuples of non-negative integers; a
    /// list (structured dtypes) is recognised and skipped, not interpreted.
    struct DictScanner {
        let s: [UInt8]
        var i = 0
        init(_ s: [UInt8]) { self.s = s }

        func fail(_ what: String) -> FormatError {
            FormatError(".npy header is not a valid dict (\(what) at byte \(i))")
        }

        mutating func skipSpace() { while i < s.count, [0x20, 0x0A, 0x0D, 0x09].contains(s[i]) { i += 1 } }

        mutating func expect(_ c: UInt8) throws {
            skipSpace()
            guard i < s.count, s[i] == c else { throw fail("expected '\(Character(UnicodeScalar(c)))'") }
            i += 1
        }

        mutating func peek() -> UInt8? {
            skipSpace()
            return i < s.count ? s[i] : nil
        }

        mutating func dict() throws -> [String: Value] {
            try expect(UInt8(ascii: "{"))
            var out: [String: Value] = [:]
            while peek() != UInt8(ascii: "}") {
                let key = try string()
                try expect(UInt8(ascii: ":"))
                guard out[key] == nil else { throw fail("key '\(key)' repeated") }
                out[key] = try value()
                if peek() == UInt8(ascii: ",") { i += 1 } else { break }
            }
            try expect(UInt8(ascii: "}"))
            skipSpace()
            guard i == s.count else { throw fail("text after the dict") }
            return out
        }

        mutating func string() throws -> String {
            guard let q = peek(), q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") else {
                throw fail("expected a string")
            }
            i += 1
            let begin = i
            while i < s.count, s[i] != q {
                guard s[i] != UInt8(ascii: "\\") else { throw fail("escapes are not supported") }
                i += 1
            }
            guard i < s.count else { throw fail("unterminated string") }
            defer { i += 1 }
            return String(decoding: s[begin..<i], as: UTF8.self)
        }

        mutating func value() throws -> Value {
            switch peek() {
            case UInt8(ascii: "'")?, UInt8(ascii: "\"")?: return .string(try string())
            case UInt8(ascii: "(")?: return .tuple(try tuple())
            case UInt8(ascii: "[")?:
                try skipList()
                return .list
            default:
                if word("True") { return .bool(true) }
                if word("False") { return .bool(false) }
                throw fail("expected a string, True, False or a tuple")
            }
        }

        mutating func word(_ w: String) -> Bool {
            let b = Array(w.utf8)
            guard i + b.count <= s.count, Array(s[i..<(i + b.count)]) == b else { return false }
            i += b.count
            return true
        }

        mutating func tuple() throws -> [Int] {
            try expect(UInt8(ascii: "("))
            var out: [Int] = []
            while let c = peek(), c != UInt8(ascii: ")") {
                let begin = i
                while i < s.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(s[i]) { i += 1 }
                // Python 2 writers put an `L` after long integers.
                let digits = String(decoding: s[begin..<i], as: UTF8.self)
                if i < s.count, s[i] == UInt8(ascii: "L") { i += 1 }
                guard !digits.isEmpty else { throw fail("expected a non-negative integer") }
                guard digits.count <= 18, let n = Int(digits) else {
                    throw fail("integer \(digits.prefix(24)) is too large")
                }
                out.append(n)
                if peek() == UInt8(ascii: ",") { i += 1 } else { break }
            }
            try expect(UInt8(ascii: ")"))
            return out
        }

        /// Skips a bracketed list (nested brackets and strings), bounded by the header's length.
        mutating func skipList() throws {
            var depth = 0
            while i < s.count {
                switch s[i] {
                case UInt8(ascii: "["), UInt8(ascii: "("): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: ")"): depth -= 1
                case UInt8(ascii: "'"), UInt8(ascii: "\""):
                    _ = try string()
                    continue
                default: break
                }
                i += 1
                if depth == 0 { return }
            }
            throw fail("unterminated list")
        }
    }

    static func tuple(_ a: [Int]) -> String {
        a.count == 1 ? "(\(a[0]),)" : "(" + a.map(String.init).joined(separator: ", ") + ")"
    }
}
