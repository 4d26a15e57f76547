import ArrayModel

/// Everything that decides how a plane looks, apart from the data.
public struct RenderSettings: Sendable, Equatable {
    public var mode: DisplayMode = .half
    public var depth: ColorDepth = .truecolor
    public var colorMap: ColorMap = .gray
    public var downsample: DownsampleMode = .mean
    /// Fixed contrast limits; nil = auto from the visible region.
    public var limits: Limits? = nil
    public var gamma: Double = 1
    /// A data row's height over a column's width on screen (physical scales; 1: square pixels).
    public var aspect: Double = 1

    public struct Limits: Sendable, Equatable {
        public var low: Double, high: Double
        public init(_ low: Double, _ high: Double) { (self.low, self.high) = (low, high) }
    }

    public init() {}
}

/// One channel of a picture: its data plane and how it is coloured.
public struct ChannelLayer: Sendable {
    public var plane: ArrayBuffer
    public var colorMap: ColorMap
    public var limits: RenderSettings.Limits?
    public var gamma: Double

    public init(plane: ArrayBuffer, colorMap: ColorMap, limits: RenderSettings.Limits? = nil, gamma: Double = 1) {
        (self.plane, self.colorMap, self.limits, self.gamma) = (plane, colorMap, limits, gamma)
    }

    /// Default composite colours when the data names none: green, magenta, cyan, red, blue, yellow.
    public static let compositeColorMaps = ["green", "magenta", "cyan", "red", "blue", "yellow"].map {
        ColorMap.named($0)!
    }

    /// The colour channel `i` is blended in by default: its own when the source records one
    /// (OME `omero.channels[i].color`), else the i-th default.
    public static func compositeColorMap(_ i: Int, channel: ChannelInfo?) -> ColorMap {
        if let channel, let (r, g, b) = channel.rgb { return .linear(to: RGB(r, g, b), name: "#" + channel.color!) }
        return compositeColorMaps[i % compositeColorMaps.count]
    }

    /// A row's height over a column's width for the displayed axes of `view`: the ratio of
    /// their physical steps when both are known in the same unit, else 1.
    public static func aspect(of view: PlaneSelection, scales: [AxisScale?]?) -> Double {
        guard let scales, scales.count == view.indices.count,
            let r = scales[view.rowAxis], let c = scales[view.columnAxis],
            r.unit == c.unit, r.step > 0, c.step > 0, r.step.isFinite, c.step.isFinite
        else { return 1 }
        return r.step / c.step
    }

    /// The channels a composite blends: those the source marks active (OME `omero.channels[].active`),
    /// or all when it marks none or describes no channels.
    public static func compositeChannels(count: Int, in metadata: ArrayMetadata) -> [Int] {
        guard let channels = metadata.channels, channels.count == count else { return Array(0..<count) }
        let active = channels.indices.filter { channels[$0].active }
        return active.isEmpty ? Array(0..<count) : active
    }

    /// The channel of `view` along `axis`, when the source describes its channels.
    public static func channel(of view: PlaneSelection, axis: Int?, in metadata: ArrayMetadata) -> ChannelInfo? {
        guard let axis, let channels = metadata.channels, axis < view.indices.count,
            channels.indices.contains(view.indices[axis])
        else { return nil }
        return channels[view.indices[axis]]
    }
}

/// A rendered picture: screen-resolution values (first channel), the contrast
/// of each channel, the colours, and the cells (blank in a pixel mode: the
/// picture itself is sent as an image).
public struct RenderedPlane: Sendable {
    public var image: FloatImage
    public var contrasts: [Contrast]
    public var rgb: [RGB]
    public var frame: Frame
    /// The label ids at screen resolution, when a label overlay was drawn.
    public var labels: LabelImage?
    public var contrast: Contrast { contrasts[0] }
    /// The colours as a picture, for the pixel encoders and PNG.
    public var picture: PixelImage { PixelImage(width: image.width, height: image.height, pixels: rgb) }
}

/// Data plane(s) → screen pixels → contrast → colour map → (additive blend) → glyphs.
public enum Renderer {
    /// One channel with the settings' colour map and contrast.
    public static func render(_ plane: ArrayBuffer, settings: RenderSettings, columns: Int, rows: Int) -> RenderedPlane
    {
        composite(
            [ChannelLayer(plane: plane, colorMap: settings.colorMap, limits: settings.limits, gamma: settings.gamma)],
            settings: settings, columns: columns, rows: rows)
    }

