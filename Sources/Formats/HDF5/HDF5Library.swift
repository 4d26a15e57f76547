#if canImport(Glibc)
import Glibc
#endif
import CHDF5
import Synchronization

/// The one process-wide lock every libhdf5 call is made under, and HDF5's errors as one-line
/// Swift errors. (Debian 12's serial libhdf5 is built thread-safe, but other builds are not,
/// and its thread safety is one global lock anyway; in a thread-safe build the error stack
/// and its printing are per thread, so printing is turned off on each call.)
enum HDF5Library {
    private static let lock = Mutex<Bool>(false)

    /// Runs `body` holding the lock, with HDF5's own error printing off on this thread.
    static func locked<T>(_ body: () throws -> T) throws -> T {
        try lock.withLock { (ready: inout Bool) throws -> T in
            if !ready {
                _ = H5open()
                ready = true
            }
            vstack_h5_silence()
            return try body()
        }
    }

    /// `locked` for work that cannot fail (closing handles in deinit).
    static func lockedQuietly(_ body: () -> Void) {
        _ = try? locked { body() }
    }

    /// HDF5's innermost message for the last failure (clearing the error stack), or "".
    static func lastError() -> String {
        var buf = [CChar](repeating: 0, count: 512)
        vstack_h5_last_error(&buf)
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A failure of `what`, with HDF5's reason when it gave one.
    static func failure(_ what: String) -> FormatError {
        let why = lastError()
        return FormatError(why.isEmpty ? what : "\(what) (\(why))")
    }

    /// The id, or a FormatError naming `what` when it is negative.
    @discardableResult
    static func check(_ id: Int64, _ what: @autoclosure () -> String) throws -> Int64 {
        guard id >= 0 else { throw failure(what()) }
        return id
    }

    static func check(_ status: Int32, _ what: @autoclosure () -> String) throws {
        guard status >= 0 else { throw failure(what()) }
    }

    /// The file name extensions of HDF5 files.
    static let extensions = [".h5", ".hdf5", ".he5"]

    static func hasHDF5Name(_ name: Substring) -> Bool {
        let lower = name.lowercased()
        return extensions.contains { lower.hasSuffix($0) }
    }

    /// The signature `\x89HDF\r\n\x1a\n` at the start of a file (at offset 0; HDF5 also allows
    /// 512, 1024, … after a user block, which libhdf5 finds when the name says HDF5).
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    static func hasSignature(_ head: [UInt8]) -> Bool { head.count >= 8 && Array(head.prefix(8)) == signature }

    /// `FILE.h5/group/dataset` split at the first component that names an HDF5 file (by its
    /// extension) and is a regular file: (file, dataset path inside, "" for none). nil when no
    /// component does.
    static func split(_ location: String) -> (file: String, dataset: String)? {
        let parts = location.split(separator: "/", omittingEmptySubsequences: false)
        var prefix = ""
        for (i, part) in parts.enumerated() {
            prefix += (i == 0 ? "" : "/") + part
            guard hasHDF5Name(part), isRegularFile(prefix) else { continue }
            let rest = parts[(i + 1)...].filter { !$0.isEmpty }.joined(separator: "/")
            return (prefix, rest)
        }
        return nil
    }

    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }
}
