import ArgumentParser
import ArrayModel
import Cache
import Formats
import Rendering
import TUI

/// The cost of the label overlay, as the viewer draws a frame: at fit and at 1:1,
/// with every chunk resident, the ms of a frame (resident planes + render) without
/// and with the labels, and the bytes of a frame in 256 colours.
struct LabelsBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Frame time and bytes with a label overlay against without, at fit and 1:1 (chunks resident).")

    @Argument(help: "The image.")
    var path: String

    @Option(help: ArgumentHelp("The label image (a path, or an OME label's name).", valueName: "PATH|NAME"))
    var labels: String

    @Option(help: ArgumentHelp("Frame size in cells.", valueName: "COLSxROWS"))
    var size: String = "160x48"

    @Option(help: "Frames timed per case (the median is reported).")
    var frames: Int = 15

    @OptionGroup var plane: PlaneOptions
    @OptionGroup var caching: CacheOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let (columns, rows) = try parseCellSize(size)
        let array = try plane.open(path)
        let cache = try caching.makeCache()
        let loader = PlaneLoader(array: array, cache: cache)
        let selection = try plane.selection(for: array)
        let layer = try LabelOptions.layer(labels, over: array, names: selection.axisNames, look: nil)
        let labelLoader = PlaneLoader(layer: layer.array, sharing: loader, owner: .labels)
        defer {
            labelLoader.stop()
            loader.stop()
        }
        let pane = ViewState.Pane(columns: columns, rows: rows - 2)
        var results: [String] = []
        var lines: [String] = []
        for (name, action) in [("fit", Action.zoomFit), ("1:1", Action.zoomOneToOne)] {
            var state = ViewState(selection: selection, shape: array.metadata.shape)
            state.fitRegion(pane)
            state.apply(action, pane: pane)
            let view = state.selection
            var settings = RenderSettings()
            let level = LevelSelection(
                loader.pyramid, view: view, mode: settings.mode, columns: pane.columns, rows: pane.rows)
            let imagePlan = loader.show([view], level: level.index)
            guard loader.waitUntilLoaded(imagePlan.visible, timeout: 300) else {
                throw RuntimeFailure("the image did not load in 300 s")
            }
            let screen = settings.mode.pixelSize(
                fitting: level.view.columns.count, level.view.rows.count,
                columns: pane.columns, rows: pane.rows)
            guard let source = layer.source(for: view, width: screen.width, height: screen.height),
                let labelView = layer.alignment.view(for: view)
            else { throw RuntimeFailure("the labels have no displayed axes") }
            let step = layer.step(
                for: source, width: screen.width, height: screen.height, maxBytes: min(cache.budget / 4, 32 << 20))
            let labelPlan = labelLoader.show([labelView], level: source.index)
            guard labelLoader.waitUntilLoaded(labelPlan.visible, timeout: 300) else {
                throw RuntimeFailure("the labels did not load in 300 s")
            }

            func frame(withLabels: Bool) throws -> (ms: Double, bytes: Int, bytes256: Int) {
                var times: [Double] = []
                var bytes = 0, bytes256 = 0
                for _ in 0..<max(1, frames) {
                    let t0 = Clock.now()
                    let image = try loader.residentPlane(view, level: level.index, counting: false)
                    let overlay =
                        withLabels
                        ? layer.overlay(
                            step == 1
                                ? try labelLoader.residentPlane(labelView, level: source.index, counting: false).plane
                                : try labelLoader.residentSampledPlane(
                                    labelView, level: source.index, step: step, counting: false
                                ).plane)
                        : nil
                    settings.depth = .truecolor
                    let rendered = Renderer.composite(
                        [ChannelLayer(plane: image.plane, colorMap: .gray)], labels: overlay,
                        settings: settings, columns: pane.columns, rows: pane.rows)
                    bytes = ANSIWriter.frameBytes(rendered.frame).count
                    times.append((Clock.now() - t0) * 1000)
                    settings.depth = .palette256
                    bytes256 =
                        ANSIWriter.frameBytes(
                            Renderer.composite(
                                [ChannelLayer(plane: image.plane, colorMap: .gray)], labels: overlay,
                                settings: settings, columns: pane.columns, rows: pane.rows
                            ).frame
                        ).count
                }
                return (times.sorted()[times.count / 2], bytes, bytes256)
            }
            let plain = try frame(withLabels: false)
            let with = try frame(withLabels: true)
            results.append(
                "{\"zoom\": \"\(name)\", \"level\": \(level.index), \"label_level\": \(source.index), \"label_step\": \(step), \"plain_ms\": \(plain.ms), \"labels_ms\": \(with.ms), \"plain_bytes\": \(plain.bytes), \"labels_bytes\": \(with.bytes), \"plain_bytes_256\": \(plain.bytes256), \"labels_bytes_256\": \(with.bytes256)}"
            )
            lines.append(
                "\(name): \(String(format: "%.1f", plain.ms)) ms → \(String(format: "%.1f", with.ms)) ms with labels (+\(String(format: "%.0f", (with.ms / plain.ms - 1) * 100)) %), \(plain.bytes256) → \(with.bytes256) bytes in 256 colours"
            )
        }
        print(
            json
                ? "{\"cases\": [\(results.joined(separator: ", "))], \"peak_rss_bytes\": \(ResourceUsage.peakResidentBytes())}"
                : lines.joined(separator: "\n"))
    }
}
