#if canImport(Glibc)
import Glibc
#endif
import Threads
import CTiff
import Stores
import Synchronization

/// One TIFF file opened read-only: a file descriptor, the lazily indexed
/// chain of page (IFD) offsets, and a pool of libtiff handles so several
/// threads can decode pages at once (a libtiff handle is single-threaded).
///
/// All reads go through `pread` on the one descriptor and are counted, so
/// "showing page 500 reads about one page" can be measured. Nothing is mapped
/// and nothing is ever written.
///
/// Thread contract: `chain` and `pool` are `Mutex`es, the rest is immutable; a `TiffHandle`
/// is used by one thread at a time (taken from `pool` and given back).
final class TiffFile: @unchecked Sendable {
    let path: String
    let bytes: TiffBytes
    var size: UInt64 { bytes.size }
    let header: TiffHeader
    let counter: ByteCounter
    private let chain: Mutex<TiffPageChain>
    private let pool = Mutex<[TiffHandle]>([])
    /// Idle handles kept for reuse (a tiled page is read tile by tile).
    static let idleHandles = 4

    init(path: String, counter: ByteCounter = ByteCounter()) throws {
        self.path = path
        self.counter = counter
        // Non-blocking, and only a regular file: a FIFO named .tif would block open and read forever.
        guard let (fd, st) = try LocalStore.openRegular(path) else {
            throw FormatError.missing("cannot open: no such file or directory")
        }
        bytes = TiffBytes(file: fd, size: UInt64(st.st_size))
        do {
            header = try TiffHeader(
                read: { [bytes] in try Self.read(bytes, counter, offset: $0, count: $1) }, fileSize: bytes.size)
        } catch {
            bytes.close()
            throw error
        }
        chain = Mutex(TiffPageChain(first: header.firstIFD))
    }

    /// A TIFF that is a value of a remote store (`https://…/stack.tif`): read by ranges.
    init(store: Store, key: String, location: String, counter: ByteCounter = ByteCounter()) throws {
        self.path = location
        self.counter = counter
        guard let size = try store.size(key) else {
            throw FormatError.missing("cannot open: no such file on the server")
        }
        bytes = TiffBytes(store: store, key: key, size: UInt64(size))
        header = try TiffHeader(
            read: { [bytes] in try Self.read(bytes, counter, offset: $0, count: $1) }, fileSize: bytes.size)
        chain = Mutex(TiffPageChain(first: header.firstIFD))
    }

    deinit {
        pool.withLock { handles in handles.removeAll() }
        bytes.close()
    }

    /// Reads `count` bytes at `offset`; fewer only at the end of the file.
    func read(offset: UInt64, count: Int) throws -> [UInt8] {
        try Self.read(bytes, counter, offset: offset, count: count)
    }

    static func read(_ bytes: TiffBytes, _ counter: ByteCounter, offset: UInt64, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let done = try out.withUnsafeMutableBytes { try bytes.read(into: $0, at: offset, cancellation: nil) }
        counter.add(done)
        if done < count { out.removeLast(count - done) }
        return out
    }

    // MARK: pages

    /// The IFD offset of page `k`, walking the chain only as far as needed
    /// (once: the offsets found are kept).
    func pageOffset(_ k: Int) throws -> UInt64 {
        try chain.withLock { c in
            while c.offsets.count <= k, !c.complete { try c.step(self) }
            guard k < c.offsets.count else {
                throw FormatError.corruptData(
                    "no such page: the file has \(c.offsets.count) page\(c.offsets.count == 1 ? "" : "s") (truncated?)")
            }
            return c.offsets[k]
        }
    }

    /// The number of pages (walks the whole chain the first time).
    func pageCount() throws -> Int {
        try chain.withLock { c in
            while !c.complete { try c.step(self) }
            return c.offsets.count
        }
    }

    // MARK: handles

    /// Runs `body` with a libtiff handle on page `k` that no other thread is using.
    func withHandle<T>(page k: Int, _ body: (TiffHandle) throws -> T) throws -> T {
        try withHandle(directory: try pageOffset(k), body)
    }

    /// Runs `body` with a libtiff handle on the directory at byte `offset` (a page or one of its SubIFDs);
    /// the handle's remote reads are given up once `cancellation` is cancelled.
    func withHandle<T>(
        directory offset: UInt64, cancellation: JobToken? = nil, _ body: (TiffHandle) throws -> T
    ) throws -> T {
        guard offset > 0, offset < size else {
            throw FormatError.corruptData(
                "corrupt TIFF: a directory offset (\(offset)) lies outside the \(size)-byte file")
        }
        let reused = pool.withLock { idle in idle.firstIndex { $0.page == offset }.map { idle.remove(at: $0) } }
        let handle = try reused ?? TiffHandle(file: self, page: offset, cancellation: cancellation)
        handle.cancellation = cancellation
        defer {
            handle.cancellation = nil
            pool.withLock { idle in
                idle.append(handle)
                if idle.count > Self.idleHandles { idle.removeFirst() }
            }
        }
        return try body(handle)
    }
}

