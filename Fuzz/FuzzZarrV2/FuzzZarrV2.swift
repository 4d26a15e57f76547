// Any bytes as a Zarr v2 `.zarray` (optionally followed by the separator and a
// chunk): ZarrV2Array's open, then a read of chunk 0 through its compressor.
import Formats
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZarrV2(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let store = PayloadStore(metadataKey: ".zarray", input: bytes(data, size))
    if let array = try? ZarrV2Array(store: store) { readFirstChunk(array) }
    return 0
}

// The executable's entry point (see runFuzzer).
@_cdecl("FuzzZarrV2_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzZarrV2)
}
