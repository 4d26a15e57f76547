// Any bytes as a BigDataViewer `dataset.xml`: the XML reader (MiniXML: elements, attributes,
// entities, CDATA, comments; nesting bounded), then the SpimData interpretation (image loader,
// view setups and their attributes, timepoints, registrations) through `Dataset.open`. The
// files it names do not exist in the scratch directory, so a well-formed document ends in a
// one-line error about them: what must never happen is a crash, a hang or a wild read.
import Formats
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBDV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    writeScratch("dataset.xml", bytes(data, size))
    if let array = try? Dataset.open(scratch + "/dataset.xml") {
        readFirstChunk(array)
    }
    return 0
}

// The executable's entry point (see runFuzzer).
@_cdecl("FuzzBDV_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzBDV)
}
