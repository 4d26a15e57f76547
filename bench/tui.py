"""tui: what the viewer costs per z step in a real terminal (a pty).

`vstack demo` (and the scrub benchmark's `tiles` Zarr) runs in a pseudo-terminal of
160×50 cells (a 160×48 image pane plus status and message lines), with TERM=xterm-256color
and COLORTERM=truecolor or unset (256 colours). The harness first walks z up 24 steps
and back (so the planes are cached), then presses `]` STEPS times, waiting for the
screen to go quiet after each. For each step it records the bytes the viewer wrote
and the time from writing the key to the last byte of the frame (the first burst of
output; later small writes are status-line updates as prefetch lands).
Targets (issue #5): ≤ 40 KB per z step in 256 colours; ≤ 16 ms key to frame when cached.
For scale: chafa writes 21–32 KB for one 160×48 frame of such a plane (render benchmark).

Every run sets VSTACK_MODE: `half` for the half-block rows (the viewer's default, `auto`,
would ask the terminal and wait for a pty that never answers), and `kitty`, `sixel`, `iterm`
with `--cell-size 8x16` for the pixel rows (so nothing is asked either): the pane is then
1280×768 pixels and the viewer sends one picture per z step, at truecolor (COLORTERM set;
pixels do not depend on it).
"""
from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import termios
import time

import common
from common import fmt, log

NAME = "tui"
DESCRIPTION = "viewer bytes per z step and key-to-frame latency in a pty (160×48 pane)"
DEFAULT_REPS = 3
COLS, ROWS = 160, 50
STEPS = 20
GAP = 0.03       # a pause this long ends a frame's burst of output
CELL = ["--cell-size", "8x16"]
# (row, VSTACK_MODE, COLORTERM, extra arguments)
MODES = [("half 256", "half", None, []), ("half truecolor", "half", "truecolor", []),
         ("kitty", "kitty", "truecolor", CELL), ("sixel", "sixel", "truecolor", CELL),
         ("iterm", "iterm", "truecolor", CELL)]


class Viewer:
    def __init__(self, args: list[str], colorterm: str | None, mode: str = "half"):
        env = {k: v for k, v in os.environ.items() if k not in ("COLORTERM", "LINES", "COLUMNS", "VSTACK_MODE")}
        env |= {"TERM": "xterm-256color", "LANG": "C.UTF-8", "VSTACK_MODE": mode}
        env |= {"COLORTERM": colorterm} if colorterm else {}
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(str(common.vstack_bin()), [str(common.vstack_bin()), *args], env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        os.kill(pid, signal.SIGWINCH)

    def drain(self, quiet: float, limit: float = 30.0) -> list[tuple[float, int]]:
        """Reads until nothing arrives for `quiet` seconds; returns (time, bytes) chunks."""
        out, end = [], time.perf_counter() + limit
        while time.perf_counter() < end:
            r, _, _ = select.select([self.fd], [], [], quiet)
            if not r:
                break
            try:
                data = os.read(self.fd, 1 << 20)
            except OSError:
                break
            out.append((time.perf_counter(), len(data)))
        return out

    def press(self, key: bytes, quiet: float = 0.5) -> tuple[int, float, int]:
        """(bytes of the first burst, seconds key → its last byte, all bytes until quiet)."""
        t0 = time.perf_counter()
        os.write(self.fd, key)
        chunks = self.drain(quiet)
        if not chunks:
            return 0, float("nan"), 0
        burst, last = 0, t0
        for t, n in chunks:
            if burst and t - last > GAP:
                break
            burst, last = burst + n, t
        return burst, last - t0, sum(n for _, n in chunks)

    def close(self):
        os.write(self.fd, b"q")
        self.drain(0.3, 5)
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def measure(args: list[str], colorterm: str | None, mode: str = "half") -> dict:
    v = Viewer(args, colorterm, mode)
    try:
        v.drain(2.0, 60)                       # first frame and its prefetch
        for key in [b"]"] * 24 + [b"["] * 24:  # visit the planes so they are cached
            v.press(key, 0.15)
        v.drain(1.0, 30)
        bursts, latencies, totals = [], [], []
        for _ in range(STEPS):
            b, lat, total = v.press(b"]", 0.25)
            bursts.append(b); latencies.append(lat); totals.append(total)
        return {"bytes_per_step": statistics.median(bursts), "bytes_per_step_max": max(bursts),
                "all_bytes_per_step": statistics.median(totals),
                "latency_ms": statistics.median(latencies) * 1e3, "latency_ms_max": max(latencies) * 1e3}
    finally:
        v.close()


def run(reps: int, regenerate: bool = False) -> tuple[str, dict]:
    import scrub
    if not common.vstack_bin().exists():
        raise SystemExit(f"{common.vstack_bin()} not found (swift build -c release --product vstack)")
    tiles = scrub.ensure_data(regenerate) and str(scrub.path("tiles"))
    sources = {"demo": ["demo", "--at", "c=1,t=40,z=100"], "tiles Zarr": [tiles, "--at", "t=0,c=1,z=100"]}
    info = common.machine_info([])
    info["vstack"] = common.vstack_version()
    results: dict = {}
    for label, args in sources.items():
        for what, mode, colorterm, extra in MODES:
            runs = []
            for rep in range(reps):
                log(f"  {label} {what} rep {rep + 1}/{reps} ...")
                runs.append(measure(args + extra, colorterm, mode))
            results[f"{label}, {what}"] = {k: statistics.median(r[k] for r in runs) for k in runs[0]} | {"runs": runs}
    md = [f"## tui: the viewer in a {COLS}×{ROWS} pty, {STEPS} z steps over cached planes", "",
          common.machine_markdown(info), "",
          "| source, mode | bytes per z step (frame) | max | incl. status updates | key → frame ms | max ms |",
          "|---|---:|---:|---:|---:|---:|"]
    for k, r in results.items():
        md.append(f"| {k} | {r['bytes_per_step']:,.0f} | {r['bytes_per_step_max']:,.0f} | "
                  f"{r['all_bytes_per_step']:,.0f} | {fmt(r['latency_ms'], 1)} | {fmt(r['latency_ms_max'], 1)} |")
    payload = {"benchmark": NAME, "machine": info, "reps": reps, "results": results, "failed": []}
    return "\n".join(md) + "\n", payload
