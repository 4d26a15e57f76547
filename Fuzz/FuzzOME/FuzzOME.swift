// Any bytes as the attributes of an OME-Zarr group: as `.zattrs` of a v2 group
// and as `zarr.json` of a v3 group, each over two small real arrays `0` and
// `1`, opened with Dataset.open (ZarrGroupOpener, OMEMultiscales, the levels).
import Formats
import FuzzSupport

let v2Array =
    #"{"zarr_format":2,"shape":[2,4,4],"chunks":[1,4,4],"dtype":"|u1","compressor":null,"fill_value":0,"order":"C","filters":null}"#
let v3Array =
    #"{"zarr_format":3,"node_type":"array","shape":[2,4,4],"data_type":"uint8","chunk_grid":{"name":"regular","configuration":{"chunk_shape":[1,4,4]}},"chunk_key_encoding":{"name":"default"},"fill_value":0,"codecs":[{"name":"bytes"}]}"#

/// The two levels, written once.
let layout: Void = {
    writeScratch("v2/.zgroup", Array(#"{"zarr_format":2}"#.utf8))
    writeScratch("v2/0/.zarray", Array(v2Array.utf8))
    writeScratch("v2/1/.zarray", Array(v2Array.utf8))
    writeScratch("v3/0/zarr.json", Array(v3Array.utf8))
    writeScratch("v3/1/zarr.json", Array(v3Array.utf8))
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOME(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = layout
    let input = bytes(data, size)
    writeScratch("v2/.zattrs", input)
    writeScratch("v3/zarr.json", input)
    for group in ["v2", "v3"] {
        if let array = try? Dataset.open(scratch + "/" + group) { readFirstChunk(array) }
    }
    return 0
}

// The executable's entry point (see runFuzzer).
@_cdecl("FuzzOME_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOME)
}
