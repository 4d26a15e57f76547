import CHDF5
import CTiff

/// The versions of libtiff and libhdf5 linked into this executable, asked of the libraries at run time.
public enum FormatLibraries {
    public static var versions: [(name: String, version: String)] {
        // TIFFGetVersion: "LIBTIFF, Version 4.5.0\nCopyright ..."; the first line's last word.
        let tiffBanner = String(cString: TIFFGetVersion())
        let tiff = tiffBanner.split(separator: "\n").first?.split(separator: " ").last.map(String.init) ?? tiffBanner
        var major: UInt32 = 0
        var minor: UInt32 = 0
        var release: UInt32 = 0
        let hdf5 =
            (try? HDF5Library.locked { H5get_libversion(&major, &minor, &release) }).map { _ in
                "\(major).\(minor).\(release)"
            } ?? "unknown"
        return [("libtiff", tiff), ("libhdf5", hdf5)]
    }
}
