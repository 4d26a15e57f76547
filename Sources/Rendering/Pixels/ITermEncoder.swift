/// iTerm2's inline images: `OSC 1337 ; File=inline=1;…: base64 PNG BEL`, drawn at the cursor
/// at exactly the image's pixel size (or scaled to `cells`).
public struct ITermEncoder: Sendable {
    public init() {}

    public func encode(_ image: PixelImage, cells: (columns: Int, rows: Int)? = nil) throws -> [UInt8] {
        let png = try PNGWriter.encodeFast(width: image.width, height: image.height, rgb: image.pixels)
        let size =
            cells.map { "width=\($0.columns);height=\($0.rows)" } ?? "width=\(image.width)px;height=\(image.height)px"
        var out = Array("\u{1b}]1337;File=inline=1;size=\(png.count);\(size);preserveAspectRatio=0:".utf8)
        out += Base64.encode(png)
        out.append(0x07)
        return out
    }
}
