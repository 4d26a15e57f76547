#if canImport(Glibc)
import Glibc
#endif
import CNcursesw
import TUI

/// What the environment says about the terminal, without taking it over.
enum TerminalProbe {
    /// Cells of the terminal on stdout, else COLUMNS/LINES, else nil.
    static func size() -> (columns: Int, rows: Int)? {
        var ws = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0 {
            return (Int(ws.ws_col), Int(ws.ws_row))
        }
        let env = environment()
        if let c = env["COLUMNS"].flatMap(Int.init), let r = env["LINES"].flatMap(Int.init), c > 0, r > 0 {
            return (c, r)
        }
        return nil
    }

    /// Whether the locale's character set is UTF-8 (LC_ALL, then LC_CTYPE, then LANG).
    static func utf8Locale() -> Bool {
        let env = environment()
        let value = [env["LC_ALL"], env["LC_CTYPE"], env["LANG"]].compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let v = value.lowercased()
        return v.contains("utf-8") || v.contains("utf8")
    }

    /// `colors` from terminfo for $TERM (nil when TERM is unset or unknown).
    nonisolated(unsafe) private static var cachedColors: Int?? = nil
    static func terminfoColors() -> Int? {
        if let c = cachedColors { return c }
        var result: Int? = nil
        TerminalDescription.prepare()  // TERMINFO_DIRS, and xterm-256color for an unknown TERM
        if let term = environment()["TERM"], !term.isEmpty {
            var err: Int32 = 0
            if setupterm(term, -1, &err) == OK {
                let n = tigetnum("colors")
                if n >= 0 { result = Int(n) }
            }
        }
        cachedColors = .some(result)
        return result
    }

    static func environment() -> [String: String] {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return env
    }
}
