import Foundation
import Synchronization

/// Wakes the UI thread from another thread: load and filter completions
/// count an arrival and write a byte to a pipe that the input loop `poll`s
/// beside stdin, so a finished load is drawn at once and an idle viewer
/// sleeps instead of waking every few milliseconds.
final class WakePipe: Sendable {
    let readEnd: Int32
    private let writeEnd: Int32
    /// Arrivals so far; a change since the last frame means redraw.
    let count = Atomic<Int>(0)

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        }
        (readEnd, writeEnd) = (fds[0], fds[1])
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Called on any thread: one more arrival. A full pipe already holds a wake-up, so a failed write is fine.
    func signal() {
        count.add(1, ordering: .relaxed)
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe (the arrivals are read from `count`).
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(readEnd, &buffer, buffer.count) > 0 {}
    }

    /// Sleeps until stdin has input, a signal arrives, or `timeout` seconds pass (EINTR, e.g. SIGWINCH, also ends it).
    func wait(orInputOn fd: Int32, timeout: Double) {
        var fds = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0),
        ]
        _ = poll(&fds, 2, Int32(max(0, min(timeout, 3600)) * 1000))
    }
}
