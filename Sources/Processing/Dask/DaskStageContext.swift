import ArrayModel

/// What an operator's Dask writer is given: the bound stage and the view's axes, with the Python
/// fragments the writers share (per-axis tuples, the halo as `map_overlap` depth, numbers).
/// The generated script defines `per_axis`, `with_halo`, `on_slices` and `plane_axes` (see
/// `DaskScript`), and `DEPTH_AXIS`, `ROW_AXIS`, `COL_AXIS`.
public struct DaskStageContext: Sendable {
    public let stage: BoundStage
    /// Whether the view has a depth axis (3-D stages work along it).
    public let hasDepth: Bool
    /// The NumPy type a mask is written as: `np.uint8` for the stage that ends a pipeline whose
    /// result is a mask (it writes the output's 0/1 itself), else `np.float32`.
    public let maskType: String
    /// The source's data type, for what the comments say.
    public let dataType: DataType

    public init(stage: BoundStage, hasDepth: Bool, maskType: String, dataType: DataType) {
        (self.stage, self.hasDepth, self.maskType, self.dataType) = (stage, hasDepth, maskType, dataType)
    }

    public var arguments: StageArguments { stage.arguments }

    /// A Python number: `2`, `1.5`, `-5`.
    public static func number(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }

    /// `depth=…, rows=…, cols=…` for `per_axis`, from a per-axis argument (depth only when the view
    /// has one and the value is not `zIsDefault`).
    public func axisArguments(_ v: (z: Double, y: Double, x: Double), integer: Bool, zIsDefault: Double) -> String {
        func f(_ d: Double) -> String { integer ? String(Int(d)) : Self.number(d) }
        var parts: [String] = []
        if hasDepth && v.z != zIsDefault { parts.append("depth=\(f(v.z))") }
        parts.append("rows=\(f(v.y))")
        parts.append("cols=\(f(v.x))")
        return parts.joined(separator: ", ")
    }

    /// `per_axis(x.ndim, …)` of a sigma argument.
    public func sigma(_ name: String = "sigma") -> String {
        "per_axis(x.ndim, \(axisArguments(stage.perAxis(name), integer: false, zIsDefault: 0)))"
    }

    /// `per_axis(x.ndim, …, fill=1)` of the `size` argument.
    public var size: String {
        "per_axis(x.ndim, \(axisArguments(stage.perAxis("size", zDefault: 1), integer: true, zIsDefault: 1)), fill=1)"
    }

    /// The stage's halo as `with_halo`'s depth: `{DEPTH_AXIS: 2, ROW_AXIS: 8, COL_AXIS: 8}`.
    public var haloDepth: String {
        let halo = stage.halo
        var parts: [String] = []
        if hasDepth, halo.z > 0 { parts.append("DEPTH_AXIS: \(halo.z)") }
        if halo.y > 0 { parts.append("ROW_AXIS: \(halo.y)") }
        if halo.x > 0 { parts.append("COL_AXIS: \(halo.x)") }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    /// The range skimage scales by for what the stage receives (dtype max, else 1), and why.
    public var exposureScale: (value: String, why: String) {
        switch stage.inputKind {
        case .integer(_, let hi): (Self.number(hi), "the maximum of the source's \(dataType)")
        case .mask: ("1.0", "1 for a 0/1 mask")
        case .float: ("1.0", "1 for floating-point values")
        }
    }

    /// A sigma tuple as Python: `(z, y, x)` for a 3-D stage, else `(y, x)`.
    public func sigmaTuple(_ v: (z: Double, y: Double, x: Double)) -> String {
        v.z > 0
            ? "(\(Self.number(v.z)), \(Self.number(v.y)), \(Self.number(v.x)))"
            : "(\(Self.number(v.y)), \(Self.number(v.x)))"
    }

    /// The axes `on_slices` gives a 3-D (`three`) or 2-D stage.
    public static func sliceAxes(three: Bool) -> String {
        three ? "(DEPTH_AXIS, ROW_AXIS, COL_AXIS)" : "(ROW_AXIS, COL_AXIS)"
    }

    /// A scipy filter of `size` that dask-image has (`median_filter`, …).
    public func sizeFilter(_ f: String) -> DaskStage {
        DaskStage(
            "scipy.ndimage.\(f)(x, size) (reflect), by dask-image.",
            "return ndfilters.\(f)(x, size=\(size), mode=\"reflect\")", modules: [.daskImageFilters])
    }

    /// A scipy grey-morphology filter of `size` on blocks overlapping by the halo.
    public func morphology(_ f: String) -> DaskStage {
        DaskStage(
            "scipy.ndimage.\(f)(x, size) (reflect), on blocks overlapping by the halo.",
            """
            size = \(size)
            return with_halo(x, lambda block: ndi.\(f)(block, size=size).astype(np.float32), \(haloDepth))
            """, modules: [.scipyNdimage])
    }
}
