import CNcursesw
import Foundation
import Synchronization

/// The terminal through ncurses: input (keys, mouse, resize) and size. The
/// picture itself is written as ANSI bytes by `ScreenWriter`; ncurses' own
/// screen stays blank and untouched, so its refreshes never draw over it.
///
/// ncurses reads its keys from a pipe, not from the terminal: `read` (on the UI thread) moves
/// what the terminal sent into that pipe, minus the answers to the graphics queries
/// (`TerminalInputSplitter`), which come out as one `.terminalReplies` input instead of keys.
final class Terminal {
    /// Set by SIGINT/SIGTERM/SIGHUP: the loop restores the terminal and exits.
    nonisolated(unsafe) static var stopSignal: Int32 = 0

    enum Input: Equatable {
        case key(Key)
        case wheel(Int)
        case click(y: Int, x: Int)
        case drag(y: Int, x: Int)
        case release(y: Int, x: Int)
        /// The terminal answered the graphics queries (its DA1 came, the last answer).
        case terminalReplies(TerminalReplies)
    }

    private(set) var isOpen = false
    /// The pipe ncurses reads its keys from (-1: it reads the terminal itself).
    private var keys: (read: UnsafeMutablePointer<FILE>?, write: Int32) = (nil, -1)
    /// Keys not yet written into the pipe (it was full).
    private var keyBacklog: [UInt8] = []
    /// The answers to the graphics queries so far, and whether they went out as `.terminalReplies`.
    private var replyBytes: [UInt8] = []
    private var repliesDelivered = false
    /// How long a sequence (or a UTF-8 character) cut off at the end of a read is waited for, as
    /// ncurses waits for the rest of an escape sequence (ESCDELAY).
    static let sequenceWait = 0.025

