import ArgumentParser
import ArrayModel
import Formats
import Rendering

/// The label overlay options of view, demo, render and export (SPEC §1 `--labels`).
struct LabelOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A label image drawn over the image: a path (any integer Zarr, TIFF or OME-Zarr label image) or the name of one of the OME-Zarr image's labels.",
            valueName: "PATH|NAME"))
    var labels: String?

    @Option(help: ArgumentHelp("How much the label colours cover the image, 0 to 1.", valueName: "A"))
    var labelOpacity: Double = LabelOverlay.defaultOpacity

    @Option(help: ArgumentHelp("fill: coloured objects; outline: their borders only.", valueName: "MODE"))
    var labelMode: String = "fill"

    @Option(
        help: ArgumentHelp(
            "How label pixels become screen pixels: mode (the most frequent id of each block) or nearest.",
            valueName: "MODE"))
    var labelSampling: String = "mode"

    func validate() throws {
        guard labelOpacity >= 0 && labelOpacity <= 1 else {
            throw ValidationError("--label-opacity \(labelOpacity): expected a number from 0 to 1")
        }
        guard LabelStyle(rawValue: labelMode) != nil else {
            throw ValidationError("--label-mode '\(labelMode)': expected fill or outline")
        }
        guard LabelSampling(rawValue: labelSampling) != nil else {
            throw ValidationError("--label-sampling '\(labelSampling)': expected mode or nearest")
        }
    }

    /// The label layer --labels names over `image` (whose axes are shown as `names`), with the look options.
    func layer(over image: LazyArray, names: [String]) throws -> LabelLayer? {
        guard let labels else { return nil }
        return try LabelOptions.layer(labels, over: image, names: names, look: self)
    }

    /// A label layer by path or OME label name, drawn as the options say.
    static func layer(_ spec: String, over image: LazyArray, names: [String], look: LabelOptions?) throws -> LabelLayer
    {
        let array = try Dataset.openLabels(spec, for: image)
        let name =
            image.metadata.labelImages.contains(spec)
            ? spec : String(spec.split(separator: "/").last ?? Substring(spec))
        var layer = try LabelLayer(array, name: name, image: image.metadata, imageNames: names)
        if let look {
            layer.opacity = look.labelOpacity
            layer.style = LabelStyle(rawValue: look.labelMode) ?? .fill
            layer.sampling = LabelSampling(rawValue: look.labelSampling) ?? .mode
        }
        return layer
    }
}
