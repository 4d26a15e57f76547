// Any bytes as an N5 `attributes.json` (optionally followed by the separator and a
// block): N5Array's open (dimensions, block size, data type, compression), then a read
// of block 0 (its big-endian header, the decompression, the padding of edge blocks).
import Formats
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzN5(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let store = PayloadStore(metadataKey: "attributes.json", input: bytes(data, size))
    if let array = try? N5Array(store: store) { readFirstChunk(array) }
    return 0
}

// The executable's entry point (see runFuzzer).
@_cdecl("FuzzN5_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzN5)
}
