// swift-tools-version:6.0
// vstack: a terminal viewer for huge lazy microscopy arrays.
// Data flows one way: Stores → Codecs → Formats (LazyArray) → cache → rendering → terminal.
import PackageDescription

let package = Package(
    name: "vstack",
    products: [
        .executable(name: "vstack", targets: ["vstack"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries from Debian, found with pkg-config.
        .systemLibrary(name: "CBlosc", pkgConfig: "blosc", providers: [.apt(["libblosc-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLz4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CTiff", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),

        // Pure decoding functions: bytes in, bytes out.
        .target(name: "Codecs", dependencies: ["CBlosc", "CZstd", "CZlib", "CLz4"]),
        // The one worker pool (jobs with an owner, a tier and cancellation; parallel loops) and the
        // one condition wrapper every module below the viewer waits with.
        .target(name: "Threads"),
        // key → bytes, read-only, with byte ranges: local files, HTTP(S) and S3 (libcurl).
        .target(name: "Stores", dependencies: ["CCurl", "Threads"]),
        // A byte-budget LRU map (a value type), for every bounded cache: chunks, filtered planes, shard indexes.
        .target(name: "LRUModule"),
        // The array model every stage shares: LazyArray, ArrayMetadata, ChunkGrid, buffers, plane selection.
        // It links no format library, so the stages after the readers never link libtiff (or libhdf5, libcurl).
        .target(name: "ArrayModel", dependencies: ["Codecs", "Threads"]),
        // Zarr v2/v3, OME-Zarr, TIFF, N5, .npy, HDF5, synthetic, … → one LazyArray protocol.
        .target(name: "Formats", dependencies: ["ArrayModel", "Codecs", "Stores", "LRUModule", "CTiff", "CHDF5"]),
        // Decoded chunks under a byte budget: LRU, pinning, single flight.
        .target(name: "Cache", dependencies: ["ArrayModel", "Stores", "LRUModule", "Threads"]),
        // Processing operators on planes (--filter): pipeline syntax, operators, halo planning.
        .target(name: "Processing", dependencies: ["ArrayModel", "LRUModule", "Threads"]),
        // Downsampling, contrast, colour maps, glyph encoders, ANSI and PNG output.
        .target(name: "Rendering", dependencies: ["ArrayModel", "CZlib"]),
        // The interactive viewer: key map, view state, ncurses input, frames drawn with ANSI diffs.
        .target(name: "TUI", dependencies: ["Cache", "ArrayModel", "Processing", "Rendering", "Stores", "Threads", "CNcursesw"]),
        // The command-line front end.
        .executableTarget(
            name: "vstack",
            dependencies: [
                "ArrayModel",
                "Codecs",
                "Formats",
                "Stores",
                "Rendering",
                "Cache",
                "TUI",
                "Processing",
                "CNcursesw",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Locating and reading the generated fixtures (.fixtures/), shared by the test targets.
        .target(name: "TestSupport", dependencies: ["Formats"], path: "Tests/TestSupport"),
        .testTarget(name: "CodecsTests", dependencies: ["Codecs"]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "Stores", "Codecs", "TestSupport"]),
        .testTarget(name: "CacheTests", dependencies: ["Cache", "Formats", "Stores", "LRUModule", "Threads", "TestSupport"]),
        .testTarget(name: "RenderingTests", dependencies: ["Rendering", "Formats", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["Formats", "Rendering"]),
        .testTarget(name: "ProcessingTests", dependencies: ["Processing", "Formats"]),
        .testTarget(name: "TUITests", dependencies: ["TUI", "Cache", "Processing", "Threads", "Formats", "Rendering"]),
        .testTarget(name: "StoresTests", dependencies: ["Stores"]),
    ],
    swiftLanguageModes: [.v6]
)

// Fuzz targets (Fuzz/, `make fuzz`): declared only when VSTACK_FUZZ is set, since each is
// linked against libFuzzer's main (-sanitize=fuzzer,address), which the normal build does not pass.
if Context.environment["VSTACK_FUZZ"] != nil {
    package.targets.append(.systemLibrary(name: "CFuzzer", path: "Fuzz/CFuzzer"))
    package.targets.append(.target(name: "FuzzSupport", dependencies: ["ArrayModel", "Stores", "CFuzzer"], path: "Fuzz/Support"))
    let fuzzTargets: [(String, [Target.Dependency])] = [
        ("FuzzZarrV2", ["Formats"]), ("FuzzZarrV3", ["Formats"]), ("FuzzCodecs", ["Codecs", "Formats"]),
        ("FuzzTiff", ["Formats"]), ("FuzzOME", ["Formats"]), ("FuzzPipeline", ["Processing"]), ("FuzzNpy", ["Formats"]),
        ("FuzzTiffAxes", ["Formats"]), ("FuzzN5", ["Formats"]), ("FuzzHDF5", ["Formats", "CHDF5"]), ("FuzzBDV", ["Formats"]),
    ]
    for (name, dependencies) in fuzzTargets {
        package.targets.append(.executableTarget(name: name, dependencies: dependencies + ["FuzzSupport"], path: "Fuzz/\(name)",
                                                 swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
        package.products.append(.executable(name: name, targets: [name]))
    }
}
