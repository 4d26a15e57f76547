/// N-D axis permutation of a dense C-order buffer of fixed-size elements.
/// Used for Zarr v2 Fortran-order chunks and the Zarr v3 `transpose` codec.
public enum Transpose {
    /// Returns `src` (shape `shape`, C order) permuted so that output axis k is
    /// input axis `axes[k]` (NumPy's `transpose(axes)`), in C order.
    public static func permute(_ src: [UInt8], shape: [Int], axes: [Int], elementSize: Int) -> [UInt8] {
        precondition(axes.sorted() == Array(0..<shape.count), "not a permutation")
        let n = shape.count
        if n <= 1 || axes == Array(0..<n) { return src }
        var srcStrides = [Int](repeating: 1, count: n)
        for d in stride(from: n - 2, through: 0, by: -1) { srcStrides[d] = srcStrides[d + 1] * shape[d + 1] }
        let outShape = axes.map { shape[$0] }
        let outStrideInSrc = axes.map { srcStrides[$0] }
        let total = shape.reduce(1, *)
        return [UInt8](unsafeUninitializedCapacity: src.count) { out, initialized in
            src.withUnsafeBytes { s in
                switch elementSize {
                case 1: walk(s.bindMemory(to: UInt8.self), out.baseAddress!, outShape, outStrideInSrc, total)
                case 2:
                    walk(
                        s.bindMemory(to: UInt16.self),
                        UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: UInt16.self), outShape,
                        outStrideInSrc, total)
                case 4:
                    walk(
                        s.bindMemory(to: UInt32.self),
                        UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: UInt32.self), outShape,
                        outStrideInSrc, total)
                case 8:
                    walk(
                        s.bindMemory(to: UInt64.self),
                        UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: UInt64.self), outShape,
                        outStrideInSrc, total)
                default: preconditionFailure("element size \(elementSize)")
                }
            }
            initialized = src.count
        }
    }

    /// Visits the output in C order with an odometer, tracking the source offset;
    /// the innermost axis is a strided gather.
    private static func walk<T>(
        _ src: UnsafeBufferPointer<T>, _ dst: UnsafeMutablePointer<T>,
        _ shape: [Int], _ strides: [Int], _ total: Int
    ) {
        if total == 0 { return }
        let n = shape.count
        let inner = shape[n - 1], innerStride = strides[n - 1]
        var idx = [Int](repeating: 0, count: n - 1)
        var base = 0, o = 0
        while o < total {
            var s = base
            for _ in 0..<inner {
                dst[o] = src[s]
                o += 1
                s += innerStride
            }
            var d = n - 2
            while d >= 0 {
                idx[d] += 1
                base += strides[d]
                if idx[d] < shape[d] { break }
                base -= strides[d] * shape[d]
                idx[d] = 0
                d -= 1
            }
        }
    }
}
