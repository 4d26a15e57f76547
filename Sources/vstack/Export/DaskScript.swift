import ArrayModel
import Formats
import Foundation
import Processing

/// `vstack export PATH --filter P --script dask -o job.py`: a self-contained Python script that
/// applies the same stages to every plane of the whole dataset with Dask, and writes a Zarr.
///
/// Each bound stage (`Pipeline.boundStages`, never the text re-parsed) becomes one Python
/// function calling the reference `vstack operators` names for it: `dask_image.ndfilters`
/// where dask-image has the operator, else `map_overlap` with vstack's halo as depth and
/// `scipy.ndimage` / `skimage` on each block. Blocks overlap with `boundary='none'`, so at
/// the array's edges the reference's own border rule applies (scipy's `reflect`, skimage's
/// zero border for `deconvolve`), as vstack's pipeline does.
struct DaskScript {
    /// What the script reads the source with.
    enum Reader: String { case zarr, tiff, tiffseries, hdf5, n5 }

    let source: String
    /// Every local file or directory the source is read from (absolute): the script refuses an
    /// output that is one of them, lies inside one or holds one.
    let inputs: [String]
    let reader: Reader
    /// For HDF5: the dataset's path inside the file.
    var dataset = ""
    /// For a TIFF series: each slot's file (C order over the series axes; nil: missing, zeros) and
    /// the series' shape, so the script reads the files vstack reads, in its order, on its axes.
    var seriesFiles: [String?] = []
    var seriesShape: [Int] = []
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

