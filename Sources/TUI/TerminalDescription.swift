import CNcursesw
#if canImport(Glibc)
import Glibc
#endif

/// Finds a terminfo description for $TERM on whatever system the viewer runs on. A statically
/// linked ncurses searches only the directories compiled into it (Debian's), so the usual ones of
/// other distributions are added; a terminal whose description is missing (`TERM=xterm-kitty` on a
/// system without kitty's entry) is driven as xterm-256color instead of failing, from vstack's own
/// copy of that description when the system has none.
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
            // The leading empty entry is ncurses' compiled-in search path, kept first.
            setenv("TERMINFO_DIRS", ":" + directories.joined(separator: ":"), 1)
        }
        let term = getenv("TERM").map { String(cString: $0) } ?? ""
        if !term.isEmpty && hasDescription(term) { return true }
        for name in fallbacks where hasDescription(name) {
            setenv("TERM", name, 1)
            note = "no terminfo entry for TERM=\(term.isEmpty ? "(unset)" : term): using \(name)"
            return true
        }
        // No terminfo at all here: vstack's own copy of xterm-256color, in a private directory.
        guard let directory = writeBuiltin() else { return false }
        setenv("TERMINFO", directory, 1)
        setenv("TERM", BuiltinTerminfo.name, 1)
        guard hasDescription(BuiltinTerminfo.name) else { return false }
        let shown = term.isEmpty ? "(unset)" : term
        note = "no terminfo entry for TERM=\(shown): using vstack's built-in \(BuiltinTerminfo.name)"
        return true
    }

    /// The directory written (removed again at exit), nil when it cannot be.
    nonisolated(unsafe) private static var builtinDirectory: String?

    private static func writeBuiltin() -> String? {
        if let builtinDirectory { return builtinDirectory }
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/vstack-terminfo-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { return nil }
        let root = String(cString: made)
        let name = BuiltinTerminfo.name
        let sub = "\(root)/\(name.prefix(1))"
        let file = "\(sub)/\(name)"
        let bytes = BuiltinTerminfo.bytes
        guard mkdir(sub, 0o700) == 0 else { return nil }
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { return nil }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { return nil }
        builtinDirectory = root
        atexit {
            guard let root = TerminalDescription.builtinDirectory else { return }
            let name = BuiltinTerminfo.name
            unlink("\(root)/\(name.prefix(1))/\(name)")
            rmdir("\(root)/\(name.prefix(1))")
            rmdir(root)
        }
        return root
    }

    private static func hasDescription(_ name: String) -> Bool {
        var err: Int32 = 0
        return setupterm(name, -1, &err) == OK
    }
}
