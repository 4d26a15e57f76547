#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Formats
import Processing

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "Write the plane of the current view as a NumPy .npy or a TIFF file (source dtype; float32, or uint8 0/1 for a mask, with --filter), or with --script dask a Python script that filters the whole dataset with Dask."
    )

    @Argument(help: ArgumentHelp(CLI.datasetHelp))
    var path: String

    @OptionGroup var plane: PlaneOptions
    @OptionGroup var caching: CacheOptions

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Output file (.npy, .tif or .tiff; .py with --script).", valueName: "FILE"))
    var output: String

    @Option(
        help: ArgumentHelp(
            "Operators applied at full resolution before writing, e.g. 'gaussian(2)|threshold(otsu)'.",
            valueName: "PIPELINE"))
    var filter: String?

    @Option(
        help: ArgumentHelp(
            "With --labels-only: the label image whose plane is written (a path, or the name of one of the OME-Zarr image's labels).",
            valueName: "PATH|NAME"))
    var labels: String?

    @Flag(
        help: "Write the plane of the --labels image under the view (its own dtype and pixels) instead of the image's.")
    var labelsOnly = false

    @Option(
        help: ArgumentHelp(
            "Instead of a plane, write a Python script that applies --filter (if any) to every plane of the whole dataset with Dask and writes a Zarr (docs/OPERATORS.md, Scaling out with Dask).",
            valueName: "dask"))
    var script: String?

    private var writesTiff: Bool { output.lowercased().hasSuffix(".tif") || output.lowercased().hasSuffix(".tiff") }

    func validate() throws {
        if let script {
            guard script == "dask" else { throw ValidationError("--script \(script): the only script is dask") }
            guard output.hasSuffix(".py") else {
                throw ValidationError("-o \(output): with --script dask the output must end in .py")
            }
            guard !labelsOnly && labels == nil else {
                throw ValidationError("--script dask filters the image; it does not take --labels")
            }
            guard plane.region == nil && plane.level == nil else {
                throw ValidationError(
                    "--script dask processes whole planes at full resolution; it does not take --region or --level (--at picks the planes)"
                )
            }
            return
        }
        guard output.lowercased().hasSuffix(".npy") || writesTiff else {
            throw ValidationError("-o \(output): the output must end in .npy, .tif or .tiff")
        }
        guard !labelsOnly || labels != nil else { throw ValidationError("--labels-only needs --labels PATH|NAME") }
        guard !labelsOnly || filter == nil else {
            throw ValidationError("--labels-only writes label ids; it does not take --filter")
        }
    }

    func run() throws {
        let pipeline = try filter.map(FilterOptions.parse)
        let array = try plane.open(path)
        CLI.printWarnings(array)
        try OutputFile.refuseOverlap(output, inputs: array.sourcePaths)
        if script != nil {
            // The script's --at takes ranges (t=0:50): the view is the default one, the subset its own.
            var whole = plane
            whole.at = nil
            try writeDaskScript(array, try whole.selection(for: array), pipeline)
            return
        }
        let selection = try plane.selection(for: array)
        let cache = try caching.makeCache()
        var buffer: ArrayBuffer
        var thresholds: [Double] = []
        if labelsOnly, let labels {
            // The label image's own pixels under the view (at its full resolution).
            let layer = try LabelOptions.layer(labels, over: array, names: selection.axisNames, look: nil)
            guard let view = layer.alignment.view(for: selection) else {
                throw UsageFailure(
                    "--labels: the label image has no axes for the displayed \(selection.axisNames[selection.rowAxis]),\(selection.axisNames[selection.columnAxis])"
                )
            }
            try OutputFile.refuseOverlap(output, inputs: layer.array.sourcePaths)
            buffer = try caching.readPlane(view, layer.array, cache, limit: .cacheBudget)
        } else if let pipeline {
            let filtered = try caching.filteredPlane(pipeline, selection, array, cache, limit: .cacheBudget)
            (buffer, thresholds) = (filtered.plane, filtered.thresholds)
        } else {
            buffer = try caching.readPlane(selection, array, cache, limit: .cacheBudget)
        }
        if writesTiff {
            try OutputFile.write(to: output) {
                try TiffWriter.write(buffer, to: $0, description: "vstack export of \(path)")
            }
        } else {
            try OutputFile.write(NPY.encode(buffer), to: output)
        }
        caching.report(
            cache, array,
            extra: thresholds.isEmpty
                ? "" : ", \"thresholds\": [\(thresholds.map { String($0) }.joined(separator: ", "))]")
    }
}

