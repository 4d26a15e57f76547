import CNcursesw
#if canImport(Glibc)
import Glibc
#endif

/// Finds a terminfo description for $TERM on whatever system the viewer runs on. A statically
/// linked ncurses searches only the directories compiled into it (Debian's), so the usual ones of
/// other distributions are added; a terminal whose description is missing (`TERM=xterm-kitty` on a
/// system without kitty's entry) is driven as xterm-256color instead of failing.
public enum TerminalDescription {
    /// Where distributions keep compiled terminfo: Debian's /etc and /lib, everyone's /usr/share, and /usr/lib.
    public static let directories = ["/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo", "/usr/lib/terminfo"]
    /// Descriptions tried in turn when $TERM's own is missing.
    public static let fallbacks = ["xterm-256color", "xterm", "vt100"]

    /// What `prepare` decided, for the status line: nil when $TERM's own description is used.
    nonisolated(unsafe) public private(set) static var note: String?

    /// Sets TERMINFO_DIRS (when the user has not) and, when $TERM has no description, TERM to the
    /// first fallback found. Call before anything asks ncurses about the terminal. Returns false
    /// when no description at all is found.
    @discardableResult
    public static func prepare() -> Bool {
        if getenv("TERMINFO_DIRS") == nil {
            setenv("TERMINFO_DIRS", directories.joined(separator: ":"), 1)
        }
        let term = getenv("TERM").map { String(cString: $0) } ?? ""
        if !term.isEmpty && hasDescription(term) { return true }
        for name in fallbacks where hasDescription(name) {
            setenv("TERM", name, 1)
            note = "no terminfo entry for TERM=\(term.isEmpty ? "(unset)" : term): using \(name)"
            return true
        }
        return false
    }

    private static func hasDescription(_ name: String) -> Bool {
        var err: Int32 = 0
        return setupterm(name, -1, &err) == OK
    }
}
