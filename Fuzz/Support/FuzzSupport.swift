// What the fuzz targets share: an in-memory store, a scratch directory, and
// the size bound under which an opened array's first chunk is decoded too.
#if canImport(Glibc)
import Glibc
#endif
import CFuzzer
import Stores
import Threads

/// Runs libFuzzer's driver (its flags and inputs in argv) over `body`. SwiftPM
/// links an executable's entry point as `<module>_main` in place of `main`,
/// so each target's entry point calls this instead of libFuzzer's own main.
public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, body)
}

/// A store whose metadata key holds the fuzz input's metadata part and whose
/// every other key (chunk, shard) holds the payload part, so a chunk read goes
/// through the real codec chain whatever key layout the metadata chose.
public struct PayloadStore: Store {
    public let metadataKey: String
    public let metadata: [UInt8]
    public let payload: [UInt8]?
    public var location: String { "fuzz:" }

    public init(metadataKey: String, input: [UInt8]) {
        self.metadataKey = metadataKey
        (metadata, payload) = splitInput(input)
    }

    public func get(_ key: String, cancellation _: JobToken?) throws -> [UInt8]? {
        if key == metadataKey { return metadata }
        if key.hasSuffix(".zattrs") || key.hasSuffix(".zgroup") || key.hasSuffix("zarr.json") { return nil }
        return payload
    }

    // The same bounds LocalStore checks on a file.
    public func get(_ key: String, range: ByteRange, cancellation _: JobToken?) throws -> [UInt8]? {
        guard let bytes = try get(key) else { return nil }
        switch range {
        case let .slice(o, l):
            let (end, overflow) = o.addingReportingOverflow(l)
            guard o >= 0, l >= 0, !overflow, end <= bytes.count else {
                throw StoreError.badRange(path: key, problem: "range outside the value")
            }
            return Array(bytes[o..<end])
        case let .upTo(o, l):
            guard o >= 0, l >= 0 else { throw StoreError.badRange(path: key, problem: "negative range") }
            let lo = min(o, bytes.count)
            return Array(bytes[lo..<(lo + max(0, min(l, bytes.count - lo)))])
        case let .suffix(l):
            guard l >= 0, l <= bytes.count else {
                throw StoreError.badRange(path: key, problem: "value shorter than suffix")
            }
            return Array(bytes[(bytes.count - l)...])
        }
    }
}

/// Separates a metadata part from a payload part: the first occurrence of
/// `separator` splits them; without it the whole input is metadata.
public let separator: [UInt8] = Array("\n--payload--\n".utf8)

public func splitInput(_ input: [UInt8]) -> ([UInt8], [UInt8]?) {
    let n = separator.count
    if input.count >= n {
        for i in 0...(input.count - n) where input[i] == separator[0] && Array(input[i..<(i + n)]) == separator {
            return (Array(input[..<i]), Array(input[(i + n)...]))
        }
    }
    return (input, nil)
}

/// A chunk is decoded only when it is this small, so that a valid but large
/// chunk shape is not mistaken by libFuzzer for a memory leak or an OOM.
public let maxDecodedChunkBytes = 4 << 20

/// A directory of this process, emptied for every input.
public let scratch: String = {
    var template = Array("/tmp/vstack-fuzz-XXXXXX".utf8CString)
    guard let p = mkdtemp(&template) else { fatalError("mkdtemp failed") }
    return String(cString: p)
}()

/// Writes `bytes` to `scratch/name` (creating parent directories).
public func writeScratch(_ name: String, _ bytes: [UInt8]) {
    let path = scratch + "/" + name
    var dir = ""
    for part in name.split(separator: "/").dropLast() {
        dir += "/" + part
        mkdir(scratch + dir, 0o755)
    }
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { fatalError("cannot write \(path)") }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

/// The libFuzzer input as bytes.
public func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
}
