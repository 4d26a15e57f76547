#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Formats

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the plane of the current view as a NumPy .npy file (source dtype).")

    @Argument(help: "A Zarr array directory, or demo: for the synthetic dataset.")
    var path: String

    @OptionGroup var plane: PlaneOptions
    @OptionGroup var caching: CacheOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file (.npy).", valueName: "FILE"))
    var output: String

    func validate() throws {
        guard output.lowercased().hasSuffix(".npy") else {
            if output.lowercased().hasSuffix(".tif") || output.lowercased().hasSuffix(".tiff") {
                throw ValidationError("-o \(output): TIFF export is not supported yet; write .npy")
            }
            throw ValidationError("-o \(output): the output must end in .npy")
        }
    }

    func run() throws {
        let array = try Dataset.open(path)
        let selection = try plane.selection(for: array)
        try OutputFile.refuseInsideDataset(output, dataset: path)
        let cache = try caching.makeCache()
        let buffer = try caching.readPlane(selection, array, cache)
        try OutputFile.write(NPY.encode(buffer), to: output)
        caching.report(cache, array)
    }
}

/// Writing outputs: never into the dataset being read, and atomically (temp + rename).
enum OutputFile {
    static func refuseInsideDataset(_ output: String, dataset: String) throws {
        guard let out = absolute(parentOf: output), let data = realpathString(dataset) else { return }
        if out == data || out.hasPrefix(data + "/") {
            throw UsageFailure("-o \(output): refusing to write inside the dataset \(dataset) (vstack never writes to a dataset)")
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        let tmp = path + ".vstack-tmp"
        guard let f = fopen(tmp, "wb") else {
            throw RuntimeFailure("\(path): cannot write: \(String(cString: strerror(errno)))")
        }
        let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        let closed = fclose(f)
        guard n == bytes.count, closed == 0, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw RuntimeFailure("\(path): cannot write: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes bytes to stdout after whatever `print` buffered.
    static func writeStandardOutput(_ bytes: [UInt8]) throws {
        fflush(nil)
        var done = 0
        try bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = Glibc.write(1, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RuntimeFailure("stdout: cannot write: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    private static func realpathString(_ p: String) -> String? {
        guard let r = realpath(p, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    /// The resolved directory that will hold `path`, plus the file name.
    private static func absolute(parentOf path: String) -> String? {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard let d = realpathString(dir.isEmpty ? "/" : dir) else { return nil }
        return d + "/" + name
    }
}
