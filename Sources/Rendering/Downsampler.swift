import ArrayModel

/// How data pixels become screen pixels (SPEC §1 `--downsample`).
public enum DownsampleMode: String, Sendable, CaseIterable {
    /// Area average over the block of source pixels behind each screen pixel.
    case mean
    /// Maximum over the same blocks: sparse bright spots stay visible.
    case max
    /// One sample (the block's first pixel): fastest.
    case nearest
}

/// A 2-D float image in row-major order.
public struct FloatImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(pixels.count == width * height)
        (self.width, self.height, self.pixels) = (width, height, pixels)
    }

    /// Converts a 2-D (rows, columns) buffer of any data type to Float.
    public init(_ buffer: ArrayBuffer) {
        precondition(buffer.shape.count == 2)
        let pixels = buffer.floats()
        self.init(width: buffer.shape[1], height: buffer.shape[0], pixels: pixels)
    }
}

/// Resamples an image to a target size. Screen pixel i covers source rows
/// [floor(i·H/h), floor((i+1)·H/h)) (and likewise for columns); when zoomed in
/// past 1:1 that block is empty and the pixel replicates row floor(i·H/h).
/// NaN propagates through mean and max, as in NumPy.
public enum Downsampler {
    public static func resample(_ src: FloatImage, width w: Int, height h: Int, mode: DownsampleMode) -> FloatImage {
        let (W, H) = (src.width, src.height)
        if w == W && h == H { return src }
        let x0 = (0...w).map { $0 * W / w }, y0 = (0...h).map { $0 * H / h }
        var out = [Float](repeating: 0, count: w * h)
        src.pixels.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                for j in 0..<h {
                    let ya = y0[j], yb = Swift.max(y0[j + 1], ya + 1)
                    for i in 0..<w {
                        let xa = x0[i], xb = Swift.max(x0[i + 1], xa + 1)
                        switch mode {
                        case .nearest:
                            o[j * w + i] = s[ya * W + xa]
                        case .max:
                            var m = -Float.infinity
                            var nan = false
                            for y in ya..<yb {
                                for x in xa..<xb {
                                    let v = s[y * W + x]
                                    if v.isNaN { nan = true } else if v > m { m = v }
                                }
                            }
                            o[j * w + i] = nan ? .nan : m
                        case .mean:
                            // Summed in Double: exact for integer data, so a plane reduced chunk by
                            // chunk (PlaneReduction) gives the same pixels whatever the order.
                            var sum: Double = 0
                            for y in ya..<yb {
                                for x in xa..<xb { sum += Double(s[y * W + x]) }
                            }
                            o[j * w + i] = Float(sum / Double((yb - ya) * (xb - xa)))
                        }
                    }
                }
            }
        }
        return FloatImage(width: w, height: h, pixels: out)
    }
}
