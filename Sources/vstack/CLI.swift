import Formats

#if canImport(Glibc)
import Glibc
#endif

/// A runtime failure that is not about a dataset (an output file, a terminal): exit 1.
/// `underlying` keeps the error it reports, when there is one.
struct RuntimeFailure: Error, CustomStringConvertible {
    let description: String
    let underlying: (any Error)?
    init(_ description: String) { (self.description, underlying) = (description, nil) }
    /// The error as its one line, kept beneath; after `CONTEXT: ` (`--filter`) when given.
    init(_ error: any Error, context: String? = nil) {
        description = context.map { ErrorLine.text(error, context: $0) } ?? ErrorLine.text(error)
        underlying = error
    }
}

/// A command line that cannot work, found after parsing: exit 2.
/// `underlying` keeps the error it reports, when there is one.
struct UsageFailure: Error, CustomStringConvertible {
    let description: String
    let underlying: (any Error)?
    init(_ description: String) { (self.description, underlying) = (description, nil) }
    /// The error as its one line, kept beneath; after `CONTEXT: ` (`--filter`) when given.
    init(_ error: any Error, context: String? = nil) {
        description = context.map { ErrorLine.text(error, context: $0) } ?? ErrorLine.text(error)
        underlying = error
    }
}

enum CLI {
    /// The help of every command's dataset argument.
    static let datasetHelp =
        "A Zarr array or OME-Zarr image, an N5 dataset, a TIFF file, a directory of TIFFs, a pattern such as 'raw/*_ch{c}_stack{t}_*.tif', a .npy file, an HDF5 dataset (file.h5/group/dataset, or file.h5 when it holds one image), a BigDataViewer dataset.xml, an Imaris .ims file, an http(s):// or s3:// URL of a Zarr, N5 or TIFF, or demo:."

    /// The formats `Dataset.open` reads, for the top-level help (docs/FORMATS.md).
    static let formatsRead =
        "Zarr v2 and v3 arrays (blosc, zstd, zlib, gzip, lz4, sharding); OME-Zarr 0.4/0.5 images (levels, channels); "
        + "TIFF and BigTIFF files (ImageJ, OME-TIFF, SubIFD pyramids); TIFF series (a directory, a glob, or a pattern with {fields}); "
        + "N5 datasets and multiscale groups (raw, gzip, zstd, blosc); NumPy .npy files (versions 1-3, C or Fortran order); "
        + "HDF5 datasets (file.h5/path; chunked or contiguous, gzip, shuffle, plugin filters through HDF5_PLUGIN_PATH); "
        + "BigDataViewer XML/HDF5 and XML/N5, Imaris .ims (levels, channels, timepoints); "
        + "any Zarr, OME-Zarr, N5 or TIFF over http(s):// or s3://; demo: (synthetic, 188 GB)."

    /// Writes one line to stderr (diagnostics, --stats).
    static func printError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// Prints the dataset's open-time warnings (missing files, …) to stderr.
    static func printWarnings(_ array: LazyArray) {
        for w in array.metadata.warnings { printError("vstack: warning: \(array.metadata.location): \(w)") }
    }

    /// Prints `vstack: ` and the error's one line (`ErrorLine.text`) to stderr and exits.
    static func fail(_ error: any Error, code: Int32) -> Never { fail(ErrorLine.text(error), code: code) }

    /// Prints one line to stderr and exits.
    static func fail(_ message: String, code: Int32) -> Never {
        printError("vstack: " + String(message.map { $0 == "\n" ? " " : $0 }))
        exit(code)
    }
}
