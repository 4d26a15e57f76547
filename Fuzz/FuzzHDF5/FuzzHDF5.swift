// Any bytes as an HDF5 file: HDF5Array's open through libhdf5 (the superblock, the
// dataset listing and summaries when no dataset is named, then `/data` and `/raw`;
// shape, type, layout, filters, fill value, the DIMENSION_LABELS / axes /
// element_size_um attributes), then a read of chunk 0 (one hyperslab H5Dread).
// After each input no HDF5 id may be left open: every path of vstack's must close
// what it opened. libhdf5 itself is Debian's build, not sanitized, and allocates
// what a file's metadata claims (see Fuzz/run.py), so only vstack's side is checked.
import CHDF5
import Formats
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHDF5(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    writeScratch("input.h5", bytes(data, size))
    for dataset in ["", "/data", "/raw"] {
        if let array = try? HDF5Array.open(file: scratch + "/input.h5", dataset: dataset, location: "input.h5") {
            readFirstChunk(array)
            break
        }
    }
    // H5F_OBJ_ALL (files, datasets, groups, datatypes, attributes; a macro Swift cannot
    // import), as the file id too: the ids of every file.
    let all: UInt32 = 0x1F
    let open = H5Fget_obj_count(hid_t(all), all)
    if open != 0 { fatalError("\(open) HDF5 ids left open after the input") }
    return 0
}

// The executable's entry point (see runFuzzer).
@_cdecl("FuzzHDF5_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzHDF5)
}
