// Any bytes as a Zarr v3 `zarr.json` (optionally followed by the separator and
// a chunk or shard): ZarrV3Array's open with its codec chain and sharding
// config, then a read of chunk 0 (for a sharded array, via the shard index).
import Formats
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZarrV3(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let store = PayloadStore(metadataKey: "zarr.json", input: bytes(data, size))
    if let array = try? ZarrV3Array(store: store) { readFirstChunk(array) }
    return 0
}

// The executable's entry point (see runFuzzer).
@_cdecl("FuzzZarrV3_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzZarrV3)
}
