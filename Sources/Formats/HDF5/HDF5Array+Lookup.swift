#if canImport(Glibc)
import Glibc
#endif
import CHDF5
import Codecs
import Stores

/// Finding the dataset a location names: the datasets under the root, a one-line summary of
/// each, the one dataset of a file that holds one (all under `HDF5Library`'s lock).
extension HDF5Array {
    /// The datasets under the root, by absolute path (at most `limit`).
    static func listDatasets(_ fid: hid_t, limit: Int = 1000) -> [String] {
        var buf: UnsafeMutablePointer<CChar>? = nil
        var len = 0
        let n = vstack_h5_list_datasets(fid, Int32(limit), &buf, &len)
        defer { free(buf) }
        guard n > 0, let buf else { return [] }
        var out: [String] = []
        var i = 0
        while i < len {
            let s = String(cString: buf + i)
            out.append(s)
            i += s.utf8.count + 1
        }
        return out
    }

    /// `/raw (64, 512, 512) uint16` for the listing, or `/x (compound)` for one vstack does not read.
    static func summary(_ fid: hid_t, _ path: String) -> (text: String, rank: Int, readable: Bool) {
        let did = H5Dopen2(fid, path, vstack_h5p_default())
        guard did >= 0 else {
            _ = HDF5Library.lastError()
            return (path, 0, false)
        }
        defer { H5Dclose(did) }
        let shape = (try? dims(did)) ?? []
        let type = (try? dataType(did)).map { t -> String in
            H5Tclose(t.1)
            return t.0.name
        }
        let kind = type ?? typeClassName(did)
        _ = HDF5Library.lastError()
        return ("\(path) \(tuple(shape)) \(kind)", shape.count, type != nil)
    }

    static func onlyDataset(_ fid: hid_t, fileName: String) throws -> String {
        let all = listDatasets(fid)
        let summaries = all.map { summary(fid, $0) }
        let images = zip(all, summaries).filter { $0.1.rank >= 2 && $0.1.readable }.map(\.0)
        if images.count == 1 { return images[0] }
        guard !all.isEmpty else { throw FormatError.missing("\(fileName) holds no datasets") }
        let shown =
            summaries.prefix(12).map(\.text).joined(separator: ", ")
            + (all.count > 12 ? ", … (\(all.count) in all)" : "")
        let example = (images.first ?? all[0]).dropFirst()
        throw FormatError.notAnArray("\(fileName) holds datasets \(shown); open one: \(fileName)/\(example)")
    }

    static func openDataset(_ fid: hid_t, path: String, fileName: String) throws -> hid_t {
        // H5Oopen tells a group from a dataset from nothing.
        let obj = H5Oopen(fid, path, vstack_h5p_default())
        guard obj >= 0 else {
            _ = HDF5Library.lastError()
            let all = listDatasets(fid, limit: 13)
            let known =
                all.isEmpty
                ? "it holds no datasets"
                : "its datasets: " + all.prefix(12).joined(separator: ", ") + (all.count > 12 ? ", …" : "")
            throw FormatError.missing("no dataset \(path) in \(fileName) (\(known))")
        }
        let type = H5Iget_type(obj)
        H5Oclose(obj)
        guard type == H5I_DATASET else {
            let inside = listDatasets(fid).filter { $0.hasPrefix(path + "/") }
            throw FormatError.notAnArray(
                "\(path) in \(fileName) is a group, not a dataset"
                    + (inside.isEmpty ? "" : "; its datasets: " + inside.prefix(12).joined(separator: ", ")))
        }
        // Without libhdf5's chunk cache: 1.10 reads an unfiltered chunk that goes through the
        // cache into a buffer of the length the chunk index stores, then copies a whole chunk
        // out of it (H5D__chunk_lock; CVE-2018-11205), a heap over-read when a corrupt index
        // says the chunk is shorter (FuzzHDF5, Fuzz/corpus/FuzzHDF5/). Uncached, such a chunk
        // is read from the file straight into the caller's buffer. vstack reads each chunk
        // once, into its own cache, so libhdf5's would only hold copies.
        let dapl = try HDF5Library.check(vstack_h5p_dapl_uncached(), "cannot make the dataset access properties")
        defer { H5Pclose(dapl) }
        return try HDF5Library.check(H5Dopen2(fid, path, dapl), "cannot open dataset \(path)")
    }
}
