#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files below a root directory. Read-only: files are opened `O_RDONLY` and
/// nothing is ever written. Keys are resolved under the root and may not
/// escape it (`..` and absolute keys are rejected).
public struct LocalStore: Store {
    public let root: String
    public var location: String { root }
    private let counter = ByteCounter()
    public var bytesRead: Int { counter.total }

    public init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    /// The file path for a key, or nil when the key would leave the root.
    public func path(for key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: true)
        if key.hasPrefix("/") || parts.contains(where: { $0 == ".." || $0 == "." }) { return nil }
        if parts.isEmpty { return root }
        return root + "/" + parts.joined(separator: "/")
    }

    public func get(_ key: String) throws -> [UInt8]? {
        guard let path = path(for: key) else { throw StoreError("key '\(key)' leaves the store") }
        let bytes = try LocalStore.read(path: path, range: nil)
        counter.add(bytes?.count ?? 0)
        return bytes
    }

    public func get(_ key: String, range: ByteRange) throws -> [UInt8]? {
        guard let path = path(for: key) else { throw StoreError("key '\(key)' leaves the store") }
        let bytes = try LocalStore.read(path: path, range: range)
        counter.add(bytes?.count ?? 0)
        return bytes
    }

    public func contains(_ key: String) throws -> Bool {
        guard let path = path(for: key) else { return false }
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    public func list(_ prefix: String) throws -> [String] {
        guard let path = path(for: prefix), let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Whether a directory exists at the path.
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// The first `count` bytes of a file (fewer when it is shorter).
    public static func readPrefix(_ path: String, count: Int) throws -> [UInt8] {
        var st = stat()
        guard stat(path, &st) == 0 else { throw StoreError("cannot open \(path): \(String(cString: strerror(errno)))") }
        return try read(path: path, range: .slice(offset: 0, length: min(count, Int(st.st_size)))) ?? []
    }

    /// Reads a whole file or a range of it with pread; nil when it does not exist.
    static func read(path: String, range: ByteRange?) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            if e == ENOENT || e == ENOTDIR { return nil }
            throw StoreError("cannot open \(path): \(String(cString: strerror(e)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw StoreError("cannot stat \(path): \(String(cString: strerror(errno)))") }
        if (st.st_mode & S_IFMT) == S_IFDIR { return nil }
        let size = Int(st.st_size)
        let (offset, length): (Int, Int)
        switch range {
        case nil: (offset, length) = (0, size)
        case let .slice(o, l):
            guard o >= 0, l >= 0, o + l <= size else {
                throw StoreError("\(path): range \(o)..<\(o + l) outside the file (\(size) bytes)")
            }
            (offset, length) = (o, l)
        case let .upTo(o, l):
            guard o >= 0, l >= 0 else { throw StoreError("\(path): range \(o)..<\(o + l) is negative") }
            (offset, length) = (min(o, size), max(0, min(l, size - o)))
        case let .suffix(l):
            guard l <= size else { throw StoreError("\(path): file shorter (\(size) bytes) than \(l)") }
            (offset, length) = (size - l, l)
        }
        var out = [UInt8](repeating: 0, count: length)
        let done = out.withUnsafeMutableBytes { readFully(fd, into: $0, at: UInt64(offset)) }
        guard done >= 0 else { throw StoreError("cannot read \(path): \(String(cString: strerror(errno)))") }
        if done < length { out.removeLast(length - done) }
        return out
    }
}

/// `pread` until the buffer is full or the end of the file, retrying on EINTR.
/// Returns the bytes read (fewer only at the end of the file), or -1 with
/// `errno` set. The one read loop of every file reader (stores, TIFF).
public func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) -> Int {
    guard let base = buffer.baseAddress else { return 0 }
    let count = buffer.count
    var done = 0
    while done < count {
        let n = pread(fd, base + done, count - done, off_t(offset) + off_t(done))
        if n < 0 {
            if errno == EINTR { continue }
            return -1
        }
        if n == 0 { break }
        done += n
    }
    return done
}
