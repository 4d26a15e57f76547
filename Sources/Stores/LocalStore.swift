#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Threads

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

    /// Local reads are short and finish: `cancellation` is not looked at.
    public func get(_ key: String, cancellation _: JobToken?) throws -> [UInt8]? {
        guard let path = path(for: key) else { throw StoreError.keyOutsideStore(key: key) }
        let bytes = try LocalStore.read(path: path, range: nil)
        counter.add(bytes?.count ?? 0)
        return bytes
    }

    public func get(
        _ key: String, atMost limit: Int, limitName: String, cancellation _: JobToken?
    ) throws -> [UInt8]? {
        guard let path = path(for: key) else { throw StoreError.keyOutsideStore(key: key) }
        let bytes = try LocalStore.read(path: path, range: nil, limit: (limit, limitName))
        counter.add(bytes?.count ?? 0)
        return bytes
    }

    public func get(_ key: String, range: ByteRange, cancellation _: JobToken?) throws -> [UInt8]? {
        guard let path = path(for: key) else { throw StoreError.keyOutsideStore(key: key) }
        let bytes = try LocalStore.read(path: path, range: range)
        counter.add(bytes?.count ?? 0)
        return bytes
    }

    public func size(_ key: String) throws -> Int? {
        guard let path = path(for: key) else { throw StoreError.keyOutsideStore(key: key) }
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    /// Any non-directory counts (a FIFO `.zarray` is then refused when read, by name).
    public func contains(_ key: String) throws -> Bool {
        guard let path = path(for: key) else { return false }
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFDIR
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

    /// Why `path` cannot be looked at (`no such file or directory`, `too many
    /// levels of symbolic links`, `permission denied`), nil when it can.
    public static func unreachableReason(_ path: String) -> String? {
        var st = stat()
        if stat(path, &st) == 0 { return nil }
        return reason(errno)
    }

    /// strerror in the lower case of vstack's messages.
    static func reason(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    /// What a non-regular, non-directory file is called in messages.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        default: "not a regular file"
        }
    }

    /// Opens a data file read-only without blocking (a FIFO would block `open`
    /// until a writer appears) and refuses anything but a regular file or,
    /// when `directories` is set, a directory. Returns the descriptor and its
    /// stat, or nil for a missing path (ENOENT, ENOTDIR).
    public static func openRegular(_ path: String, directories: Bool = false) throws -> (Int32, stat)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            let e = errno
            if e == ENOENT || e == ENOTDIR { return nil }
            throw StoreError.cannotOpen(path: path, reason: reason(e))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let message = reason(errno)
            close(fd)
            throw StoreError.cannotStat(path: path, reason: message)
        }
        let type = st.st_mode & S_IFMT
        guard type == S_IFREG || (directories && type == S_IFDIR) else {
            close(fd)
            throw StoreError.notRegularFile(path: path, kind: kind(st.st_mode))
        }
        return (fd, st)
    }

    /// The first `count` bytes of a file (fewer when it is shorter).
    public static func readPrefix(_ path: String, count: Int) throws -> [UInt8] {
        guard let bytes = try read(path: path, range: .upTo(offset: 0, length: count)) else {
            throw StoreError.cannotOpen(path: path, reason: "no such file or directory")
        }
        return bytes
    }

    /// Reads a whole file (of at most `limit.bytes`, checked with fstat before
    /// anything is allocated) or a range of it with pread; nil when it does not exist.
    static func read(path: String, range: ByteRange?, limit: (bytes: Int, name: String)? = nil) throws -> [UInt8]? {
        guard let (fd, st) = try openRegular(path, directories: true) else { return nil }
        defer { close(fd) }
        if (st.st_mode & S_IFMT) == S_IFDIR { return nil }
        let size = Int(st.st_size)
        let (offset, length): (Int, Int)
        switch range {
        case nil:
            if let limit, size > limit.bytes { throw StoreError.tooLarge(path, size: size, limitName: limit.name) }
            (offset, length) = (0, size)
        case let .slice(o, l)?:
            let (end, overflow) = o.addingReportingOverflow(l)
            guard o >= 0, l >= 0, !overflow, end <= size else {
                let upper = overflow ? "(beyond 2^63)" : "\(end)"
                throw StoreError.badRange(path: path, problem: "range \(o)..<\(upper) outside the file (\(size) bytes)")
            }
            (offset, length) = (o, l)
        case let .upTo(o, l)?:
            guard o >= 0, l >= 0 else {
                throw StoreError.badRange(path: path, problem: "range of \(l) bytes at \(o) is negative")
            }
            (offset, length) = (min(o, size), max(0, min(l, size - o)))
        case let .suffix(l)?:
            guard l >= 0, l <= size else {
                throw StoreError.badRange(path: path, problem: "file shorter (\(size) bytes) than \(l)")
            }
            (offset, length) = (size - l, l)
        }
        // Read into uninitialised memory (no zero fill first); only what was read is kept.
        var done = 0
        let out = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            done = readFully(fd, into: UnsafeMutableRawBufferPointer(buffer), at: UInt64(offset))
            count = max(0, done)
        }
        guard done >= 0 else { throw StoreError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
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
