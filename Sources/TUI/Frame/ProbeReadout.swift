import ArrayModel
import Processing
import Rendering

/// The probe's message line (`probe z=48 y=256 x=256 (102.4 µm, 102.4 µm): 107  nuclei id 12`) and its
/// cell on screen. The value is the level-0 pixel's once its one-pixel read is resident; until then
/// (and for filtered planes) it is the drawn plane's, marked with where it comes from.
struct ProbeReadout {
    let state: ViewState
    let plan: FramePlan
    let inputs: FrameInputs
    let metadata: ArrayMetadata
    let pyramid: [PyramidLevel]
    /// The plane the frame drew (the level's, a reduction's screen pixels, or the filtered plane).
    let plane: ArrayBuffer
    let filtered: FilteredPlane?
    let labels: LabelImage?
    let labelName: String?
    let signedLabels: Bool

    /// The cell of a level-0 probe point in the pane.
    func cell(_ p: ViewState.Point, mapping m: CellMapping) -> (x: Int, y: Int) {
        let s = state.selection
        let (px, py) = m.mode.pixelsPerCell
        let fx = (p.x + 0.5 - Double(s.columns.lowerBound)) / Double(max(1, s.columns.count))
        let fy = (p.y + 0.5 - Double(s.rows.lowerBound)) / Double(max(1, s.rows.count))
        return (
            m.origin.x + Int(clamping: (fx * Double(m.pixelWidth)).rounded(.down)) / px,
            m.origin.y + Int(clamping: (fy * Double(m.pixelHeight)).rounded(.down)) / py
        )
    }

    func text() -> String? {
        guard let p = state.probe else { return nil }
        let s = state.selection
        let value: Double
        // A value that is not the level-0 pixel's says where it comes from.
        var source = ""
        if let f = filtered {
            // Working pixels of `factor` level-0 pixels each.
            let k = f.factor
            let (r, c) = (Int(p.y) / k - s.rows.lowerBound / k, Int(p.x) / k - s.columns.lowerBound / k)
            guard r >= 0, c >= 0, r < plane.shape[0], c < plane.shape[1] else { return "probe outside the view" }
            value = plane.double(at: r * plane.shape[1] + c)
            if k > 1 { source = " (filtered at 1/\(k))" }
        } else if let v = inputs.probeValue {
            value = v
        } else {
            guard let (r, c) = drawnPixel(p) else { return "probe outside the view" }
            value = plane.double(at: r * plane.shape[1] + c)
            if plan.image == .reduce {
                source = " (\(state.downsample.rawValue) of a block)"
            } else if plan.level > 0 {
                source = " (a level \(plan.level) pixel)"
            }
        }
        let names = s.axisNames
        let (ra, ca) = (s.rowAxis, s.columnAxis)
        let base = state.indexBase
        var where_ = "\(names[ra])=\(Int(p.y) + base) \(names[ca])=\(Int(p.x) + base)"
        // The position in physical units too, where the scales are known (pixel centres from 0).
        let physical = [(ra, p.y), (ca, p.x)].compactMap { axis, v in
            metadata.scales?[axis].map {
                "\(NumberText.short((v * $0.step * 1000).rounded() / 1000))\($0.unitSymbol.map { " " + $0 } ?? "")"
            }
        }
        if physical.count == 2 { where_ += " (\(physical.joined(separator: ", ")))" }
        return "probe \(where_): \(NumberText.short(value))\(source)" + (label(p).map { "  " + $0 } ?? "")
    }

    /// Where the level-0 pixel lies in the unfiltered plane the frame drew (nil: outside it).
    private func drawnPixel(_ p: ViewState.Point) -> (Int, Int)? {
        let s = state.selection
        let (r, c): (Int, Int)
        if plan.image == .reduce {
            // Screen pixels: the block mean (or max, or sample) holding the pixel.
            (r, c) = (
                (Int(p.y) - s.rows.lowerBound) * plane.shape[0] / max(1, s.rows.count),
                (Int(p.x) - s.columns.lowerBound) * plane.shape[1] / max(1, s.columns.count)
            )
        } else if plan.level > 0 {
            // The drawn level's pixels: the one whose centre is nearest the level-0 pixel.
            let (level, view) = (pyramid[plan.level], plan.levelViews[0])
            (r, c) = (
                level.index(Int(p.y), axis: view.rowAxis) - view.rows.lowerBound,
                level.index(Int(p.x), axis: view.columnAxis) - view.columns.lowerBound
            )
        } else {
            (r, c) = (Int(p.y) - s.rows.lowerBound, Int(p.x) - s.columns.lowerBound)
        }
        guard r >= 0, c >= 0, r < plane.shape[0], c < plane.shape[1] else { return nil }
        return (r, c)
    }

    /// The label id drawn at a level-0 probe point, when labels are shown.
    private func label(_ p: ViewState.Point) -> String? {
        guard let labels, let name = labelName else { return nil }
        let s = state.selection
        let x = Int(
            clamping: ((p.x + 0.5 - Double(s.columns.lowerBound)) / Double(max(1, s.columns.count))
                * Double(labels.width)).rounded(.down))
        let y = Int(
            clamping: ((p.y + 0.5 - Double(s.rows.lowerBound)) / Double(max(1, s.rows.count)) * Double(labels.height))
                .rounded(.down))
        guard x >= 0, y >= 0, x < labels.width, y < labels.height else { return nil }
        let id = labels.ids[y * labels.width + x]
        return id == 0 ? "\(name) background" : "\(name) id \(LabelIDText.text(id, signed: signedLabels))"
    }
}
