import ArrayModel

/// `mip(n)`: the maximum over the n planes around each plane along z
/// ([z − n/2, z − n/2 + n), clipped to the data): numpy `max(stack[lo:hi], axis=0)`.
struct MaximumProjection: FilterOperator {
    static let spec = OperatorSpec(
        "mip", [ParameterSpec("n", .count, default: .number(5))],
        reference: "numpy.max(x[z - n//2 : z - n//2 + n], axis=0)", dask: { MaximumProjection.dask($0) }
    ) { args, _ in
        MaximumProjection(n: Int(clamping: args.number("n")))
    }
    let n: Int
    var halo: Extent { Extent(n / 2, 0, 0) }
    func outputKind(_ input: ValueKind) -> ValueKind { input }
    func apply(_ input: FloatVolume, _ context: OperatorContext) -> FloatVolume {
        let plane = input.planeSize, depth = input.depth, n = n
        var out = [Float](repeating: 0, count: input.pixels.count)
        input.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = SharedPointer(base: dst.baseAddress!)
                Parallel.bands(depth * plane, threads: context.threads, minimumBand: 4096) { range in
                    for z in 0..<depth {
                        let lo = max(0, z - n / 2), hi = min(depth, z - n / 2 + n)
                        let from = max(range.lowerBound, z * plane), to = min(range.upperBound, (z + 1) * plane)
                        guard from < to else { continue }
                        let o = d.base + z * plane
                        let start = from - z * plane, end = to - z * plane
                        let first = s + lo * plane
                        for i in start..<end { o[i] = first[i] }
                        for q in (lo + 1)..<max(lo + 1, hi) {
                            let p = s + q * plane
                            for i in start..<end where p[i] > o[i] { o[i] = p[i] }
                        }
                    }
                }
            }
        }
        return FloatVolume(depth: depth, height: input.height, width: input.width, pixels: out)
    }
}

extension MaximumProjection {
    /// Its Python in `export --script dask`.
    static func dask(_ c: DaskStageContext) -> DaskStage {
        let n = Int(c.arguments.number("n"))
        return DaskStage(
            "the maximum over the \(n) planes [z - \(n / 2), z - \(n / 2) + \(n)) around each plane along\n    the depth axis, clipped to the array: numpy.max(x[lo:hi], axis=0).",
            """
            def window_maximum(block):
                stack = np.moveaxis(block, DEPTH_AXIS, 0)
                out = np.empty(stack.shape, np.float32)
                for z in range(stack.shape[0]):
                    out[z] = stack[max(0, z - \(n / 2)): z - \(n / 2) + \(n)].max(axis=0)
                return np.moveaxis(out, 0, DEPTH_AXIS)

            return with_halo(x, window_maximum, {DEPTH_AXIS: \(n / 2)})
            """)
    }
}
