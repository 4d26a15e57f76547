#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Codecs
import Formats
import Stores
import TUI

/// `vstack version`: vstack's version and the libraries inside this executable, each asked of the
/// library itself, and the glibc it was built for and runs on (the one library it takes from the system).
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print vstack's version and the versions of the libraries it carries.",
        discussion: """
            Each library's version is read from the library at run time (TIFFGetVersion, \
            blosc_get_version_string, ZSTD_versionString, LZ4_versionString, zlibVersion, \
            H5get_libversion, curl_version_info, curses_version). `glibc (needs)` is the oldest \
            glibc the executable runs on: the release bundle's (make dist) is recorded in it, a \
            development build needs the glibc it was built with.
            """
    )

    /// The release bundle carries the floor make dist achieved (scripts/dist/glibc-compat.c);
    /// any other build needs the glibc of the system it was built on.
    static var glibcFloor: String {
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "vstack_glibc_floor") {
            return String(cString: symbol.assumingMemoryBound(to: CChar.self))
        }
        return "\(__GLIBC__).\(__GLIBC_MINOR__)"
    }

    func run() throws {
        var rows: [(String, String)] = [("vstack", VStackCommand.configuration.version)]
        rows += CodecLibraries.versions
        rows += FormatLibraries.versions
        rows += StoreLibraries.versions
        rows += TerminalLibraries.versions
        rows.append(("glibc (needs)", Self.glibcFloor))
        var buffer = [CChar](repeating: 0, count: 64)
        _ = confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, buffer.count)
        let running = String(cString: buffer)
        rows.append(("glibc (running)", running.hasPrefix("glibc ") ? String(running.dropFirst(6)) : running))
        let width = rows.map(\.0.count).max() ?? 0
        for (name, version) in rows {
            print(name + String(repeating: " ", count: width - name.count) + "  " + version)
        }
    }
}
