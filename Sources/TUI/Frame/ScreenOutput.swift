import ArrayModel
import Rendering

/// Writes composed frames to the terminal: only the cells that changed, and in a pixel mode the
/// picture when it changed (only its changed rows of cells for sixel and iTerm2).
/// Thread contract: UI thread only.
final class ScreenOutput {
    /// Graphics escapes are wrapped for tmux's passthrough (pixel modes inside tmux).
    let tmuxWrap: Bool
    /// A picture larger than this is sent smaller (`--max-kbps`: a tenth of a second's worth).
    var maxFrameBytes: Int?
    /// Bytes the last frame wrote (text and picture), for `--stats` and the benchmarks.
    private(set) var lastFrameBytes = 0
    private var previous: Frame?
    /// The picture last sent in a pixel mode, and where (nil: none on screen).
    private(set) var shownPicture: (image: PixelImage, mode: DisplayMode, at: (x: Int, y: Int))?

    private let owner = ThreadOwner()

    init(tmuxWrap: Bool) { self.tmuxWrap = tmuxWrap }

    /// The next frame is written whole (a resize, the panel toggled).
    func invalidate() { previous = nil }

    /// Writes what changed: the text cells, then in a pixel mode the picture at the pane's
    /// top-left when it changed, then again the text cells over the picture (probe, overview,
    /// error tiles, help), which a sixel or iTerm2 picture overwrites.
    /// - Returns: why the picture could not be encoded (the text is written all the same).
    @discardableResult
    func write(
        _ screen: Frame, picture: PixelImage? = nil, mode: DisplayMode, at origin: (x: Int, y: Int) = (0, 0)
    )
        -> String?
    {
        owner.check()
        var bytes: [UInt8] = []
        var failure: String?
        // A sixel or iTerm2 picture is cells: one that goes away or shrinks is cleared with the screen.
        if let shown = shownPicture, shown.mode.pixelProtocol != .kitty,
            picture.map({ $0.width < shown.image.width || $0.height < shown.image.height || shown.at != origin })
                ?? true
        {
            previous = nil
        }
        if previous == nil || previous!.columns != screen.columns || previous!.rows != screen.rows {
            bytes += removePictureBytes()
            bytes += Array("\u{1b}[0m\u{1b}[H\u{1b}[2J".utf8)
            previous = nil
        }
        if picture == nil { bytes += removePictureBytes() }
        bytes += ANSIWriter.diffBytes(from: previous, to: screen)
        if let picture, let output = PixelOutput(mode: mode, tmuxWrap: tmuxWrap) {
            do { bytes += try pictureBytes(picture, output: output, mode: mode, screen: screen, at: origin) } catch {
                failure = ErrorLine.text(error, context: "picture")
            }
        }
        ScreenWriter.write(bytes)
        lastFrameBytes = bytes.count
        previous = screen
        return failure
    }

    /// The sequences that bring the screen's picture up to `picture`: nothing when it is shown
    /// already; for sixel and iTerm2 only the rows of cells that changed (a picture the same size);
    /// kitty's whole picture, replaced in place. Over `maxFrameBytes`, kitty and iTerm2 get a
    /// smaller picture that the terminal scales to the same cells.
    private func pictureBytes(
        _ picture: PixelImage, output: PixelOutput, mode: DisplayMode, screen: Frame, at origin: (x: Int, y: Int)
    ) throws -> [UInt8] {
        let (cw, ch) = mode.pixelsPerCell
        var part = picture, firstRow = 0
        if let shown = shownPicture, shown.mode == mode, shown.image.width == picture.width,
            shown.image.height == picture.height, shown.at == origin
        {
            guard let changed = picture.changedRows(from: shown.image) else { return [] }
            if output.pixelProtocol != .kitty {
                firstRow = changed.lowerBound / ch
                part = picture.rows(firstRow * ch..<min(picture.height, (changed.upperBound + ch - 1) / ch * ch))
            }
        }
        var encoded = try output.encode(part)
        if let limit = maxFrameBytes, encoded.count > limit, output.pixelProtocol != .sixel {
            let cells = (columns: (part.width + cw - 1) / cw, rows: (part.height + ch - 1) / ch)
            let f = (Double(limit) / Double(encoded.count)).squareRoot() * 0.9
            let small = part.reduced(width: Int(Double(part.width) * f), height: Int(Double(part.height) * f))
            encoded = try output.encode(small, cells: cells)
        }
        shownPicture = (picture, mode, origin)
        var bytes = Array("\u{1b}[\(origin.y + firstRow + 1);\(origin.x + 1)H".utf8) + encoded
        if output.pixelProtocol != .kitty {
            // The cells under the picture were overwritten: draw its text cells again.
            var under = screen
            for y in (origin.y + firstRow)..<min(screen.rows, origin.y + firstRow + (part.height + ch - 1) / ch) {
                for x in origin.x..<min(screen.columns, origin.x + (part.width + cw - 1) / cw) { under[x, y] = .blank }
            }
            bytes += ANSIWriter.diffBytes(from: under, to: screen)
        }
        return bytes
    }

    /// Takes the picture off the screen (leaving a pixel mode, a full redraw, exit).
    private func removePictureBytes() -> [UInt8] {
        guard let shown = shownPicture else { return [] }
        shownPicture = nil
        return PixelOutput(mode: shown.mode, tmuxWrap: tmuxWrap)?.clear() ?? []
    }

    func removePicture() {
        let bytes = removePictureBytes()
        if !bytes.isEmpty { ScreenWriter.write(bytes) }
    }
}
