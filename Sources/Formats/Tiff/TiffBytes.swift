#if canImport(Glibc)
import Glibc
#endif
import Threads
import Stores
import LRUModule
import Synchronization

/// Where a TIFF's bytes come from: a local file read with `pread`, or a value of a
/// remote store read with range requests through a cache of aligned blocks (libtiff
/// asks for a directory entry, a tag's values, a strip: many small reads close to
/// each other, which the blocks turn into a few requests).
final class TiffBytes: Sendable {
    /// Thread contract: a descriptor read only with `pread`, or a `Store`; both may be shared.
    enum Source: @unchecked Sendable {
        case file(Int32)
        case remote(Store, key: String)
    }

    let source: Source
    let size: UInt64
    /// Remote blocks by index, least recently used first out.
    private let blocks = Mutex(ByteBudgetLRU<Int, [UInt8]>(budget: TiffBytes.maxBlocks * TiffBytes.blockSize))
    static let blockSize = 256 << 10
    /// Blocks kept per remote file (16 MiB).
    static let maxBlocks = 64

    init(file fd: Int32, size: UInt64) { (source, self.size) = (.file(fd), size) }

    /// A remote value of `size` bytes (from a HEAD request).
    init(store: Store, key: String, size: UInt64) { (source, self.size) = (.remote(store, key: key), size) }

    /// Reads up to `buffer.count` bytes at `offset` (fewer only at the end); throws on an I/O error.
    /// A remote read's requests are given up once `cancellation` is cancelled.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, cancellation: JobToken?) throws -> Int {
        switch source {
        case .file(let fd):
            let n = readFully(fd, into: buffer, at: offset)
            guard n >= 0 else { throw FormatError.io("read failed: \(String(cString: strerror(errno)))") }
            return n
        case .remote(let store, let key):
            guard offset < size else { return 0 }
            let end = min(size, offset + UInt64(buffer.count))
            let first = Int(offset / UInt64(Self.blockSize)), last = Int((end - 1) / UInt64(Self.blockSize))
            // Missing blocks of the span, fetched as runs of neighbours (one request a run).
            var have: [Int: [UInt8]] = blocks.withLock { c in
                Dictionary(uniqueKeysWithValues: (first...last).compactMap { i in c.value(for: i).map { (i, $0) } })
            }
            var i = first
            while i <= last {
                guard have[i] == nil else {
                    i += 1
                    continue
                }
                var j = i
                while j < last && have[j + 1] == nil { j += 1 }
                let from = i * Self.blockSize
                let length = Int(min(size, UInt64((j + 1) * Self.blockSize))) - from
                guard
                    let bytes = try store.get(
                        key, range: .slice(offset: from, length: length), cancellation: cancellation)
                else {
                    throw FormatError.missing("\(key) is gone from the server")
                }
                blocks.withLock { c in
                    for b in i...j {
                        let lo = (b - i) * Self.blockSize
                        let block = Array(bytes[lo..<min(bytes.count, lo + Self.blockSize)])
                        have[b] = block
                        c.insert(block, cost: block.count, for: b)
                    }
                }
                i = j + 1
            }
            var done = 0
            for b in first...last {
                let block = have[b]!
                let blockStart = UInt64(b * Self.blockSize)
                let lo = Int(max(offset, blockStart) - blockStart)
                let hi = Int(min(end, blockStart + UInt64(block.count)) - blockStart)
                guard hi > lo else { continue }
                block.withUnsafeBytes { src in
                    UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + hi - lo)]).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: src[lo..<hi]))
                }
                done += hi - lo
            }
            return done
        }
    }

    func close() {
        if case .file(let fd) = source { Glibc.close(fd) }
    }
}
