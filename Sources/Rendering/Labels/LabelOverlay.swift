import ArrayModel

/// Filled objects or their borders only.
public enum LabelStyle: String, Sendable, CaseIterable {
    case fill, outline
}

/// A label image drawn over the picture: ids sampled to the screen pixels
/// (never averaged), a colour per id (the source's `image-label` colour, else
/// `LabelPalette`), id 0 transparent, blended with an opacity.
public struct LabelOverlay: Sendable {
    /// The ids of the shown region, rows × columns (any integer type or bool).
    public var plane: ArrayBuffer
    /// Colours the source gives some ids (OME `image-label.colors`); their alpha scales the opacity.
    public var colors: [UInt64: LabelColor]
    public var opacity: Double
    public var style: LabelStyle
    public var sampling: LabelSampling

    public static let defaultOpacity = 0.6

    public init(
        plane: ArrayBuffer, colors: [UInt64: LabelColor] = [:], opacity: Double = LabelOverlay.defaultOpacity,
        style: LabelStyle = .fill, sampling: LabelSampling = .mode
    ) {
        (self.plane, self.colors, self.opacity, self.style, self.sampling) = (plane, colors, opacity, style, sampling)
    }

    /// The ids at `width`×`height` screen pixels.
    public func sample(width: Int, height: Int) -> LabelImage {
        LabelSampler.sample(
            plane.labelIDs(), width: plane.shape[1], height: plane.shape[0], to: width, height, mode: sampling)
    }

    /// The colour and opacity an id is drawn with.
    @inline(__always)
    func paint(_ id: UInt64) -> (RGB, Double) {
        if !colors.isEmpty, let c = colors[id] { return (RGB(c.r, c.g, c.b), opacity * Double(c.a) / 255) }
        return (LabelPalette.color(of: id), opacity)
    }

    /// Whether pixel p of `image` is on an object's border: a labelled pixel with a 4-neighbour
    /// of another id (the pane's edge is not a border).
    static func isBorder(_ image: LabelImage, _ p: Int) -> Bool {
        let id = image.ids[p]
        guard id != 0 else { return false }
        let (x, y, w) = (p % image.width, p / image.width, image.width)
        return (x > 0 && image.ids[p - 1] != id) || (x + 1 < w && image.ids[p + 1] != id)
            || (y > 0 && image.ids[p - w] != id) || (y + 1 < image.height && image.ids[p + w] != id)
    }

    /// Blends the labels into the picture's screen pixels. Where glyph shapes carry the picture
    /// (`marksShapes`: ascii, or no colours), borders are also set to full intensity so they are
    /// drawn as characters.
    func apply(_ labels: LabelImage, rgb: inout [RGB], intensity: inout [Float], marksShapes: Bool) {
        for p in labels.ids.indices where labels.ids[p] != 0 {
            let border = LabelOverlay.isBorder(labels, p)
            if style == .outline && !border { continue }
            let (c, a) = paint(labels.ids[p])
            let o = rgb[p]
            func mix(_ u: UInt8, _ v: UInt8) -> UInt8 { UInt8((Double(u) + (Double(v) - Double(u)) * a).rounded()) }
            rgb[p] = RGB(mix(o.r, c.r), mix(o.g, c.g), mix(o.b, c.b))
            if marksShapes && border { intensity[p] = 1 }
        }
    }
}