extension ExportCommand {
    /// `--script dask`: the Python script, executable, written atomically.
    func writeDaskScript(_ array: LazyArray, _ selection: PlaneSelection, _ pipeline: Pipeline?) throws {
        var view: [String] = []
        if let axes = plane.axes { view += ["--axes", axes] }
        if let display = plane.display { view += ["--display", display] }
        var words = ["vstack", "export", path]
        if let filter { words += ["--filter", filter] }
        if let at = plane.at { words += ["--at", at] }
        words += view + ["--script", "dask", "-o", output]
        let command = words.map(DaskScript.shellWord).joined(separator: " ")
        var generator = try DaskScript(
            path: path, array: array, selection: selection, pipeline: pipeline, command: command)
        if let at = plane.at {
            generator.subset = try DaskScript.subset(
                at, names: selection.axisNames, shape: array.metadata.shape,
                drawn: [selection.rowAxis, selection.columnAxis])
        }
        generator.outputName = output.split(separator: "/").last.map(String.init) ?? output
        generator.viewOptions = view.map { " " + DaskScript.shellWord($0) }.joined()
        try OutputFile.write(Array(generator.text.utf8), to: output)
        chmod(output, 0o755)
    }
}

/// Writing outputs: never onto, into or over the data being read, and atomically (temp + rename).
enum OutputFile {
    /// Refuses (exit 2) an output that is one of the command's inputs, lies inside one, or holds one
    /// (a directory output around the data). Inputs are compared by their resolved paths, so
    /// symbolic links and `..` do not hide an overlap; inputs that are not local files (URLs, `demo:`)
    /// cannot overlap a local output. `what` names the option (`-o`).
    static func refuseOverlap(_ output: String, inputs: [String], what: String = "-o") throws {
        guard let out = resolved(output) else { return }
        for input in inputs {
            guard let data = realpathString(input) else { continue }
            if out == data {
                throw UsageFailure(
                    "\(what) \(output): refusing to write over the input \(input) (vstack never writes to a dataset; choose another path)"
                )
            }
            if out.hasPrefix(data == "/" ? "/" : data + "/") {
                throw UsageFailure(
                    "\(what) \(output): refusing to write inside the input \(input) (vstack never writes to a dataset; choose a path outside it)"
                )
            }
            if data.hasPrefix(out + "/") {
                throw UsageFailure(
                    "\(what) \(output): refusing to write over a path that holds the input \(input) (vstack never writes to a dataset; choose another path)"
                )
            }
        }
    }

    /// Runs `write` on a temporary path next to `path`, then renames it into place.
    static func write(to path: String, _ write: (String) throws -> Void) throws {
        let tmp = path + ".vstack-tmp"
        do {
            try write(tmp)
        } catch {
            unlink(tmp)
            throw error as? RuntimeFailure ?? RuntimeFailure(error)
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw RuntimeFailure("\(path): cannot write: \(String(cString: strerror(errno)))")
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { tmp in
            guard let f = fopen(tmp, "wb") else {
                throw RuntimeFailure("\(path): cannot write: \(String(cString: strerror(errno)))")
            }
            let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            guard fclose(f) == 0, n == bytes.count else {
                throw RuntimeFailure("\(path): cannot write: \(String(cString: strerror(errno)))")
            }
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

    /// `path` with every symbolic link and `..` resolved: the whole path when it exists, else its
    /// resolved directory plus the file name (nil when the directory does not exist either: nothing
    /// can be written there, and the write itself says so).
    static func resolved(_ path: String) -> String? {
        if let whole = realpathString(path) { return whole }
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        let slash = trimmed.lastIndex(of: "/")
        let dir = slash.map { String(trimmed[..<$0]) } ?? "."
        let name = slash.map { String(trimmed[trimmed.index(after: $0)...]) } ?? trimmed
        guard let d = realpathString(dir.isEmpty ? "/" : dir) else { return nil }
        if name == "." || name.isEmpty { return d }
        if name == ".." { return String(d[..<(d.lastIndex(of: "/") ?? d.endIndex)]) }
        return d == "/" ? "/" + name : d + "/" + name
    }
}
