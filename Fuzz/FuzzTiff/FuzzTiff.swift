// Any bytes as a TIFF file: TiffArray's open (the page-chain walk, the page
// axes from ImageJ / OME-XML / tifffile descriptions, SubIFD levels), then a
// read of chunk 0 through libtiff.
import Formats
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTiff(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    writeScratch("input.tif", bytes(data, size))
    if let array = try? TiffArray(path: scratch + "/input.tif") {
        readFirstChunk(array)
        for level in array.pyramid.dropFirst() { readFirstChunk(level.array) }
    }
    return 0
}

// The executable's entry point (see runFuzzer).
@_cdecl("FuzzTiff_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzTiff)
}
