// Any bytes as a `.npy` file: NpyArray's open (the preamble, the header
// length, the dict scanner, the size check against the file), then a read of
// its first and last chunks.
import Formats
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNpy(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    writeScratch("input.npy", bytes(data, size))
    if let array = try? NpyArray(path: scratch + "/input.npy") {
        readFirstChunk(array)
        let grid = array.metadata.grid
        if grid.chunkCount > 1, grid.chunkCount < .max {
            _ = try? array.readChunk(grid.chunkIndex(flat: grid.chunkCount - 1))
        }
    }
    return 0
}

// The executable's entry point (see runFuzzer).
@_cdecl("FuzzNpy_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzNpy)
}
