import Formats

/// Everything that decides how a plane looks, apart from the data.
public struct RenderSettings: Sendable, Equatable {
    public var mode: GlyphMode = .half
    public var depth: ColorDepth = .truecolor
    public var colorMap: ColorMap = .gray
    public var downsample: DownsampleMode = .mean
    /// Fixed contrast limits; nil = auto from the visible region.
    public var limits: (low: Double, high: Double)? = nil
    public var gamma: Double = 1

    public init() {}

    public static func == (a: RenderSettings, b: RenderSettings) -> Bool {
        a.mode == b.mode && a.depth == b.depth && a.colorMap == b.colorMap && a.downsample == b.downsample
            && a.limits?.low == b.limits?.low && a.limits?.high == b.limits?.high && a.gamma == b.gamma
    }
}

/// A rendered plane: the screen-resolution image, its colours, the contrast used, and the cells.
public struct RenderedPlane: Sendable {
    public var image: FloatImage
    public var contrast: Contrast
    public var rgb: [RGB]
    public var frame: Frame
}

/// Data plane → screen pixels → contrast → colour map → glyphs.
public enum Renderer {
    public static func render(_ plane: ArrayBuffer, settings: RenderSettings, columns: Int, rows: Int) -> RenderedPlane {
        let source = FloatImage(plane)
        let contrast: Contrast = settings.limits.map { Contrast(low: $0.low, high: $0.high, gamma: settings.gamma) }
            ?? { var c = Contrast.auto(source.pixels); c.gamma = settings.gamma; return c }()
        let size = settings.mode.pixelSize(fitting: source.width, source.height, columns: columns, rows: rows)
        let screen = Downsampler.resample(source, width: size.width, height: size.height, mode: settings.downsample)
        var normalized = screen
        for i in normalized.pixels.indices { normalized.pixels[i] = contrast.normalize(screen.pixels[i]) }
        let rgb = normalized.pixels.map { settings.colorMap.color($0) }
        let encoder = GlyphEncoder(mode: settings.mode, depth: settings.depth, colorMap: settings.colorMap)
        let frame = encoder.encode(normalized, rgb: rgb, columns: columns, rows: rows)
        return RenderedPlane(image: screen, contrast: contrast, rgb: rgb, frame: frame)
    }
}
