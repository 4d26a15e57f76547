#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Rendering

/// Sends `GraphicsDetection.queries` to the terminal and collects the answers, before the
/// viewer takes the terminal over. The terminal is put in raw mode without echo for the
/// wait, so answers never show, and restored after.
public enum GraphicsQuery {
    /// - Parameters:
    ///   - timeout: how long to wait for DA1 (over SSH, one round trip); a terminal that answers
    ///     nothing costs this much once, at start.
    ///   - wrap: inside tmux, wraps the queries so they reach the outer terminal.
    public static func ask(input: Int32 = 0, output: Int32 = 1, timeout: Double, wrap: Bool = false) -> TerminalReplies
    {
        guard isatty(input) == 1, isatty(output) == 1 else { return TerminalReplies() }
        var saved = termios()
        guard tcgetattr(input, &saved) == 0 else { return TerminalReplies() }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(input, TCSANOW, &raw) == 0 else { return TerminalReplies() }
        defer { tcsetattr(input, TCSANOW, &saved) }
        let queries = wrap ? TmuxPassthrough.wrap(GraphicsDetection.queries) : GraphicsDetection.queries
        var written = 0
        while written < queries.count {
            let n = queries.withUnsafeBytes { write(output, $0.baseAddress! + written, queries.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                return TerminalReplies()
            }
            written += n
        }
        var received: [UInt8] = []
        let deadline = Date().timeIntervalSince1970 + timeout
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let left = deadline - Date().timeIntervalSince1970
            guard left > 0 else { break }
            var pfd = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(max(1, left * 1000)))
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { break }
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress!, $0.count) }
            if n <= 0 { break }
            received += buffer[0..<n]
            if TerminalReplies(parsing: received).deviceAttributes != nil { break }
        }
        return TerminalReplies(parsing: received)
    }

    /// The cell size the kernel reports for the terminal on `fd` (ws_xpixel/ws_ypixel, which
    /// ssh forwards), nil when it reports none.
    public static func kernelCellSize(fd: Int32 = 1) -> CellSize? {
        var ws = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0, ws.ws_xpixel > 0, ws.ws_ypixel > 0
        else { return nil }
        let w = Int(ws.ws_xpixel) / Int(ws.ws_col), h = Int(ws.ws_ypixel) / Int(ws.ws_row)
        return (1...512).contains(w) && (1...512).contains(h) ? CellSize(w, h) : nil
    }
}
