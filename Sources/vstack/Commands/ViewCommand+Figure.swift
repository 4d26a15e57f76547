import Foundation
import Rendering
import TUI

extension ViewCommand {
    /// `s` in the viewer: the view as `vstack render PATH -o FILE.png` draws it, with the options
    /// the viewer was started with and its state now (position, region, displayed axes, colour
    /// map, limits, composite, filters, labels). The file goes to the current directory, named
    /// after the dataset and the position, never over an existing one.
    static func figureSaver(
        path: String, plane: PlaneOptions, look: RenderOptions, caching: CacheOptions,
        filtering: FilterOptions, labelling: LabelOptions,
        labelSpecs: [(name: String, spec: String)]
    ) -> ViewerApp.FigureSaver {
        { state in
            let s = state.selection
            var plane = plane, look = look, caching = caching, filtering = filtering, labelling = labelling
            let names = s.axisNames
            let others = names.indices.filter { $0 != s.rowAxis && $0 != s.columnAxis }
            plane.at = others.isEmpty ? nil : others.map { "\(names[$0])=\(s.indices[$0])" }.joined(separator: ",")
            plane.display = "\(names[s.rowAxis]),\(names[s.columnAxis])"
            plane.region = "\(s.rows.lowerBound):\(s.rows.upperBound),\(s.columns.lowerBound):\(s.columns.upperBound)"
            if !state.composite { look.cmap = state.colorMapName }
            look.composite = state.composite
            look.clim = state.limits.map { "\($0.low),\($0.high)" }
            look.downsample = state.downsample.rawValue
            look.aspect = state.physicalAspect ? "data" : "pixels"
            look.mode = nil
            caching.stats = false
            filtering.filter = state.pipeline.flatMap { $0.isActive ? $0.activeText : nil }
            labelling.labels = state.labelIndex.flatMap { i in labelSpecs.first { $0.name == state.labelNames[i] }?.spec
            }
            labelling.labelOpacity = state.labelOpacity
            labelling.labelMode = state.labelStyle.rawValue
            let file = figureName(path: path, state: state)
            var render = try RenderCommand.parse([path, "-o", file, "--quiet"])
            (render.plane, render.look, render.caching, render.filtering, render.labelling) = (
                plane, look, caching, filtering, labelling
            )
            try render.run()
            return file
        }
    }

    /// `embryo_c1_t99_z100_y0-1024_x0-768.png`, or `…-2.png` when that exists.
    static func figureName(path: String, state: ViewState) -> String {
        let s = state.selection
        var base = URL(fileURLWithPath: path.hasSuffix("/") ? String(path.dropLast()) : path).deletingPathExtension()
            .lastPathComponent
        if path.hasSuffix(":") || base.isEmpty { base = path.split(separator: ":").first.map(String.init) ?? "view" }
        base = String(base.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
        var parts = [base]
        for i in s.axisNames.indices
        where i != s.rowAxis && i != s.columnAxis && !(state.composite && i == state.channelAxis) {
            parts.append("\(s.axisNames[i])\(s.indices[i])")
        }
        parts.append("\(s.axisNames[s.rowAxis])\(s.rows.lowerBound)-\(s.rows.upperBound)")
        parts.append("\(s.axisNames[s.columnAxis])\(s.columns.lowerBound)-\(s.columns.upperBound)")
        let stem = parts.joined(separator: "_")
        var name = stem + ".png", n = 2
        while FileManager.default.fileExists(atPath: name) {
            name = "\(stem)-\(n).png"
            n += 1
        }
        return name
    }
}
