import ArrayModel
import Formats
import Foundation
import Processing

/// `vstack export PATH --filter P --script dask -o job.py`: a self-contained Python script that
/// applies the same stages to every plane of the whole dataset with Dask, and writes a Zarr.
///
/// Each bound stage (`Pipeline.boundStages`, never the text re-parsed) becomes one Python
/// function, written by its operator (`OperatorSpec.dask`) and calling the reference `vstack operators` names for it: `dask_image.ndfilters`
/// where dask-image has the operator, else `map_overlap` with vstack's halo as depth and
/// `scipy.ndimage` / `skimage` on each block. Blocks overlap with `boundary='none'`, so at
/// the array's edges the reference's own border rule applies (scipy's `reflect`, skimage's
/// zero border for `deconvolve`), as vstack's pipeline does. The source is read by its format
/// driver's Python (`FormatDriver.daskSource`). This type binds and assembles; the text's parts
/// are in `DaskScript+Text.swift`, `DaskScript+Stages.swift` and `DaskScriptPython`.
struct DaskScript {
    /// The file or directory the script reads (absolute).
    let source: String
    /// What the script reads the source with, and the constants it fills in.
    let sourceReader: DaskSource
    /// Every local file or directory the source is read from (absolute): the script refuses an
    /// output that is one of them, lies inside one or holds one.
    let inputs: [String]
    /// For a TIFF series: each slot's file (absolute; nil: missing, zeros).
    let seriesFiles: [String?]
    /// `--at` for the script: a range on each axis that is not drawn (nil: all of it).
    var subset: [Range<Int>?] = []
    let pipeline: Pipeline?
    let stages: [BoundStage]
    let metadata: ArrayMetadata
    let axisNames: [String]
    /// The names the source gives (written to the output), nil when it gives none.
    let sourceAxisNames: [String]?
    let rowAxis: Int, columnAxis: Int
    let depthAxis: Int?
    let vstackCommand: String
    /// `--axes` / `--display` as given, for the docstring's `vstack export … --at …` line.
    var viewOptions = ""
    var outputName = "job.py"

    /// Binds the pipeline for the default view of `array`, or throws a one-line usage error.
    init(path: String, array: LazyArray, selection: PlaneSelection, pipeline: Pipeline?, command: String) throws {
        let m = array.metadata
        guard !path.contains("://") else {
            throw UsageFailure(
                "--script dask: reads local Zarr (v2, v3, OME-Zarr), N5, TIFF (files and series) and HDF5 files; \(path) is a URL"
            )
        }
        guard let reader = FormatRegistry.daskSource(array) else {
            throw UsageFailure(
                "--script dask: reads Zarr (v2, v3, OME-Zarr), N5, TIFF (files and series) and HDF5 files; \(path) is \(m.format)"
            )
        }
        sourceReader = reader
        source = DaskScript.absolute(reader.path ?? path)
        seriesFiles = reader.seriesFiles.map { $0.map(DaskScript.absolute) }
        inputs = array.sourcePaths.map(DaskScript.absolute)
        self.pipeline = pipeline
        metadata = m
        axisNames = selection.axisNames
        sourceAxisNames = m.axisNames ?? m.defaultAxisNames
        rowAxis = selection.rowAxis
        columnAxis = selection.columnAxis
        depthAxis = PlaneFilter.depthAxis(selection)
        vstackCommand = command
        let names = selection.axisNames
        let setup = OperatorSetup(
            tupleOrder: OperatorSetup.order(
                rows: names[rowAxis], columns: names[columnAxis],
                depth: depthAxis.map { names[$0] }))
        do {
            stages = try pipeline?.boundStages(setup, kind: PlaneFilter.kind(of: m.dataType)) ?? []
        } catch let e as PipelineSyntaxError {
            throw UsageFailure(e, context: "--filter")
        }
        if let s = stages.first(where: { OperatorCatalog.spec(named: $0.name)?.dask == nil }) {
            throw UsageFailure("--script dask: no Python for \(s.name) yet")
        }
        if depthAxis == nil, let s = stages.first(where: { $0.halo.z > 0 }) {
            throw UsageFailure("--filter: \(s.arguments.stage): a 3-D stage needs a third axis, and \(path) has none")
        }
    }

    var isMask: Bool { stages.last?.outputKind == .mask }

    /// `--at c=1,t=0:50` for the script: an index or a range on axes that are not drawn; each
    /// becomes a slice, so the output keeps every axis.
    static func subset(_ text: String, names: [String], shape: [Int], drawn: Set<Int>) throws -> [Range<Int>?] {
        var out = [Range<Int>?](repeating: nil, count: shape.count)
        for (axis, range) in try PlaneSelection.parseAt(text, names: names, shape: shape, ranges: true) {
            guard !drawn.contains(axis) else {
                throw UsageFailure(
                    "--at \(names[axis]): \(names[axis]) is drawn; the script processes whole \(names[drawn.min()!]),\(names[drawn.max()!]) planes"
                )
            }
            out[axis] = range
        }
        return out
    }

    // MARK: - The script

    var text: String {
        header + "\n\n"
            + [
                imports, constants, DaskScriptPython.helpers, stageFunctions, pipelineFunction, readerFunctions,
                DaskScriptPython.output, DaskScriptPython.main,
            ]
            .joined(separator: "\n\n\n") + "\n"
    }

    /// The Python modules the stages import, in import order.
    var stageModules: [PythonModule] {
        Array(Set(stageCode.flatMap(\.code.modules))).sorted()
    }

    /// The PyPI packages the script imports, each with the oldest version it works with (nil: any).
    var requirements: [(name: String, oldest: String?)] {
        var needs: [(String, String?)] = [("numpy", nil), ("dask", nil), ("distributed", nil), ("zarr", "3.0")]
        for package in stageModules.map(\.package) where !needs.contains(where: { $0.0 == package }) {
            needs.append((package, nil))
        }
        if let package = sourceReader.reader.package { needs.append((package, nil)) }
        return needs
    }

    // MARK: - Formatting

    /// A Python string literal.
    static func py(_ s: String) -> String {
        "\""
            + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return FileManager.default.currentDirectoryPath + "/" + path
    }

    /// A shell word: unchanged when plain, else in single quotes.
    static func shellWord(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+=:,@".contains($0) })
            ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
