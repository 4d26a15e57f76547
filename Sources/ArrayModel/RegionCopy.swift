/// Copies an N-D box between two C-order buffers placed at different origins
/// of the same array: the one primitive chunk assembly is built on.
public enum RegionCopy {
    /// Copies `box` (absolute coordinates, inside both buffers) from `src`
    /// (whose element 0 sits at `origin`) into `dst` (element 0 at `regionOrigin`).
    public static func copy(
        _ src: ArrayBuffer, origin: [Int], into dst: inout ArrayBuffer, regionOrigin: [Int], box: [Range<Int>]
    ) {
        let n = box.count
        if box.contains(where: { $0.isEmpty }) { return }
        let size = src.dataType.size
        if n == 0 {
            dst.bytes.replaceSubrange(0..<size, with: src.bytes[0..<size])
            return
        }
        func strides(_ shape: [Int]) -> [Int] {
            var s = [Int](repeating: 1, count: shape.count)
            for d in stride(from: shape.count - 2, through: 0, by: -1) { s[d] = s[d + 1] * shape[d + 1] }
            return s
        }
        let ss = strides(src.shape), ds = strides(dst.shape)
        let run = box[n - 1].count * size
        var idx = box.map { $0.lowerBound }
        src.bytes.withUnsafeBytes { s in
            dst.bytes.withUnsafeMutableBytes { d in
                while true {
                    var so = 0, doff = 0
                    for k in 0..<n {
                        so += (idx[k] - origin[k]) * ss[k]
                        doff += (idx[k] - regionOrigin[k]) * ds[k]
                    }
                    (d.baseAddress! + doff * size).copyMemory(from: s.baseAddress! + so * size, byteCount: run)
                    var k = n - 2
                    while k >= 0 {
                        idx[k] += 1
                        if idx[k] < box[k].upperBound { break }
                        idx[k] = box[k].lowerBound
                        k -= 1
                    }
                    if k < 0 { return }
                }
            }
        }
    }
}
