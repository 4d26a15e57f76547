import Synchronization
import Threads

/// A read-only key → bytes mapping: the bottom of the data path.
/// Keys are `/`-separated relative paths (`0/c/1/2`). A missing key is `nil`,
/// not an error: in Zarr a missing chunk means "fill value".
///
/// The reads of chunk data take the `cancellation` of the job they run for (nil: nobody gives
/// them up): a remote store aborts its transfer once the token is cancelled and throws
/// `StoreError.cancelled`; a local store does not look at it.
public protocol Store: Sendable {
    /// Where the store lives (a path or URL), for messages.
    var location: String { get }
    /// The whole value, or nil when the key does not exist.
    func get(_ key: String, cancellation: JobToken?) throws -> [UInt8]?
    /// The whole value when it has at most `limit` bytes (checked before it is
    /// read), else a StoreError naming its size and `limitName`
    /// ("the 64 MiB metadata may have"); nil when the key does not exist.
    func get(_ key: String, atMost limit: Int, limitName: String, cancellation: JobToken?) throws -> [UInt8]?
    /// Part of a value, or nil when the key does not exist.
    func get(_ key: String, range: ByteRange, cancellation: JobToken?) throws -> [UInt8]?
    /// Whether the key exists.
    func contains(_ key: String) throws -> Bool
    /// Immediate children (keys and "directories") below a prefix, sorted; for messages such as
    /// listing the arrays of a group. Stores that cannot list return [].
    func list(_ prefix: String) throws -> [String]
    /// Bytes read from storage so far (for statistics).
    var bytesRead: Int { get }
    /// Whether reads wait on a network (HTTP, S3) rather than a disk: loads of such a
    /// store run many at once, and their decoding is limited to one per core.
    var isRemote: Bool { get }
    /// The size of a value in bytes, nil when the key does not exist (a remote store asks with HEAD).
    func size(_ key: String) throws -> Int?
    /// Fetches these small metadata keys ahead, all at once, so the reads that follow
    /// do not wait one after the other (a remote store; others do nothing).
    func prefetchMetadata(_ keys: [String])
}

/// A byte range within one value.
public enum ByteRange: Sendable, Equatable {
    /// `length` bytes from `offset`.
    case slice(offset: Int, length: Int)
    /// The last `length` bytes (a shard index at the end of a shard).
    case suffix(length: Int)
    /// Up to `length` bytes from `offset`: fewer at the end of the value (a stream read in pieces).
    case upTo(offset: Int, length: Int)
}

