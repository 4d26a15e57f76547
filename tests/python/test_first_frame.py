"""The viewer's first frame does not wait for the terminal's answer to the graphics query.

`vstack demo` runs on a pty (`pty.fork`) as TERM=xterm-256color outside tmux, so `--mode auto`
asks the terminal which pixel protocol it speaks. The test plays the terminal: one run answers
the queries the way kitty or foot do (the byte strings of test_pixels.py), one never answers. The
time from the start to the first frame's bytes on the pty master is the same for both (before,
a terminal that never answered cost a 1 s wait), and the answering terminal still gets pixels:
its picture escape follows, and none of the answer's bytes is taken for a key.
"""
import os
import pty
import re
import select
import signal
import struct
import fcntl
import termios
import time

import pytest

from conftest import VSTACK_BIN, render_env

QUERIES = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\\x1b[>q\x1b[16t\x1b[c"
ANSWERS = {
    "kitty": b"\x1b_Gi=31;OK\x1b\\\x1bP>|kitty(0.35.2)\x1b\\\x1b[6;16;8t\x1b[?62;c",
    "foot": b"\x1bP>|foot(1.16.2)\x1b\\\x1b[6;20;10t\x1b[?62;4;22c",
    "silent": None,
}
# The mode each terminal ends in, and the start of its picture.
MODE = {"kitty": "kitty", "foot": "sixel", "silent": "half"}
PICTURE = {"kitty": re.compile(rb"\x1b_Ga=T"), "sixel": re.compile(rb"\x1bP[0-9;]*q")}
# The first frame is whole once its status line is out.
FRAME = re.compile(rb"cache \d")


class Run:
    """`vstack demo` on a pty that answers the graphics queries with `answer` (None: never)."""

    def __init__(self, answer, cols=160, rows=40):
        env = render_env(VSTACK_MODE=None, TMUX=None, KITTY_WINDOW_ID=None, TERM_PROGRAM=None,
                         WEZTERM_EXECUTABLE=None, KONSOLE_VERSION=None, ITERM_SESSION_ID=None)
        self.answer, self.out = answer, b""
        self.start = time.monotonic()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(str(VSTACK_BIN), [str(VSTACK_BIN), "demo"], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.asked = self.first = None

    def read_until(self, done, timeout=30, what="output"):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if done():
                return
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if not r:
                continue
            try:
                data = os.read(self.fd, 1 << 20)
            except OSError:
                break
            now = time.monotonic()
            self.out += data
            if self.asked is None and QUERIES in self.out:
                self.asked = now
                if self.answer:
                    os.write(self.fd, self.answer)
            if self.first is None and self.asked is not None and FRAME.search(self.out, self.out.index(QUERIES)):
                self.first = now
        if not done():
            self.kill()
            pytest.fail(f"timed out waiting for {what}; output ends {self.out[-400:]!r}")

    def quit(self):
        os.write(self.fd, b"q")
        end = time.monotonic() + 10
        while time.monotonic() < end:
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if r:
                try:
                    self.out += os.read(self.fd, 1 << 20)
                    continue
                except OSError:
                    pass
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        self.kill()
        pytest.fail("vstack did not quit")

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def first_frame(terminal):
    """One run: -> (seconds to the first frame, seconds from the query to it, the whole output)."""
    run = Run(ANSWERS[terminal])
    try:
        run.read_until(lambda: run.first is not None, what="the first frame")
        mode = MODE[terminal]
        if mode in PICTURE:
            # The answer switches the viewer to pixels: a picture follows (maybe in the first frame).
            run.read_until(lambda: PICTURE[mode].search(run.out) is not None, what=f"a {mode} picture")
        else:
            run.read_until(lambda: "\u2580".encode() in run.out, what="half blocks")
    except BaseException:
        run.kill()
        raise
    assert run.quit() == 0
    return run.first - run.start, run.first - run.asked, run.out


@pytest.mark.serial
@pytest.mark.parametrize("answering", ["kitty", "foot"])
def test_a_silent_terminal_gets_its_first_frame_as_fast_as_one_that_answers(answering):
    silent, answered, waits = [], [], []
    for _ in range(3):  # interleaved, the fastest of each: a busy machine slows one run, not a kind
        total, after_query, out = first_frame("silent")
        silent.append(total)
        waits.append(after_query)
        assert not PICTURE["kitty"].search(out) and not PICTURE["sixel"].search(out.replace(QUERIES, b""))
        total, _, out = first_frame(answering)
        answered.append(total)
        # The answer is read, not typed: none of its bytes (Esc, _, G, i, …) reached the key map.
        assert b"not a key of vstack" not in out and b"histogram:" not in out, "an answer byte was taken for a key"
    assert min(silent) <= min(answered) + 0.15, f"first frame: silent {silent}, answering ({answering}) {answered}"
    # Waiting for an answer took 1 s before the frame was even drawn.
    assert min(waits) < 0.6, f"the first frame came {min(waits):.2f} s after the query: it waited for an answer"