    /// Channels blended additively, each with its own colour map and contrast, fitted into
    /// `columns`×`rows` cells. Glyph shapes (ascii density, braille dots) follow the brightest channel.
    /// - Parameter labels: a label image drawn over the blend (its plane covers the same region as the layers').
    public static func composite(
        _ layers: [ChannelLayer], labels: LabelOverlay? = nil, settings: RenderSettings,
        columns: Int, rows: Int
    ) -> RenderedPlane {
        precondition(!layers.isEmpty)
        let plane = layers[0].plane
        let size = settings.mode.pixelSize(
            fitting: plane.shape[1], plane.shape[0], columns: columns, rows: rows,
            aspect: settings.aspect)
        let (screen, contrasts, rgb, strongest, sampled) = blend(
            layers, labels: labels, settings: settings,
            width: size.width, height: size.height)
        guard case .glyphs(let glyphs) = settings.mode else {
            return RenderedPlane(
                image: screen, contrasts: contrasts, rgb: rgb, frame: Frame(columns: columns, rows: rows),
                labels: sampled)
        }
        let normalized = FloatImage(width: screen.width, height: screen.height, pixels: strongest)
        var encoder = GlyphEncoder(
            mode: glyphs, depth: settings.depth,
            colorMap: layers.count == 1 ? layers[0].colorMap : .gray)
        encoder.dotsTakePixelColors = labels != nil
        let frame = encoder.encode(normalized, rgb: rgb, columns: columns, rows: rows)
        return RenderedPlane(image: screen, contrasts: contrasts, rgb: rgb, frame: frame, labels: sampled)
    }

    /// The blend at exactly `width`×`height` pixels (a figure: `render -o FILE.png`, `s` in the viewer);
    /// its frame is empty.
    public static func picture(
        _ layers: [ChannelLayer], labels: LabelOverlay? = nil, settings: RenderSettings,
        width: Int, height: Int
    ) -> RenderedPlane {
        precondition(!layers.isEmpty)
        let (screen, contrasts, rgb, _, sampled) = blend(
            layers, labels: labels, settings: settings, width: width, height: height)
        return RenderedPlane(
            image: screen, contrasts: contrasts, rgb: rgb, frame: Frame(columns: 0, rows: 0), labels: sampled)
    }

    /// Resamples every layer to `width`×`height`, applies its contrast and colour map and adds them up;
    /// the labels are drawn over. Returns the first layer's screen values, the contrasts, the colours,
    /// the strongest normalised value of each pixel (the glyph shapes) and the sampled label ids.
    private static func blend(
        _ layers: [ChannelLayer], labels: LabelOverlay?, settings: RenderSettings, width: Int, height: Int
    )
        -> (FloatImage, [Contrast], [RGB], [Float], LabelImage?)
    {
        var contrasts: [Contrast] = []
        var first: FloatImage? = nil
        var strongest: [Float] = []
        var sum: [(Int, Int, Int)] = []
        for layer in layers {
            let source = FloatImage(layer.plane)
            var contrast =
                layer.limits.map { Contrast(low: $0.low, high: $0.high) }
                ?? ([.uint8, .uint16, .int8, .int16, .bool].contains(layer.plane.dataType)
                    ? Contrast.auto(layer.plane) : Contrast.auto(source.pixels))
            contrast.gamma = layer.gamma
            contrasts.append(contrast)
            let screen = Downsampler.resample(source, width: width, height: height, mode: settings.downsample)
            if first == nil {
                first = screen
                strongest = [Float](repeating: -.infinity, count: screen.pixels.count)
                sum = [(Int, Int, Int)](repeating: (0, 0, 0), count: screen.pixels.count)
            }
            for i in screen.pixels.indices {
                let t = contrast.normalize(screen.pixels[i])
                let c = layer.colorMap.color(t)
                if layers.count == 1 || !t.isNaN {
                    sum[i].0 += Int(c.r)
                    sum[i].1 += Int(c.g)
                    sum[i].2 += Int(c.b)
                }
                if t.isNaN {
                    if strongest[i] == -.infinity { strongest[i] = .nan }
                } else if !(t <= strongest[i]) {
                    strongest[i] = t
                }
            }
        }
        let screen = first!
        var rgb = sum.map { RGB(UInt8(min($0.0, 255)), UInt8(min($0.1, 255)), UInt8(min($0.2, 255))) }
        let sampled = labels.map { $0.sample(width: screen.width, height: screen.height) }
        if let labels, let sampled {
            let marksShapes = settings.mode == .ascii || (settings.mode.pixelProtocol == nil && settings.depth == .none)
            labels.apply(sampled, rgb: &rgb, intensity: &strongest, marksShapes: marksShapes)
        }
        return (screen, contrasts, rgb, strongest, sampled)
    }
}