/// What went wrong reading a store, by kind, so that callers can tell a refused
/// key from an I/O failure from a value too large or too short without
/// matching strings; `description` is the one-line message.
public enum StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The key would leave the store's root (`..`, an absolute key).
    case keyOutsideStore(key: String)
    /// open(2) or fstat(2) failed (permission, a symlink loop, …), or the path is gone.
    case cannotOpen(path: String, reason: String)
    case cannotStat(path: String, reason: String)
    /// A FIFO, socket or device where a file was expected.
    case notRegularFile(path: String, kind: String)
    /// A value larger than what its reader may hold; it is not read.
    case tooLarge(what: String, size: Int, limit: String)
    /// A byte range the value cannot serve (outside it, negative, longer than it).
    case badRange(path: String, problem: String)
    /// read(2) failed.
    case cannotRead(path: String, reason: String)
    /// A remote server refused the request (401, 403); `credentials` says what was tried.
    case refused(url: String, status: Int, credentials: String)
    /// A remote server answered with an error status other than 404 (after the retries, for 5xx).
    case httpStatus(url: String, status: Int, tries: Int)
    /// A request failed in transfer (connect, reset, cut body, timeout) after the retries.
    case transferFailed(url: String, reason: String, tries: Int)
    /// A remote answer that cannot be what was asked (a short range, a body of the wrong length).
    case badAnswer(url: String, problem: String)
    /// The request was abandoned because nothing wants its data any more.
    case cancelled(url: String)
    /// An `s3://` location that names no bucket and key vstack can ask for.
    case badS3Location(location: String, problem: S3Location.Problem)
    /// An S3 listing (ListObjectsV2) whose XML is not what S3 answers.
    case badS3Listing(url: String, problem: S3ListResult.Problem)

    public var description: String {
        switch self {
        case let .keyOutsideStore(key): "key '\(key)' leaves the store"
        case let .cannotOpen(path, reason): "cannot open \(path): \(reason)"
        case let .cannotStat(path, reason): "cannot stat \(path): \(reason)"
        case let .notRegularFile(path, kind): "\(path) is \(kind), not a regular file"
        case let .tooLarge(what, size, limit): "\(what) is \(size) bytes, more than \(limit); it is not read"
        case let .badRange(path, problem): "\(path): \(problem)"
        case let .cannotRead(path, reason): "cannot read \(path): \(reason)"
        case let .refused(url, status, credentials):
            "\(url): HTTP \(status) \(status == 401 ? "unauthorized" : "forbidden") (\(credentials))"
        case let .httpStatus(url, status, tries): "\(url): HTTP \(status)\(tries > 1 ? " after \(tries) tries" : "")"
        case let .transferFailed(url, reason, tries): "\(url): \(reason)\(tries > 1 ? " (\(tries) tries)" : "")"
        case let .badAnswer(url, problem): "\(url): \(problem)"
        case let .cancelled(url): "\(url): cancelled (no longer needed)"
        case let .badS3Location(location, problem): "cannot open \(location): \(problem)"
        case let .badS3Listing(url, problem): "\(url): \(problem)"
        }
    }

    /// The same error with `url` called `name` (a key, where the dataset's URL is said already).
    func renaming(_ url: String, as name: String) -> StoreError {
        func r(_ s: String) -> String { s == url ? name : s }
        switch self {
        case let .refused(u, status, credentials): return .refused(url: r(u), status: status, credentials: credentials)
        case let .httpStatus(u, status, tries): return .httpStatus(url: r(u), status: status, tries: tries)
        case let .transferFailed(u, reason, tries): return .transferFailed(url: r(u), reason: reason, tries: tries)
        case let .badAnswer(u, problem): return .badAnswer(url: r(u), problem: problem)
        case let .cancelled(u): return .cancelled(url: r(u))
        case let .badS3Listing(u, problem): return .badS3Listing(url: r(u), problem: problem)
        case let .badRange(u, problem): return .badRange(path: r(u), problem: problem)
        case let .tooLarge(what, size, limit): return .tooLarge(what: r(what), size: size, limit: limit)
        default: return self
        }
    }

    static func tooLarge(_ what: String, size: Int, limitName: String) -> StoreError {
        .tooLarge(what: what, size: size, limit: limitName)
    }
}

extension Store {
    /// The whole value, read for no job (not cancellable).
    public func get(_ key: String) throws -> [UInt8]? { try get(key, cancellation: nil) }
    /// The whole value when it has at most `limit` bytes, read for no job (not cancellable).
    public func get(_ key: String, atMost limit: Int, limitName: String) throws -> [UInt8]? {
        try get(key, atMost: limit, limitName: limitName, cancellation: nil)
    }
    /// Part of a value, read for no job (not cancellable).
    public func get(_ key: String, range: ByteRange) throws -> [UInt8]? {
        try get(key, range: range, cancellation: nil)
    }

    /// Stores that cannot tell a size before reading check it after.
    public func get(
        _ key: String, atMost limit: Int, limitName: String, cancellation: JobToken?
    ) throws -> [UInt8]? {
        guard let bytes = try get(key, cancellation: cancellation) else { return nil }
        guard bytes.count <= limit else { throw StoreError.tooLarge(key, size: bytes.count, limitName: limitName) }
        return bytes
    }

    public func contains(_ key: String) throws -> Bool { try get(key) != nil }
    public func list(_ prefix: String) throws -> [String] { [] }
    public var bytesRead: Int { 0 }
    public var isRemote: Bool { false }
    public func prefetchMetadata(_ keys: [String]) {}
    public func size(_ key: String) throws -> Int? { try get(key)?.count }
}

/// A byte count shared by the threads reading one store.
public final class ByteCounter: Sendable {
    private let value = Atomic<Int>(0)
    public init() {}
    public func add(_ n: Int) { value.add(n, ordering: .relaxed) }
    public var total: Int { value.load(ordering: .relaxed) }
}

/// Joins key segments with `/`, dropping empty ones.
public func joinKey(_ parts: String...) -> String {
    parts.flatMap { $0.split(separator: "/").map(String.init) }.joined(separator: "/")
}
