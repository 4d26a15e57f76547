#if canImport(Glibc)
import Glibc
#endif
import CHDF5

/// An HDF5 file held open for its metadata: which objects exist, small attributes and
/// small datasets (BigDataViewer's `resolutions`, Imaris' `DataSetInfo`). Every call holds
/// `HDF5Library`'s lock.
/// Thread contract: immutable after init; every libhdf5 call on `fid` holds `HDF5Library`'s lock.
final class HDF5File: @unchecked Sendable {
    let path: String
    private let fid: hid_t

    init(_ path: String) throws {
        self.path = path
        fid = try HDF5Library.locked {
            let id = H5Fopen(path, vstack_h5f_acc_rdonly(), vstack_h5p_default())
            guard id >= 0 else { throw HDF5Library.failure("not a readable HDF5 file") }
            return id
        }
    }

    deinit {
        let id = fid
        HDF5Library.lockedQuietly { H5Fclose(id) }
    }

    /// Whether `/a/b/c` exists (every link along it).
    func exists(_ object: String) -> Bool {
        (try? HDF5Library.locked { () -> Bool in
            var prefix = ""
            for part in object.split(separator: "/") {
                prefix += "/" + part
                guard H5Lexists(fid, prefix, vstack_h5p_default()) > 0 else {
                    _ = HDF5Library.lastError()
                    return false
                }
            }
            return true
        }) ?? false
    }

    /// `name0`, `name1`, … that exist below `group`, in order from 0.
    func count(_ group: String, _ name: String, limit: Int = 100_000) -> Int {
        var n = 0
        while n < limit, exists(group + "/" + name + "\(n)") { n += 1 }
        return n
    }

    private func withObject<T>(_ object: String, _ body: (hid_t) -> T?) -> T? {
        (try? HDF5Library.locked { () -> T? in
            let obj = H5Oopen(fid, object, vstack_h5p_default())
            guard obj >= 0 else {
                _ = HDF5Library.lastError()
                return nil
            }
            defer { H5Oclose(obj) }
            return body(obj)
        }) ?? nil
    }

    /// A string attribute of `object`; an array of strings (Imaris' arrays of single
    /// characters, `['5', '1', '2']`) is joined.
    func string(_ object: String, _ attribute: String) -> String? {
        withObject(object) {
            var unreadable: [String] = []
            return HDF5Array.strings($0, attribute, unreadable: &unreadable)?.joined()
        }
    }

    /// A numeric attribute of `object` as doubles.
    func doubles(_ object: String, _ attribute: String) -> [Double]? {
        withObject(object) { obj -> [Double]? in
            var values = [Double](repeating: 0, count: 64)
            let n = Int(vstack_h5_read_doubles(obj, attribute, &values, Int32(values.count)))
            return n > 0 ? Array(values.prefix(n)) : nil
        }
    }

    /// A small numeric dataset (at most `limit` values) as doubles, with its shape.
    func dataset(_ path: String, limit: Int = 4096) throws -> (shape: [Int], values: [Double]) {
        try HDF5Library.locked {
            let did = H5Dopen2(fid, path, vstack_h5p_default())
            guard did >= 0 else { throw HDF5Library.failure("no dataset \(path)") }
            defer { H5Dclose(did) }
            let shape = try HDF5Array.dims(did)
            let n = shape.reduce(1, *)
            guard n <= limit else {
                throw FormatError.invalidMetadata(
                    file: "dataset \(path)", problem: "\(n) values, expected at most \(limit)")
            }
            var values = [Double](repeating: 0, count: max(1, n))
            try HDF5Library.check(
                H5Dread(
                    did, vstack_h5t_native_double(), vstack_h5s_all(), vstack_h5s_all(), vstack_h5p_default(), &values),
                "cannot read dataset \(path)")
            return (shape, Array(values.prefix(n)))
        }
    }
}
