import ArrayModel

/// How label pixels become screen pixels. Never a mean: a mean of ids 3 and
/// 7 is an id that is not there.
public enum LabelSampling: String, Sendable, CaseIterable {
    /// The most frequent non-zero id of the block (0 only when the whole block is background);
    /// ties go to the smaller id.
    case mode
    /// The block's first pixel, as `--downsample nearest` does for images.
    case nearest
}

/// Label ids at screen resolution (row-major), 0 = background.
public struct LabelImage: Sendable, Equatable {
    public var width: Int, height: Int
    public var ids: [UInt64]
    public init(width: Int, height: Int, ids: [UInt64]) { (self.width, self.height, self.ids) = (width, height, ids) }

    /// Distinct non-zero ids.
    public var distinctCount: Int { Set(ids).subtracting([0]).count }
}

public enum LabelSampler {
    /// Samples a 2-D id plane (rows × columns) to `width`×`height` screen pixels with the
    /// block edges of `Downsampler` (pixel i covers [⌊i·W/w⌋, ⌊(i+1)·W/w⌋), at least one pixel).
    public static func sample(
        _ ids: [UInt64], width W: Int, height H: Int, to w: Int, _ h: Int,
        mode: LabelSampling
    ) -> LabelImage {
        precondition(ids.count == W * H && w >= 1 && h >= 1)
        if w == W && h == H { return LabelImage(width: w, height: h, ids: ids) }
        let x0 = (0...w).map { $0 * W / w }, y0 = (0...h).map { $0 * H / h }
        var out = [UInt64](repeating: 0, count: w * h)
        // Distinct ids of a block and their counts: a short list (blocks hold a few objects).
        var seen: [UInt64] = [], counts: [Int] = []
        seen.reserveCapacity(64)
        counts.reserveCapacity(64)
        ids.withUnsafeBufferPointer { s in
            for j in 0..<h {
                let ya = y0[j], yb = max(y0[j + 1], ya + 1)
                for i in 0..<w {
                    let xa = x0[i], xb = max(x0[i + 1], xa + 1)
                    if mode == .nearest || (yb - ya) * (xb - xa) == 1 {
                        out[j * w + i] = s[ya * W + xa]
                        continue
                    }
                    seen.removeAll(keepingCapacity: true)
                    counts.removeAll(keepingCapacity: true)
                    var last: UInt64 = 0, lastSlot = -1
                    for y in ya..<yb {
                        for x in xa..<xb {
                            let v = s[y * W + x]
                            guard v != 0 else { continue }
                            // Runs of one id are the common case: skip the search for them.
                            if v == last && lastSlot >= 0 {
                                counts[lastSlot] += 1
                                continue
                            }
                            if let k = seen.firstIndex(of: v) {
                                counts[k] += 1
                                lastSlot = k
                            } else {
                                seen.append(v)
                                counts.append(1)
                                lastSlot = seen.count - 1
                            }
                            last = v
                        }
                    }
                    var best: (id: UInt64, n: Int) = (0, 0)
                    for k in seen.indices where counts[k] > best.n || (counts[k] == best.n && seen[k] < best.id) {
                        best = (seen[k], counts[k])
                    }
                    out[j * w + i] = best.id
                }
            }
        }
        return LabelImage(width: w, height: h, ids: out)
    }
}
