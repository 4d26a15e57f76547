#if canImport(Glibc)
import Glibc
#endif
import CHDF5
import Codecs
import Stores

/// The attributes a dataset's axes come from: `DIMENSION_LABELS`, `axes`, `element_size_um`
/// (all under `HDF5Library`'s lock).
extension HDF5Array {
    /// The strings of attribute `name`, nil when there is none or it is not strings. An
    /// attribute whose reading crashed or hung the child process is nil too, and its name is
    /// added to `unreadable`.
    static func strings(_ obj: hid_t, _ name: String, unreadable: inout [String]) -> [String]? {
        var buf = [CChar](repeating: 0, count: 8192)
        let n = Int(vstack_h5_read_strings(obj, name, &buf, buf.count))
        if n == -2 { unreadable.append(name) }
        guard n > 0 else { return nil }
        var out: [String] = []
        var i = 0
        buf.withUnsafeBufferPointer { b in
            for _ in 0..<n {
                let s = String(cString: b.baseAddress! + i)
                out.append(s)
                i += s.utf8.count + 1
            }
        }
        return out
    }

    /// Axis names from `DIMENSION_LABELS` (h5py's `dims[i].label`) or an `axes` string
    /// (ilastik's "zyxc"), when they name every axis.
    static func axisNames(_ did: hid_t, rank: Int, unreadable: inout [String]) -> ([String]?, String?) {
        guard rank > 0 else { return (nil, nil) }
        if let labels = strings(did, "DIMENSION_LABELS", unreadable: &unreadable), labels.count == rank,
            labels.allSatisfy({ !$0.isEmpty })
        {
            return (labels, "DIMENSION_LABELS")
        }
        if let axes = strings(did, "axes", unreadable: &unreadable) {
            let names = axes.count == 1 ? axes[0].map { String($0) } : axes
            if names.count == rank, names.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) {
                return (names, "the 'axes' attribute")
            }
        }
        return (nil, nil)
    }

    /// `element_size_um` (Fiji, ilastik): µm per step of the last axes it covers.
    static func elementSize(_ did: hid_t, rank: Int) -> [AxisScale?]? {
        guard rank > 0 else { return nil }
        var values = [Double](repeating: 0, count: CheckedSize.maxRank)
        let n = Int(vstack_h5_read_doubles(did, "element_size_um", &values, Int32(values.count)))
        guard n > 0, n <= rank, values.prefix(n).allSatisfy({ $0.isFinite && $0 > 0 }) else { return nil }
        return [AxisScale?](repeating: nil, count: rank - n)
            + values.prefix(n).map { AxisScale(step: $0, unit: "micrometer") }
    }
}
