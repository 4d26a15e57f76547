/// The kitty graphics protocol: one image, transmitted and placed at the cursor in one
/// command (`a=T`), as a PNG (`f=100`: gray when the picture is, rows Sub-filtered, zlib 1 RLE;
/// see `PNGWriter.encodeFast`) or as zlib-compressed RGB (`f=24,o=z`), base64 in chunks of at
/// most 4096 bytes (`m=1` … `m=0`). Sending again with the same image and placement ids replaces
/// the picture in place, so frames never pile up.
public struct KittyEncoder: Sendable {
    public var imageID: UInt32 = 1
    public var placementID: UInt32 = 1
    /// Below cells with a non-default background (kitty draws an image whose z-index is under
    /// −2³¹/2 there): the status line, overlays and error tiles drawn as text show over the picture.
    public var zIndex: Int32 = -1_073_741_825
    /// Whether the cursor moves past the image (a frame on stdout) or stays (the viewer places text itself).
    public var movesCursor = false
    /// How the pixels travel. PNG is the default: for the gray 1024×768 pictures of bench/pixels.py
    /// it is 0.52–0.56× the bytes of zlib RGB and encodes in a third to a half of the time.
    public var format: Format = .png
    /// zlib level of the `.rgb` payload.
    public var compressionLevel: Int32 = 1

    public enum Format: String, Sendable, CaseIterable {
        /// `f=100`: a PNG, gray or RGB.
        case png
        /// `f=24,o=z`: packed RGB, zlib-compressed.
        case rgb
    }

    public init() {}

    /// The escape sequences that draw `image` at the cursor; `cells` scales it to that many
    /// columns × rows (a picture sent smaller than the pane to save bytes).
    public func encode(_ image: PixelImage, cells: (columns: Int, rows: Int)? = nil) throws -> [UInt8] {
        let payload: [UInt8]
        var control: String
        switch format {
        case .png:
            payload = Base64.encode(
                try PNGWriter.encodeFast(width: image.width, height: image.height, rgb: image.pixels))
            control = "a=T,f=100"
        case .rgb:
            payload = Base64.encode(try Deflate.compress(image.rgbBytes, level: compressionLevel))
            control = "a=T,f=24,o=z"
        }
        control += ",s=\(image.width),v=\(image.height),i=\(imageID),p=\(placementID),q=2,z=\(zIndex)"
        if !movesCursor { control += ",C=1" }
        if let cells { control += ",c=\(cells.columns),r=\(cells.rows)" }
        return KittyEncoder.chunked(control: control, payload: payload)
    }

    /// Removes the image and frees its data (on exit, or when the mode changes).
    public func delete() -> [UInt8] {
        Array("\u{1b}_Ga=d,d=I,i=\(imageID),q=2\u{1b}\\".utf8)
    }

    /// `ESC _G control,m=1;chunk ESC \` then `ESC _G m=1;chunk ESC \` … with `m=0` on the last.
    static func chunked(control: String, payload: [UInt8], chunk: Int = 4096) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + payload.count / chunk * 16 + control.utf8.count + 16)
        var start = 0
        repeat {
            let end = min(start + chunk, payload.count)
            out += [0x1B, 0x5F, 0x47]  // ESC _ G
            if start == 0 {
                out += Array(control.utf8)
                out.append(0x2C)
            }
            out += Array((end < payload.count ? "m=1;" : "m=0;").utf8)
            out += payload[start..<end]
            out += [0x1B, 0x5C]  // ESC \
            start = end
        } while start < payload.count
        return out
    }
}
