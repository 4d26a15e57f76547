/// An operator's Python in `vstack export --script dask`: the body of the stage's function (which
/// takes and returns a dask array `x`), its docstring, the modules it imports and any functions it
/// calls. `DaskScript` only assembles these; each operator writes its own (`OperatorSpec.dask`).
public struct DaskStage: Sendable {
    /// The docstring after the stage's text (`gaussian(2): …`).
    public var doc: String
    /// The function's body, unindented.
    public var body: String
    /// The Python modules the body uses.
    public var modules: [PythonModule]
    /// Top-level Python written after the function (a helper it calls), or nil.
    public var after: String?

    public init(_ doc: String, _ body: String, modules: [PythonModule] = [], after: String? = nil) {
        (self.doc, self.body, self.modules, self.after) = (doc, body, modules, after)
    }
}

/// A module a stage's Python imports beyond numpy and dask, in the order the script imports them.
public enum PythonModule: Int, CaseIterable, Comparable, Sendable {
    case daskImageFilters, scipyNdimage, skimageFilters, skimageRestoration

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// The line that imports it.
    public var importLine: String {
        switch self {
        case .daskImageFilters: "from dask_image import ndfilters"
        case .scipyNdimage: "from scipy import ndimage as ndi"
        case .skimageFilters: "import skimage.filters"
        case .skimageRestoration: "import skimage.restoration"
        }
    }

    /// The PyPI package that provides it.
    public var package: String {
        switch self {
        case .daskImageFilters: "dask-image"
        case .scipyNdimage: "scipy"
        case .skimageFilters, .skimageRestoration: "scikit-image"
        }
    }
}
