import CNcursesw

/// The version of ncurses linked into this executable, asked of the library at run time.
public enum TerminalLibraries {
    public static var versions: [(name: String, version: String)] {
        // curses_version(): "ncurses 6.4.20221231"
        let banner = String(cString: curses_version())
        return [("ncurses", banner.hasPrefix("ncurses ") ? String(banner.dropFirst(8)) : banner)]
    }
}