    func open() {
        // The character set comes from the locale; when the one named does not exist here (C.UTF-8
        // on older systems), any UTF-8 locale gives the same characters.
        if setlocale(LC_ALL, "") == nil {
            for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] where setlocale(LC_CTYPE, name) != nil { break }
        }
        TerminalDescription.prepare()
        // `pumpInput` hands ncurses whole sequences, having waited for their ends itself: ncurses
        // waits only for a lone Esc's (the keys after it are in the pipe already, or not coming).
        setenv("ESCDELAY", "1", 1)
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0, let input = fdopen(fds[0], "r") {
            _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
            keys = (input, fds[1])
        }
        // ncurses writes through its own FILE on stdout (never closed: that would close fd 1).
        if keys.read == nil || newterm(nil, fdopen(1, "w"), keys.read) == nil {
            // No pipe: ncurses reads the terminal (initscr explains a terminal it cannot drive, and exits).
            closeKeyPipe()
            setenv("ESCDELAY", "25", 1)
            _ = initscr()
        }
        raw()
        noecho()
        nonl()
        keypad(vstack_stdscr(), true)
        // Home and End as every common terminal sends them, not only as terminfo says: tmux, screen,
        // rxvt and the Linux console send ESC [1~ / ESC [4~ (or 7~ / 8~) whatever TERM claims.
        for (sequence, code) in Terminal.extraKeys { _ = define_key(sequence, code) }
        curs_set(0)
        _ = mousemask(vstack_all_mouse_events(), nil)
        mouseinterval(0)
        // Reads never block: the viewer polls stdin beside its wake-up pipe (WakePipe).
        timeout(0)
        refresh()
        isOpen = true
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { Terminal.stopSignal = $0 }
        }
        // A parent may have blocked SIGWINCH (the mask survives exec); ncurses needs it.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGWINCH)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// The window size from the kernel; when it differs from ncurses' idea
    /// (a resize whose SIGWINCH was missed), ncurses is told.
    private func sizeChanged() -> Bool {
        var ws = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0, ws.ws_col > 0 else { return false }
        let (columns, rows) = size
        guard
            min(Int(ws.ws_col), Terminal.maxCells.columns) != columns
                || min(Int(ws.ws_row), Terminal.maxCells.rows) != rows
        else { return false }
        resizeterm(Int32(ws.ws_row), Int32(ws.ws_col))
        return true
    }

    /// Leaves curses mode: the shell gets its normal screen and modes back.
    func close() {
        guard isOpen else { return }
        isOpen = false
        ScreenWriter.write("\u{1b}[0m\u{1b}[?1002l\u{1b}[?1006l")
        endwin()
        closeKeyPipe()
    }

    private func closeKeyPipe() {
        if let input = keys.read { fclose(input) }
        if keys.write >= 0 { Foundation.close(keys.write) }
        keys = (nil, -1)
    }

    /// The screen in cells, held to the frame limit (`render --size` refuses more) whatever the terminal says.
    var size: (columns: Int, rows: Int) {
        (
            min(Int(vstack_getmaxx(vstack_stdscr())), Terminal.maxCells.columns),
            min(Int(vstack_getmaxy(vstack_stdscr())), Terminal.maxCells.rows)
        )
    }
    static let maxCells = (columns: 2000, rows: 1000)

    /// After a resize ncurses clears its screen once; the next frame is drawn in full.
    func acknowledgeResize() {
        clear()
        refresh()
    }

    /// The next input already typed, or nil (never blocks, but for the end of a sequence cut off
    /// in the middle: `sequenceWait`).
    func read() -> Input? {
        pumpInput()
        if !repliesDelivered, !replyBytes.isEmpty {
            let replies = TerminalReplies(parsing: replyBytes)
            if replies.deviceAttributes != nil {
                repliesDelivered = true
                return .terminalReplies(replies)
            }
        }
        var wch: wint_t = 0
        let kind = get_wch(&wch)
        if kind == ERR { return sizeChanged() ? .key(.resize) : nil }
        let code = Int32(bitPattern: wch)
        if kind == KEY_CODE_YES {
            if code == vstack_key_mouse() { return mouse() }
            if code == vstack_key_resize() { return .key(.resize) }
            return Terminal.special[code].map { .key($0) }
        }
        switch code {
        case 3: return .key(.ctrl("c"))
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        case 1...26: return .key(.ctrl(Character(Unicode.Scalar(UInt8(code) + 96))))
        default:
            guard let scalar = Unicode.Scalar(UInt32(wch)) else { return nil }
            return .key(.char(Character(scalar)))
        }
    }

    /// Moves what the terminal sent (stdin) into ncurses' key pipe, keeping back the answers to
    /// the graphics queries. A read that ends inside a sequence waits (`sequenceWait` at a time)
    /// for its end, so ncurses gets every key whole.
    private func pumpInput() {
        guard keys.write >= 0 else { return }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var split = TerminalInputSplitter.Split()
        var timeout: Int32 = 0
        while true {
            var pfd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, timeout)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { break }
            let n = buffer.withUnsafeMutableBytes { Foundation.read(0, $0.baseAddress!, $0.count) }
            guard n > 0 else { break }
            received += buffer[0..<n]
            split = TerminalInputSplitter.split(received)
            // A sequence cut off: wait for its end. A full buffer: read on.
            if split.unfinished {
                timeout = Int32(Terminal.sequenceWait * 1000)
            } else if n == buffer.count {
                timeout = 0
            } else {
                break
            }
        }
        replyBytes += split.replies
        keyBacklog += split.keys
        while !keyBacklog.isEmpty {
            let n = keyBacklog.withUnsafeBytes { Foundation.write(keys.write, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }  // the pipe is full: the rest goes once ncurses has read some
            keyBacklog.removeFirst(n)
        }
    }

    private func mouse() -> Input? {
        var event = MEVENT()
        guard getmouse(&event) == OK else { return nil }
        let state = event.bstate
        let (y, x) = (Int(event.y), Int(event.x))
        if state & vstack_wheel_up() != 0 { return .wheel(-1) }
        if state & vstack_wheel_down() != 0 { return .wheel(1) }
        if state & vstack_button1_pressed() != 0 { return .click(y: y, x: x) }
        if state & vstack_button1_released() != 0 { return .release(y: y, x: x) }
        if state & vstack_mouse_moved() != 0 { return .drag(y: y, x: x) }
        return nil
    }

    private static let extraKeys: [(String, Int32)] = [
        ("\u{1b}[1~", KEY_HOME), ("\u{1b}[7~", KEY_HOME), ("\u{1b}[H", KEY_HOME), ("\u{1b}OH", KEY_HOME),
        ("\u{1b}[4~", KEY_END), ("\u{1b}[8~", KEY_END), ("\u{1b}[F", KEY_END), ("\u{1b}OF", KEY_END),
    ]

    private static let special: [Int32: Key] = [
        KEY_UP: .up, KEY_DOWN: .down, KEY_LEFT: .left, KEY_RIGHT: .right,
        KEY_SR: .shiftUp, KEY_SF: .shiftDown, KEY_SLEFT: .shiftLeft, KEY_SRIGHT: .shiftRight,
        KEY_PPAGE: .pageUp, KEY_NPAGE: .pageDown, KEY_HOME: .home, KEY_END: .end,
        KEY_ENTER: .enter, KEY_BACKSPACE: .backspace,
    ]
}

/// Writes bytes to the terminal (stdout), whole.
enum ScreenWriter {
    static func write(_ s: String) { write(Array(s.utf8)) }
    static func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Foundation.write(1, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    return
                }
                done += n
            }
        }
    }
}
