/// Flat (square or box) grey morphology as `scipy.ndimage.grey_*` with `size`:
/// erosion is the running minimum; dilation the running maximum over the
/// mirrored window (scipy shifts even sizes by one). On a 0/1 mask the
/// results are the binary ones, with reflected borders.
enum Morphology {
    static func halo(_ size: Extent) -> Extent { Extent(size.z / 2, size.y / 2, size.x / 2) }

    static func extremum<E: Extremum>(
        _ v: FloatVolume, _ size: Extent, mirrored: Bool, _ e: E.Type, threads: Int
    ) -> FloatVolume {
        var out = v
        for (axis, n) in [(Axis.z, size.z), (.y, size.y), (.x, size.x)] where n > 1 {
            out = RunningExtremum.along(
                axis, out, size: n, origin: mirrored && n % 2 == 0 ? -1 : 0, E.self, threads: threads)
        }
        return out
    }

    static func erode(_ v: FloatVolume, _ size: Extent, threads: Int) -> FloatVolume {
        extremum(v, size, mirrored: false, Minimum.self, threads: threads)
    }

    static func dilate(_ v: FloatVolume, _ size: Extent, threads: Int) -> FloatVolume {
        extremum(v, size, mirrored: true, Maximum.self, threads: threads)
    }
}