    /// Binds the pipeline for the default view of `array`, or throws a one-line usage error.
    init(path: String, array: LazyArray, selection: PlaneSelection, pipeline: Pipeline?, command: String) throws {
        let m = array.metadata
        guard !path.contains("://") else {
            throw UsageFailure(
                "--script dask: reads local Zarr (v2, v3, OME-Zarr), N5, TIFF (files and series) and HDF5 files; \(path) is a URL"
            )
        }
        var source = DaskScript.absolute(path)
        if let series = array as? TiffSeriesArray {
            reader = .tiffseries
            seriesFiles = series.slots.map { $0.map(DaskScript.absolute) }
            seriesShape = series.seriesShape
        } else if let n5 = array.pyramid[0].array as? N5Array {
            // Level 0 of a multiscale group (`s0`) or the dataset itself.
            reader = .n5
            source = DaskScript.absolute(n5.metadata.location)
        } else {
            switch m.format {
            case "zarr2", "zarr3", "ome-zarr": reader = .zarr
            case "tiff" where array.sourcePaths.count == 1: reader = .tiff
            case "hdf5" where array is HDF5Array: reader = .hdf5
            default:
                throw UsageFailure(
                    "--script dask: reads Zarr (v2, v3, OME-Zarr), N5, TIFF (files and series) and HDF5 files; \(path) is \(m.format)"
                )
            }
        }
        if let h5 = array as? HDF5Array {
            source = DaskScript.absolute(h5.file)
            dataset = h5.datasetPath
        }
        self.source = source
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
            throw UsageFailure("--filter: \(e.message)")
        }
        if let s = stages.first(where: { !DaskScript.operators.contains($0.name) }) {
            throw UsageFailure("--script dask: no Python for \(s.name) yet")
        }
        if depthAxis == nil, let s = stages.first(where: { $0.halo.z > 0 }) {
            throw UsageFailure("--filter: \(s.arguments.stage): a 3-D stage needs a third axis, and \(path) has none")
        }
    }

    var isMask: Bool { stages.last?.outputKind == .mask }

    /// The operators `stageFunction` writes Python for (every one of `vstack operators`).
    static let operators: Set<String> = [
        "gaussian", "median", "uniform", "minimum", "maximum", "sobel", "laplace", "log",
        "dog", "unsharp", "threshold", "erode", "dilate", "open", "close", "tophat",
        "invert", "gamma", "logscale", "clip", "deconvolve", "mip",
    ]

    // MARK: - The script

    var text: String {
        header + "\n\n"
            + [imports, constants, helpers, stageFunctions, pipelineFunction, ioFunctions, mainFunction]
            .joined(separator: "\n\n\n") + "\n"
    }

    private var pipelineText: String { pipeline?.activeText ?? "" }

    /// `slice(None), slice(1, 2), slice(0, 2), …` for SUBSET (a trailing comma for one axis).
    private var subsetText: String {
        let parts = metadata.shape.indices.map { d -> String in
            guard d < subset.count, let r = subset[d] else { return "slice(None)" }
            return "slice(\(r.lowerBound), \(r.upperBound))"
        }
        return parts.joined(separator: ", ") + (parts.count == 1 ? "," : "")
    }

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
    private var shapeText: String {
        "(" + metadata.shape.map(String.init).joined(separator: ", ") + (metadata.shape.count == 1 ? ",)" : ")")
    }

    private var header: String {
        let what =
            stages.isEmpty
            ? "Copy (and with --chunks rechunk) \(source)\nwith Dask"
            : "Apply the vstack pipeline\n\n    \(pipelineText)\n\nto every \(axisNames[rowAxis]),\(axisNames[columnAxis]) plane of \(source)\nwith Dask"
        let depth = depthAxis.map { " (3-D stages along \(axisNames[$0]))" } ?? ""
        return """
            #!/usr/bin/env python3
            \"\"\"\(what), and write the result as a Zarr array\(stages.isEmpty ? " (the source's dtype)" : isMask ? " (a uint8 0/1 mask)" : " (float32)").

            Generated by `\(vstackCommand)`.
            It does not need vstack: numpy, scipy, scikit-image, dask[array], distributed,
            dask-image and zarr (and tifffile for a TIFF source, h5py for HDF5) are enough.

            The source: \(shapeText) \(metadata.dataType), axes \(axisNames.joined(separator: ",")), read with \(readerLibrary).
            Each stage works on the \(axisNames[rowAxis]),\(axisNames[columnAxis]) planes\(depth), as vstack shows
            them with --filter: `vstack export SOURCE --filter '\(pipelineText)'\(viewOptions) --at ...` gives one
            plane of this script's output. Blocks overlap by the halo vstack uses for each
            stage, so chunk borders leave no seams.

            Run it on this machine (a dask.distributed LocalCluster):
                python3 \(Shell.quoted(outputName)) --output result.zarr --workers 4
            on a running cluster:
                python3 \(Shell.quoted(outputName)) --output result.zarr --scheduler tcp://HOST:8786
            or without distributed (dask's threads):
                python3 \(Shell.quoted(outputName)) --output result.zarr --local-threads
            \"\"\"
            """
    }

    var outputName = "job.py"

    private var readerLibrary: String {
        switch reader {
        case .zarr: "zarr-python"
        case .tiff: "tifffile"
        case .tiffseries: "tifffile (\(seriesFiles.compactMap { $0 }.count) files)"
        case .hdf5: "h5py (dataset \(dataset))"
        case .n5: "tensorstore's n5 driver"
        }
    }

    /// The PyPI packages the script imports, each with the oldest version it works with (nil: any).
    var requirements: [(name: String, oldest: String?)] {
        var needs: [(String, String?)] = [("numpy", nil), ("dask", nil), ("distributed", nil), ("zarr", "3.0")]
        if usesDaskImage { needs.append(("dask-image", nil)) }
        if usesScipy { needs.append(("scipy", nil)) }
        if usesSkimage { needs.append(("scikit-image", nil)) }
        switch reader {
        case .tiff, .tiffseries: needs.append(("tifffile", nil))
        case .hdf5: needs.append(("h5py", nil))
        case .n5: needs.append(("tensorstore", nil))
        case .zarr: break
        }
        return needs
    }

    private var usesDaskImage: Bool {
        stages.contains {
            ["gaussian", "median", "uniform", "minimum", "maximum", "dog", "unsharp", "threshold"].contains($0.name)
        }
    }
    private var usesScipy: Bool {
        stages.contains { ["sobel", "laplace", "log", "erode", "dilate", "open", "close", "tophat"].contains($0.name) }
    }
    private var usesSkimage: Bool {
        stages.contains { ($0.name == "threshold" && $0.arguments.word("value") == "otsu") || $0.name == "deconvolve" }
    }

    private var imports: String {
        let required = requirements.map { "    \(Self.py($0.name)): \($0.oldest.map(Self.py) ?? "None")," }
        var lines = [
            "import argparse", "import importlib.metadata", "import os", "import re", "import sys", "",
            "# The packages this script imports (PyPI names) and the oldest version of each it works with:",
            "# checked before they are imported, so a missing or old one is one line, not a traceback.",
            "REQUIRES = {",
        ]
        lines += required
        lines += [
            "}", "", "",
            """
            def check_requirements():
                def version(text):
                    return tuple(int(re.match(r"\\d*", part).group() or 0) for part in text.split(".")[:3])
                wanted = []
                for name, oldest in REQUIRES.items():
                    try:
                        found = importlib.metadata.version(name)
                    except importlib.metadata.PackageNotFoundError:
                        wanted.append((name, oldest, None))
                        continue
                    if oldest and version(found) < version(oldest):
                        wanted.append((name, oldest, found))
                if wanted:
                    what = ", ".join(f"{n}>={o}" + (f" (found {f})" if f else " (missing)") if o else f"{n} (missing)"
                                     for n, o, f in wanted)
                    install = " ".join(f"'{n}>={o}'" if o else n for n, o, f in wanted)
                    sys.exit(f"{sys.argv[0]}: needs {what}: pip install {install}")


            check_requirements()
            """,
            "", "import dask", "import dask.array as da", "import numpy as np", "import zarr",
        ]
        if usesDaskImage { lines.append("from dask_image import ndfilters") }
        if usesScipy { lines.append("from scipy import ndimage as ndi") }
        if stages.contains(where: { $0.name == "threshold" && $0.arguments.word("value") == "otsu" }) {
            lines.append("import skimage.filters")
        }
        if stages.contains(where: { $0.name == "deconvolve" }) { lines.append("import skimage.restoration") }
        return lines.joined(separator: "\n")
    }

    private var constants: String {
        func list(_ xs: [String]) -> String { "[" + xs.map(Self.py).joined(separator: ", ") + "]" }
        let chunks =
            "(" + metadata.chunkShape.map(String.init).joined(separator: ", ")
            + (metadata.chunkShape.count == 1 ? ",)" : ")")
        return """
            # The source, as vstack opened it.
            SOURCE = \(Self.py(source))
            READER = \(Self.py(reader.rawValue))  # zarr (v2, v3, OME-Zarr level 0), tiff, tiffseries, hdf5 or n5
            DATASET = \(Self.py(dataset))  # the dataset inside an HDF5 file
            # What the source is read from: --output may be none of these, lie inside none, hold none.
            INPUTS = \(list(inputs))
            SHAPE = \(shapeText)
            DTYPE = \(Self.py(metadata.dataType.name))
            # A TIFF series: the files in vstack's order (None: missing, read as zeros), on SERIES_SHAPE axes.
            FILES = \(reader == .tiffseries ? "[\n" + seriesFiles.map { "    " + ($0.map(Self.py) ?? "None") + ",\n" }.joined() + "]" : "[]")
            SERIES_SHAPE = (\(seriesShape.map(String.init).joined(separator: ", "))\(seriesShape.count == 1 ? "," : ""))
            # The part of the source processed (vstack export --script dask --at): one slice an axis.
            SUBSET = (\(subsetText))
            SOURCE_CHUNKS = \(chunks)
            # The axes' names: written to the output when the source gives them.
            AXES = \(sourceAxisNames.map(list) ?? "None")
            # The plane the stages work on (vstack's default view) and the axis 3-D stages work along.
            ROW_AXIS, COL_AXIS = \(rowAxis), \(columnAxis)  # \(axisNames[rowAxis]), \(axisNames[columnAxis])
            DEPTH_AXIS = \(depthAxis.map { "\($0)  # \(axisNames[$0])" } ?? "None")
            # What is written: "uint8" (a 0/1 mask), "float32" (filtered), or None: the source's
            # dtype (no --filter: a copy).
            OUTPUT_DTYPE = \(stages.isEmpty ? "None" : isMask ? "\"uint8\"" : "\"float32\"")
            """
    }

    private var helpers: String {
        #"""
        def per_axis(ndim, depth=None, rows=None, cols=None, fill=0):
            """One value per axis: the stage's on the depth, row and column axes, `fill` on the others."""
            values = [fill] * ndim
            for axis, value in ((DEPTH_AXIS, depth), (ROW_AXIS, rows), (COL_AXIS, cols)):
                if axis is not None and value is not None:
                    values[axis] = value
            return tuple(values)


        def on_slices(block, function, axes, dtype=np.float32):
            """Apply `function` to each 2-D (or 3-D) slice of `block` along `axes` (one plane or one
            z-stack of the other axes at a time), as vstack filters one plane at a time."""
            axes = list(axes)
            last = list(range(block.ndim - len(axes), block.ndim))
            moved = np.moveaxis(block, axes, last)
            out = np.empty(moved.shape, dtype)
            for index in np.ndindex(moved.shape[:block.ndim - len(axes)]):
                out[index] = function(moved[index])
            return np.moveaxis(out, last, axes)


        def with_halo(x, function, depth):
            """`x.map_overlap(function)` with vstack's halo of the stage as `depth` ({axis: pixels}).

            boundary='none': a block is extended by its neighbours' pixels only, and at the
            array's edges `function` applies its own border rule (scipy's mode='reflect', or
            skimage's zero border for deconvolve) - what vstack's pipeline does. dask's
            boundary='reflect' would be the same for the scipy stages (it mirrors with the edge
            pixel repeated, numpy's 'symmetric', which is scipy's 'reflect'), but not for
            deconvolve. An axis the halo spans whole is taken in one block instead."""
            depth = {axis: int(h) for axis, h in depth.items() if h > 0}
            for axis in [a for a, h in depth.items() if h >= x.shape[a]]:
                x = x.rechunk({axis: -1})
                del depth[axis]
            if not depth:
                return x.map_blocks(function, dtype=np.float32)
            return x.map_overlap(function, depth=depth, boundary="none", trim=True, dtype=np.float32)


        def plane_axes(x):
            """The row and column axes, each in one chunk: for statistics over a whole plane."""
            return x.rechunk({ROW_AXIS: -1, COL_AXIS: -1})
        """#
    }

    // MARK: - Stages

    private var stageFunctions: String {
        stages.enumerated().map { i, s in stageFunction(i + 1, s) }.joined(separator: "\n\n\n")
    }

    private func function(_ n: Int, _ s: BoundStage) -> String { "stage\(n)_\(s.name)" }

    /// `depth=…, rows=…, cols=…` for `per_axis`, from a per-axis argument.
    private func axisArguments(_ v: (z: Double, y: Double, x: Double), integer: Bool, zIsDefault: Double) -> String {
        func f(_ d: Double) -> String { integer ? String(Int(d)) : Self.number(d) }
        var parts: [String] = []
        if depthAxis != nil && v.z != zIsDefault { parts.append("depth=\(f(v.z))") }
        parts.append("rows=\(f(v.y))")
        parts.append("cols=\(f(v.x))")
        return parts.joined(separator: ", ")
    }

    private func sigma(_ s: BoundStage, _ name: String = "sigma") -> String {
        "per_axis(x.ndim, \(axisArguments(s.perAxis(name), integer: false, zIsDefault: 0)))"
    }

    private func size(_ s: BoundStage) -> String {
        "per_axis(x.ndim, \(axisArguments(s.perAxis("size", zDefault: 1), integer: true, zIsDefault: 1)), fill=1)"
    }

    private func haloDepth(_ s: BoundStage) -> String {
        var parts: [String] = []
        if depthAxis != nil, s.halo.z > 0 { parts.append("DEPTH_AXIS: \(s.halo.z)") }
        if s.halo.y > 0 { parts.append("ROW_AXIS: \(s.halo.y)") }
        if s.halo.x > 0 { parts.append("COL_AXIS: \(s.halo.x)") }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    /// The range skimage scales by for what the stage receives (dtype max, else 1).
    private func scale(_ kind: ValueKind) -> (value: String, why: String) {
        switch kind {
        case .integer(_, let hi): (Self.number(hi), "the maximum of the source's \(metadata.dataType)")
        case .mask: ("1.0", "1 for a 0/1 mask")
        case .float: ("1.0", "1 for floating-point values")
        }
    }

    private func stageFunction(_ n: Int, _ s: BoundStage) -> String {
        let a = s.arguments
        // A threshold that ends the pipeline writes the output's uint8 0/1 itself: a float32 mask
        // converted afterwards would allocate (and page-fault) 5 bytes a pixel more per block.
        let maskType = n == stages.count && isMask ? "np.uint8" : "np.float32"
        let name = function(n, s)
        let title = "\(a.stage)"
        func def(_ doc: String, _ body: String) -> String {
            "def \(name)(x):\n    \"\"\"\(title): \(doc)\"\"\"\n"
                + body.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
        }
        switch s.name {
        case "gaussian":
            return def(
                "scipy.ndimage.gaussian_filter(x, sigma) (truncate 4, reflect), by dask-image.",
                "return ndfilters.gaussian_filter(x, sigma=\(sigma(s)), mode=\"reflect\", truncate=4.0)")
        case "median", "uniform", "minimum", "maximum":
            let f = s.name == "median" ? "median_filter" : s.name == "uniform" ? "uniform_filter" : s.name + "_filter"
            return def(
                "scipy.ndimage.\(f)(x, size) (reflect), by dask-image.",
                "return ndfilters.\(f)(x, size=\(size(s)), mode=\"reflect\")")
        case "sobel":
            return def(
                "numpy.hypot(ndimage.sobel(p, 0), ndimage.sobel(p, 1)) on each plane p\n    (scipy's sobel smooths along every other axis, so it runs plane by plane).",
                """
                def magnitude(plane):
                    return np.hypot(ndi.sobel(plane, 0), ndi.sobel(plane, 1))

                return with_halo(x, lambda block: on_slices(block, magnitude, (ROW_AXIS, COL_AXIS)), \(haloDepth(s)))
                """)
        case "laplace":
            return def(
                "scipy.ndimage.laplace(p) on each plane p (it sums over every axis it is given).",
                "return with_halo(x, lambda block: on_slices(block, ndi.laplace, (ROW_AXIS, COL_AXIS)), \(haloDepth(s)))"
            )
        case "log":
            let v = s.perAxis("sigma")
            let three = v.z > 0
            let sig =
                three
                ? "(\(Self.number(v.z)), \(Self.number(v.y)), \(Self.number(v.x)))"
                : "(\(Self.number(v.y)), \(Self.number(v.x)))"
            return def(
                "scipy.ndimage.gaussian_laplace(p, sigma) on each \(three ? "z-stack" : "plane") p\n    (it sums the second derivatives over every axis it is given).",
                """
                def laplacian_of_gaussian(p):
                    return ndi.gaussian_laplace(p, \(sig))

                return with_halo(x, lambda block: on_slices(block, laplacian_of_gaussian, \(three ? "(DEPTH_AXIS, ROW_AXIS, COL_AXIS)" : "(ROW_AXIS, COL_AXIS)")), \(haloDepth(s)))
                """)
        case "dog":
            let s1 = s.perAxis("sigma1")
            let s2: (z: Double, y: Double, x: Double) =
                a.word("sigma2") != nil ? (s1.z * 1.6, s1.y * 1.6, s1.x * 1.6) : s.perAxis("sigma2")
            return def(
                "gaussian_filter(x, sigma1) - gaussian_filter(x, sigma2), by dask-image.",
                """
                sigma1 = per_axis(x.ndim, \(axisArguments(s1, integer: false, zIsDefault: 0)))
                sigma2 = per_axis(x.ndim, \(axisArguments(s2, integer: false, zIsDefault: 0)))
                return (ndfilters.gaussian_filter(x, sigma1, mode="reflect", truncate=4.0)
                        - ndfilters.gaussian_filter(x, sigma2, mode="reflect", truncate=4.0))
                """)
        case "unsharp":
            return def(
                "x + amount * (x - gaussian_filter(x, sigma)), by dask-image.",
                """
                amount = np.float32(\(Self.number(a.number("amount"))))
                return x + amount * (x - ndfilters.gaussian_filter(x, \(sigma(s)), mode="reflect", truncate=4.0))
                """)
        case "threshold":
            switch a.word("value") {
            case "otsu":
                return def(
                    """
                    x > skimage.filters.threshold_otsu(p), as 0/1, for each plane p.
                        vstack takes Otsu's threshold from the region it shows, and `vstack export`
                        shows a whole plane: so the threshold is computed here plane by plane (256 bins,
                        on float32, as vstack does), not over the whole dataset.
                    """,
                    """
                    def otsu_mask(plane):
                        if plane.min() == plane.max():
                            return 0  # no threshold: nothing above it
                        return plane > skimage.filters.threshold_otsu(plane, nbins=256)

                    return plane_axes(x).map_blocks(lambda block: on_slices(block, otsu_mask, (ROW_AXIS, COL_AXIS), \(maskType)), dtype=\(maskType))
                    """)
            case "local":
                let block = Int(a.number("block"))
                return def(
                    "x > skimage.filters.threshold_local(p, block, offset=offset) on each plane p,\n    as 0/1; dask-image's threshold_local (gaussian of sigma (block - 1) / 6, reflect).",
                    """
                    threshold = ndfilters.threshold_local(x, per_axis(x.ndim, rows=\(block), cols=\(block), fill=1), method="gaussian",
                                                          offset=\(Self.number(a.number("offset"))), mode="reflect")
                    return (x > threshold).astype(\(maskType))
                    """)
            default:
                return def(
                    "x > t, as 0/1.", "return (x > np.float32(\(Self.number(a.number("value"))))).astype(\(maskType))")
            }
        case "erode", "dilate", "open", "close", "tophat":
            let f = [
                "erode": "grey_erosion", "dilate": "grey_dilation", "open": "grey_opening", "close": "grey_closing",
                "tophat": "white_tophat",
            ][s.name]!
            return def(
                "scipy.ndimage.\(f)(x, size) (reflect), on blocks overlapping by the halo.",
                """
                size = \(size(s))
                return with_halo(x, lambda block: ndi.\(f)(block, size=size).astype(np.float32), \(haloDepth(s)))
                """)
        case "invert":
            let body: String
            switch s.inputKind {
            case .integer(let lo, let hi) where lo == 0:
                body =
                    "return np.float32(\(Self.number(hi))) - x  # skimage.util.invert for \(metadata.dataType): the dtype's maximum - x"
            case .integer: body = "return np.float32(-1) - x  # skimage.util.invert for a signed type: -1 - x"
            case .mask: body = "return np.float32(1) - x  # skimage.util.invert for a 0/1 mask: 1 - x"
            case .float: body = "return np.float32(1) - x  # skimage.util.invert for floating-point values: 1 - x"
            }
            return def("skimage.util.invert for what the stage receives (results stay float).", body)
        case "gamma":
            let sc = scale(s.inputKind)
            return def(
                "(x / scale) ** g * scale, as skimage.exposure.adjust_gamma without rounding.",
                """
                scale = np.float32(\(sc.value))  # \(sc.why)
                return (x / scale) ** np.float32(\(Self.number(a.number("g")))) * scale
                """)
        case "logscale":
            let sc = scale(s.inputKind)
            return def(
                "log2(1 + x / scale) * scale, as skimage.exposure.adjust_log without rounding.",
                """
                scale = np.float32(\(sc.value))  # \(sc.why)
                return np.log2(1 + x / scale) * scale
                """)
        case "clip":
            return def(
                "numpy.clip(x, lo, hi).",
                "return da.clip(x, np.float32(\(Self.number(a.number("lo")))), np.float32(\(Self.number(a.number("hi")))))"
            )
        case "deconvolve":
            let v = s.perAxis("sigma")
            let three = v.z > 0
            return def(
                """
                skimage.restoration.richardson_lucy(p, psf, iterations, clip=False)
                    on each \(three ? "z-stack" : "plane") p, psf the normalised gaussian of radius int(4 sigma + 0.5). Each iteration
                    is two convolutions with zero borders, so a pixel depends on 2 * iterations * radius
                    pixels around it: the halo.
                """,
                """
                psf = gaussian_psf(\(three ? "(\(Self.number(v.z)), \(Self.number(v.y)), \(Self.number(v.x)))" : "(\(Self.number(v.y)), \(Self.number(v.x)))"))

                def richardson_lucy(p):
                    return skimage.restoration.richardson_lucy(p, psf, num_iter=\(Int(a.number("iterations"))), clip=False)

                return with_halo(x, lambda block: on_slices(block, richardson_lucy, \(three ? "(DEPTH_AXIS, ROW_AXIS, COL_AXIS)" : "(ROW_AXIS, COL_AXIS)")), \(haloDepth(s)))
                """) + "\n\n\n" + Self.gaussianPSF
        case "mip":
            let n = Int(a.number("n"))
            return def(
                "the maximum over the \(n) planes [z - \(n / 2), z - \(n / 2) + \(n)) around each plane along\n    the depth axis, clipped to the array: numpy.max(x[lo:hi], axis=0).",
                """
                def window_maximum(block):
                    stack = np.moveaxis(block, DEPTH_AXIS, 0)
                    out = np.empty(stack.shape, np.float32)
                    for z in range(stack.shape[0]):
                        out[z] = stack[max(0, z - \(n / 2)): z - \(n / 2) + \(n)].max(axis=0)
                    return np.moveaxis(out, 0, DEPTH_AXIS)

                return with_halo(x, window_maximum, {DEPTH_AXIS: \(n / 2)})
                """)
        default:
            // `init` refused the stages not in `operators`.
            preconditionFailure("export --script dask: no Python for \(s.name)")
        }
    }

    private static let gaussianPSF = #"""
        def gaussian_psf(sigma):
            """The PSF vstack's deconvolve uses: the outer product of scipy's normalised 1-D gaussian
            kernels (radius int(4 sigma + 0.5)), one per axis (a sigma of 0: that axis is left alone)."""
            psf = np.ones((1,) * len(sigma))
            for axis, s in enumerate(sigma):
                if s > 0:
                    r = int(4.0 * s + 0.5)
                    k = np.exp(-0.5 * np.arange(-r, r + 1) ** 2 / (s * s))
                    shape = [1] * len(sigma)
                    shape[axis] = 2 * r + 1
                    psf = psf * (k / k.sum()).reshape(shape)
            return psf
        """#

    private var pipelineFunction: String {
        let body =
            stages.isEmpty
            ? ["    return x  # no --filter: a copy"]
            : stages.enumerated().map { i, s in "    x = \(function(i + 1, s))(x)" } + ["    return x"]
        return """
            def pipeline(x):
                \"\"\"\(stages.isEmpty ? "No stages." : pipelineText): the stages in order, on the float32 source.\"\"\"
            \(body.joined(separator: "\n"))
            """
    }

    // MARK: - Reading, writing, running

    private var ioFunctions: String {
        #"""
        def open_source():
            """The source as a dask array, its Zarr format (2 or 3) and its OME-Zarr multiscales entry (or None)."""
            if READER == "tiff":
                import tifffile
                store = tifffile.imread(SOURCE, aszarr=True, series=0, level=0)
                return da.from_zarr(zarr.open(store, mode="r")), 3, None
            if READER == "tiffseries":
                return read_tiff_series(), 3, None
            if READER == "hdf5":
                import h5py
                with h5py.File(SOURCE, "r") as f:
                    dtype = f[DATASET].dtype
                chunks = da.core.normalize_chunks(SOURCE_CHUNKS, SHAPE)
                return da.map_blocks(read_hdf5_block, chunks=chunks, dtype=dtype), 3, None
            if READER == "n5":
                import tensorstore as ts
                store = ts.open({"driver": "n5", "kvstore": {"driver": "file", "path": SOURCE}}, read=True).result()
                chunks = da.core.normalize_chunks(SOURCE_CHUNKS, SHAPE)  # (N5 lists axes fastest first: .T is vstack's order)
                return da.map_blocks(read_n5_block, chunks=chunks, dtype=store.dtype.numpy_dtype), 3, None
            node = zarr.open(SOURCE, mode="r")
            if isinstance(node, zarr.Group):
                # OME-Zarr: level 0 of the first multiscale image (0.4: in the attributes, 0.5: under "ome").
                attributes = dict(node.attrs)
                multiscale = attributes.get("ome", attributes)["multiscales"][0]
                array = node[multiscale["datasets"][0]["path"]]
                return da.from_zarr(array), node.metadata.zarr_format, multiscale
            return da.from_zarr(node), node.metadata.zarr_format, None


        def read_tiff_series():
            """The files as vstack stacks them: one block a file (its first series, level 0), zeros
            where a file is missing, the series axes in front."""
            import tifffile
            file_shape = SHAPE[len(SERIES_SHAPE):]
            dtype = np.dtype(DTYPE)

            def read_file(path):
                return tifffile.imread(path, series=0, level=0).astype(dtype).reshape(file_shape)

            parts = [da.zeros(file_shape, dtype=dtype, chunks=file_shape) if path is None
                     else da.from_delayed(dask.delayed(read_file)(path), shape=file_shape, dtype=dtype)
                     for path in FILES]
            return da.stack(parts).reshape(SERIES_SHAPE + file_shape)


        def read_n5_block(block_info=None):
            """One block of the N5 dataset, read with tensorstore by the task that needs it."""
            import tensorstore as ts
            location = block_info[None]["array-location"]
            store = ts.open({"driver": "n5", "kvstore": {"driver": "file", "path": SOURCE}}, read=True).result().T
            return store[tuple(slice(start, stop) for start, stop in location)].read().result()


        def read_hdf5_block(block_info=None):
            """One block of the HDF5 dataset, read by the task that needs it: h5py objects cannot be
            sent to other processes, so each task opens the file itself."""
            import h5py
            location = block_info[None]["array-location"]
            with h5py.File(SOURCE, "r") as f:
                return f[DATASET][tuple(slice(start, stop) for start, stop in location)]


        def parse_chunks(text, ndim):
            """'1,1,256,256' (one per axis, -1 for a whole axis) or 'auto'."""
            if text == "auto":
                return "auto"
            chunks = tuple(int(c) for c in text.split(","))
            if len(chunks) != ndim:
                sys.exit(f"--chunks {text}: expected {ndim} numbers, one per axis")
            return chunks


        def create_output(path, shape, chunks, dtype, zarr_format, multiscale):
            """An empty Zarr array for the result: the source's axis names (dimension_names in v3,
            _ARRAY_DIMENSIONS in v2) and, for an OME-Zarr source, a one-level multiscales image with
            the source's level-0 scales."""
            names = {"dimension_names": AXES} if AXES and zarr_format == 3 else {}
            if multiscale is None:
                array = zarr.create_array(path, shape=shape, chunks=chunks, dtype=dtype, fill_value=0,
                                          zarr_format=zarr_format, overwrite=True, **names)
                if AXES and zarr_format == 2:
                    array.attrs["_ARRAY_DIMENSIONS"] = AXES
                return array
            group = zarr.open_group(path, mode="w", zarr_format=zarr_format)
            array = group.create_array("0", shape=shape, chunks=chunks, dtype=dtype, fill_value=0, **names)
            if AXES and zarr_format == 2:
                array.attrs["_ARRAY_DIMENSIONS"] = AXES
            level = {key: value for key, value in multiscale.items() if key not in ("datasets", "metadata", "type")}
            level["name"] = multiscale.get("name", "vstack-dask")
            level["datasets"] = [{"path": "0",
                                  "coordinateTransformations": multiscale["datasets"][0].get("coordinateTransformations",
                                                                                            [{"type": "scale", "scale": [1.0] * len(shape)}])}]
            if zarr_format == 3:
                group.attrs["ome"] = {"version": "0.5", "multiscales": [level]}
            else:
                level.setdefault("version", "0.4")
                group.attrs["multiscales"] = [level]
            return array
        """#
    }

    private var mainFunction: String {
        #"""
        def parse_arguments():
            p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                        formatter_class=argparse.RawDescriptionHelpFormatter)
            p.add_argument("--output", "-o", required=True, metavar="PATH.zarr", help="the Zarr to write (never the source, inside it or around it)")
            p.add_argument("--overwrite", action="store_true", help="replace --output if it exists (default: refuse)")
            p.add_argument("--scheduler", metavar="ADDRESS", help="a dask.distributed scheduler, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster)")
            p.add_argument("--workers", type=int, default=4, metavar="N", help="LocalCluster worker processes (default: 4)")
            p.add_argument("--threads-per-worker", type=int, default=1, metavar="N", help="threads of each LocalCluster worker (default: 1)")
            p.add_argument("--local-threads", action="store_true", help="no cluster: dask's threaded scheduler in this process")
            p.add_argument("--chunks", metavar="C,C,...", help="rechunk the source first: one size per axis (-1: whole axis), or 'auto' (default: the source's chunks)")
            p.add_argument("--zarr-format", type=int, choices=(2, 3), help="the output's Zarr format (default: the source's; 3 for TIFF and HDF5)")
            args = p.parse_args()
            if not args.output.rstrip("/").endswith(".zarr"):
                p.error(f"--output {args.output}: expected a path ending in .zarr")
            check_output(args.output, args.overwrite)
            return args


        def check_output(path, overwrite):
            """Refuses (exit 2, one line) an output that would destroy data: one of INPUTS, a path
            inside one, or a directory holding one (paths compared resolved: links and .. do not hide
            an overlap); and an existing path unless --overwrite."""
            def refuse(why):
                print(f"{sys.argv[0]}: --output {path}: {why}", file=sys.stderr)
                sys.exit(2)
            out = os.path.realpath(path)
            for source in INPUTS:
                data = os.path.realpath(source)
                if out == data:
                    refuse(f"refusing to write over the input {source} (choose another path)")
                if out.startswith(data.rstrip("/") + "/"):
                    refuse(f"refusing to write inside the input {source} (choose a path outside it)")
                if data.startswith(out.rstrip("/") + "/"):
                    refuse(f"refusing to write over a path that holds the input {source} (choose another path)")
            if os.path.lexists(path) and not overwrite:
                refuse("it exists (pass --overwrite to replace it)")


        def main():
            args = parse_arguments()
            source, zarr_format, multiscale = open_source()
            if source.shape != SHAPE:
                sys.exit(f"{SOURCE}: the shape is {source.shape}, not {SHAPE} as when the script was written")
            if args.zarr_format:
                zarr_format = args.zarr_format
            # vstack's operators all work on float32; a copy keeps the source's values (in native byte order).
            x = source.astype(source.dtype.newbyteorder("=")) if OUTPUT_DTYPE is None else source.astype(np.float32)
            if args.chunks:
                x = x.rechunk(parse_chunks(args.chunks, x.ndim))
            chunks = tuple(c[0] for c in x.chunks)  # the output's chunks: the (rechunked) source's
            # --at: the stages run lazily on the whole source and only the subset is computed, so a
            # stage's halo reaches past the subset's edge as vstack's does.
            result = pipeline(x)[SUBSET]
            # A mask is written as uint8 0/1, anything else filtered as float32 (as vstack export does).
            # (A threshold ending the pipeline gives uint8 already; a morphology stage after one, float32 0/1.)
            if OUTPUT_DTYPE == "uint8" and result.dtype != np.uint8:
                result = result.map_blocks(lambda block: (block != 0).view(np.uint8), dtype=np.uint8)
            elif OUTPUT_DTYPE == "float32":
                result = result.astype(np.float32)
            result = result.rechunk(chunks)  # one task a Zarr chunk (the stages may have rechunked)
            output = create_output(args.output, result.shape, chunks, result.dtype, zarr_format, multiscale)
            print(f"{SOURCE} -> {args.output}: {result.shape} {result.dtype}, {result.npartitions} chunks", file=sys.stderr)
            # The dask chunks are the Zarr array's, so each task writes whole chunks of its own and
            # needs no lock. (da.to_zarr into an existing array would first rechunk to dask's
            # "auto" size.)
            if args.local_threads:
                from dask.diagnostics import ProgressBar
                with ProgressBar(), dask.config.set(scheduler="threads"):
                    da.store(result, output, lock=False)
                return
            from dask.distributed import Client, LocalCluster, progress
            if args.scheduler:
                client = Client(args.scheduler)
            else:
                cluster = LocalCluster(n_workers=args.workers, threads_per_worker=args.threads_per_worker,
                                       dashboard_address=None)
                client = Client(cluster)
            with client:
                job = da.store(result, output, lock=False, compute=False).persist()
                progress(job)  # a text progress bar on stdout
                print()
                job.compute()
            if not args.scheduler:
                cluster.close()


        if __name__ == "__main__":
            main()
        """#
    }

    // MARK: - Formatting

    /// A Python string literal.
    static func py(_ s: String) -> String {
        "\""
            + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// A Python number: `2`, `1.5`, `-5`.
    static func number(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return FileManager.default.currentDirectoryPath + "/" + path
    }
}

private enum Shell {
    static func quoted(_ s: String) -> String { DaskScript.shellWord(s) }
}

extension DaskScript {
    /// A shell word: unchanged when plain, else in single quotes.
    static func shellWord(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+=:,@".contains($0) })
            ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
