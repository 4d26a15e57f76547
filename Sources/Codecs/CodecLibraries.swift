import CBlosc
import CLz4
import CZlib
import CZstd

/// The versions of the compression libraries linked into this executable, asked of the libraries
/// themselves at run time (so a static build reports what it carries, not what the system has).
public enum CodecLibraries {
    public static var versions: [(name: String, version: String)] {
        [
            ("c-blosc", String(cString: blosc_get_version_string())),
            ("zstd", String(cString: ZSTD_versionString())),
            ("lz4", String(cString: LZ4_versionString())),
            ("zlib", String(cString: zlibVersion())),
        ]
    }
}