/// The 8- or 16-byte header: byte order, classic or BigTIFF, first IFD.
struct TiffHeader: Sendable {
    let littleEndian: Bool
    let bigTiff: Bool
    let firstIFD: UInt64

    init(read: (UInt64, Int) throws -> [UInt8], fileSize: UInt64) throws {
        let b = try read(0, 16)
        guard b.count >= 8 else { throw FormatError.corruptData("not a TIFF file (\(b.count) bytes)") }
        switch (b[0], b[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: throw FormatError.corruptData("not a TIFF file (no II or MM byte-order mark)")
        }
        let version = TiffHeader.integer(b, 2, 2, littleEndian)
        switch version {
        case 42:
            bigTiff = false
            firstIFD = TiffHeader.integer(b, 4, 4, littleEndian)
        case 43:
            guard b.count >= 16 else { throw FormatError.corruptData("truncated BigTIFF header") }
            bigTiff = true
            firstIFD = TiffHeader.integer(b, 8, 8, littleEndian)
        default:
            throw FormatError.corruptData("not a TIFF file (version \(version), expected 42 or 43)")
        }
        guard firstIFD > 0, firstIFD < fileSize else {
            throw FormatError.corruptData(
                "truncated or corrupt TIFF: the first page's directory is at byte \(firstIFD) of a \(fileSize)-byte file"
            )
        }
    }

    /// The header bytes with the first-IFD pointer set to `offset`.
    func pointing(to offset: UInt64) -> [UInt8] {
        var b: [UInt8] = littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]
        func put(_ v: UInt64, _ width: Int) {
            for i in 0..<width {
                let shift = UInt64(8 * (littleEndian ? i : width - 1 - i))
                b.append(UInt8(truncatingIfNeeded: v >> shift))
            }
        }
        if bigTiff {
            put(43, 2)
            put(8, 2)
            put(0, 2)
            put(offset, 8)
        } else {
            put(42, 2)
            put(offset, 4)
        }
        return b
    }

    static func integer(_ b: [UInt8], _ at: Int, _ width: Int, _ little: Bool) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<width {
            let byte = UInt64(b[at + (little ? width - 1 - i : i)])
            v = v << 8 | byte
        }
        return v
    }
}

/// The page offsets found so far. A step reads only an IFD's entry count and
/// its next-IFD pointer (two reads of a few bytes: reading whole directories
/// would cost more bytes than a small page), never the tags.
struct TiffPageChain {
    var offsets: [UInt64] = []
    var next: UInt64
    var complete = false
    private var seen = Set<UInt64>()

    init(first: UInt64) { next = first }

    mutating func step(_ file: TiffFile) throws {
        guard next != 0 else {
            complete = true
            return
        }
        guard next < file.size, !seen.contains(next) else {
            complete = true
            if offsets.isEmpty {
                throw FormatError.corruptData("corrupt TIFF: the page directory chain points outside the file")
            }
            return  // a loop or a dangling pointer ends the chain, as in libtiff
        }
        let h = file.header
        let countWidth = h.bigTiff ? 8 : 2, entryWidth = h.bigTiff ? 20 : 12, nextWidth = h.bigTiff ? 8 : 4
        let countBytes = try file.read(offset: next, count: countWidth)
        guard countBytes.count == countWidth else { throw truncated(file) }
        let n = TiffHeader.integer(countBytes, 0, countWidth, h.littleEndian)
        // n comes from the file (up to 2^64 in a BigTIFF): the arithmetic is checked.
        let (entries, overflow) = n.multipliedReportingOverflow(by: UInt64(entryWidth))
        guard n > 0, !overflow, entries < file.size,
            next + UInt64(countWidth) + entries + UInt64(nextWidth) <= file.size
        else {
            throw truncated(file)
        }
        let nextAt = next + UInt64(countWidth) + entries
        let nextBytes = try file.read(offset: nextAt, count: nextWidth)
        seen.insert(next)
        offsets.append(next)
        next = TiffHeader.integer(nextBytes, 0, nextWidth, h.littleEndian)
    }

    private func truncated(_ file: TiffFile) -> FormatError {
        FormatError.corruptData(
            "truncated or corrupt TIFF: page \(offsets.count)'s directory at byte \(next) runs past the end of the \(file.size)-byte file"
        )
    }
}
