// Any bytes (as UTF-8, invalid sequences replaced) as a `--filter` pipeline:
// the parser, the argument checks and the binding to operators.
import FuzzSupport
import Processing

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipeline(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: bytes(data, size), as: UTF8.self)
    if var pipeline = try? Pipeline(text) {
        _ = pipeline.text
        _ = try? pipeline.operators(OperatorSetup(tupleOrder: [2, 1, 0], factor: 4))
        _ = pipeline.adjustLastStage(by: 3)
    }
    return 0
}

// The executable's entry point (see runFuzzer).
@_cdecl("FuzzPipeline_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzPipeline)
}
