"""Real pixels (kitty graphics, iTerm2 inline images, sixel) and figures at data resolution.

What vstack writes is decoded back to pixels by code that is not vstack's (base64 + zlib in
Python, PIL for PNG, libsixel's `sixel2png` for sixel) and compared with the NumPy reference
renderer of test_render.py, at the pixel size the pane has: cells × the cell size.
Terminal detection runs vstack on a pty that answers the graphics queries like kitty, foot,
xterm, WezTerm, or not at all; and inside tmux with `allow-passthrough` on and off.
"""
import base64
import io
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import time
import zlib
import fcntl
import termios

import numpy as np
import pytest
from PIL import Image

from conftest import VSTACK_BIN, render_env, run_vstack_bytes
from test_render import (DEMO, auto_clim, cmap_index, cmap_table, downsample, normalize, round_half_away, NAN_RGB)

ESC = b"\x1b"
# What vstack asks a terminal, in order (README "Real pixels"): kitty's query image, XTVERSION,
# the cell size, and DA1 last.
QUERIES = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\\x1b[>q\x1b[16t\x1b[c"


def pixel_size(W, H, C, R, cw, ch):
    """The picture of a W×H region fitted into C×R cells of cw×ch pixels, square data pixels."""
    pw, ph = min(C * cw, 4096), min(R * ch, 4096)
    scale = min(pw / W, ph / H)
    return min(max(round_half_away(W * scale), 1), pw), min(max(round_half_away(H * scale), 1), ph)


def reference_rgb(plane, w, h, clim=None, how="mean", cmap="gray", gamma=1.0):
    src = np.asarray(plane).astype(np.float32)
    lo, hi = clim if clim is not None else auto_clim(src)
    t = normalize(downsample(src, w, h, how), lo, hi, gamma)
    lut = np.array(cmap_table(cmap) + (NAN_RGB,), np.uint8)
    idx = np.array([cmap_index(v) for v in t.ravel()]).reshape(t.shape)
    return lut[idx].astype(np.int64), idx


def assert_close(got, want, idx, cmap, tol, what):
    """Every pixel within `tol` of the reference, or one colour-map step away (float rounding at a boundary)."""
    assert got.shape == want.shape, f"{what}: picture {got.shape[1]}x{got.shape[0]} != reference {want.shape[1]}x{want.shape[0]}"
    diff = np.abs(got - want).max(axis=2)
    ok = diff <= tol
    lut = np.array(cmap_table(cmap) + (NAN_RGB,), np.int64)
    for d in (-1, 1):
        alt = np.where(idx >= 0, np.clip(idx + d, 0, 255), -1)
        ok |= np.abs(got - lut[alt]).max(axis=2) <= tol
    bad = np.argwhere(~ok)
    assert len(bad) == 0, (f"{what}: {len(bad)} of {ok.size} pixels off by more than {tol}; first at {tuple(bad[0][::-1])}: "
                           f"{tuple(got[tuple(bad[0])])} vs {tuple(want[tuple(bad[0])])}")


# ---------------------------------------------------------------------- decoders (not vstack's)
def kitty_images(data):
    """Every kitty image in `data`: (control keys of the first chunk, RGB array)."""
    images, keys, payload = [], None, b""
    for m in re.finditer(rb"\x1b_G([^;\x1b]*)(?:;([^\x1b]*))?\x1b\\", data):
        ctrl = dict(kv.split(b"=", 1) for kv in m.group(1).split(b",") if b"=" in kv)
        if keys is None:
            keys = ctrl
        payload += m.group(2) or b""
        if ctrl.get(b"m", b"0") == b"0":
            if keys.get(b"a") in (b"T", b"t"):
                raw = base64.b64decode(payload)
                if keys.get(b"o") == b"z":
                    raw = zlib.decompress(raw)
                w, h = int(keys[b"s"]), int(keys[b"v"])
                if keys[b"f"] == b"100":  # a PNG (gray or RGB): its size must be the one the keys give
                    img = Image.open(io.BytesIO(raw))
                    assert img.format == "PNG" and img.size == (w, h), f"kitty PNG {img.format} {img.size} for {w}x{h}"
                    rgb = np.asarray(img.convert("RGB"))
                else:
                    assert keys[b"f"] == b"24" and len(raw) == w * h * 3, f"kitty payload {len(raw)} bytes for {w}x{h} RGB"
                    rgb = np.frombuffer(raw, np.uint8).reshape(h, w, 3)
                images.append((keys, rgb.astype(np.int64)))
            keys, payload = None, b""
    return images


def kitty_chunks(data):
    return re.findall(rb"\x1b_G[^\x1b]*\x1b\\", data)


def iterm_images(data):
    out = []
    for m in re.finditer(rb"\x1b\]1337;File=([^:]*):([A-Za-z0-9+/=]*)\x07", data):
        args = dict(kv.split(b"=", 1) for kv in m.group(1).split(b";"))
        png = base64.b64decode(m.group(2))
        assert int(args[b"size"]) == len(png)
        img = Image.open(io.BytesIO(png))
        assert img.format == "PNG"
        out.append((args, np.asarray(img.convert("RGB")).astype(np.int64)))
    return out


def sixel_decode(data, tmp_path):
    """The first sixel image in `data`, decoded by libsixel's sixel2png."""
    exe = shutil.which("sixel2png")
    assert exe, "sixel2png is missing: install Debian's libsixel-bin (make test does)"
    m = re.search(rb"\x1bP[0-9;]*q.*?\x1b\\", data, re.S)
    assert m, "no sixel image (ESC P … q … ESC \\) in the output"
    six, png = tmp_path / "frame.six", tmp_path / "frame.png"
    six.write_bytes(m.group(0))
    subprocess.run([exe, "-i", str(six), "-o", str(png)], check=True, timeout=60)
    return np.asarray(Image.open(png).convert("RGB")).astype(np.int64)


# ---------------------------------------------------------------------- the demo plane
@pytest.fixture(scope="module")
def demo_plane(tmp_path_factory):
    out = tmp_path_factory.mktemp("pixels") / "plane.npy"
    proc = run_vstack_bytes("export", *DEMO, "-o", out)
    assert proc.returncode == 0, proc.stderr.decode()
    return np.load(out)


def render(*args, env=None):
    proc = run_vstack_bytes("render", *map(str, args), env=env)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr.decode().strip()}\n  args: {args}"
    return proc.stdout


PIXEL_CASES = [
    # (region, cells, cell size, look): 1:1 (the pane is the region's size), a fit, and a zoom-in
    ("300:476,100:420", (40, 12), (8, 16), dict(cmap="gray", how="mean")),      # 320x176 in 320x192 px: 1:1
    (None, (64, 20), (10, 20), dict(cmap="viridis", how="mean")),              # 768x1024 into 640x400: fit
    ("500:530,400:440", (30, 10), (9, 18), dict(cmap="magma", how="nearest")),   # 40x30 into 270x180: zoom in
]


def case_args(region, cells, cell, look):
    args = list(DEMO) + ["--size", f"{cells[0]}x{cells[1]}", "--no-header", "--cell-size", f"{cell[0]}x{cell[1]}",
                         "--cmap", look["cmap"], "--downsample", look["how"]]
    return args + (["--region", region] if region else [])


def region_of(plane, region):
    if region is None:
        return plane
    (y0, y1), (x0, x1) = [map(int, p.split(":")) for p in region.split(",")]
    return plane[y0:y1, x0:x1]


@pytest.mark.parametrize("region,cells,cell,look", PIXEL_CASES, ids=["1to1", "fit", "zoom"])
def test_kitty_payload_matches_reference(region, cells, cell, look, demo_plane):
    out = render(*case_args(region, cells, cell, look), "--mode", "kitty")
    images = kitty_images(out)
    assert len(images) == 1, f"{len(images)} kitty images in the output"
    keys, got = images[0]
    plane = region_of(demo_plane, region)
    w, h = pixel_size(plane.shape[1], plane.shape[0], cells[0], cells[1], *cell)
    want, idx = reference_rgb(plane, w, h, cmap=look["cmap"], how=look["how"])
    assert_close(got, want, idx, look["cmap"], 0, "kitty")
    # Chunks of at most 4096 base64 bytes; m=1 on all but the last; an id that replaces in place.
    chunks = kitty_chunks(out)
    for c in chunks:
        assert len(c.split(b";", 1)[1]) - 2 <= 4096 if b";" in c else True
    assert all(b"m=1" in c for c in chunks[:-1]) and b"m=0" in chunks[-1]
    assert keys[b"i"] == b"1" and keys[b"q"] == b"2"
    assert keys[b"f"] == b"100" or keys.get(b"o") == b"z", "a PNG or zlib-compressed RGB"
    if region == PIXEL_CASES[0][0]:
        assert (w, h) == (320, 176), "the 1:1 case is drawn at the region's own size"


@pytest.mark.parametrize("region,cells,cell,look", PIXEL_CASES, ids=["1to1", "fit", "zoom"])
def test_iterm_png_matches_reference(region, cells, cell, look, demo_plane):
    out = render(*case_args(region, cells, cell, look), "--mode", "iterm")
    images = iterm_images(out)
    assert len(images) == 1
    args, got = images[0]
    plane = region_of(demo_plane, region)
    w, h = pixel_size(plane.shape[1], plane.shape[0], cells[0], cells[1], *cell)
    assert args[b"width"] == f"{w}px".encode() and args[b"height"] == f"{h}px".encode()
    want, idx = reference_rgb(plane, w, h, cmap=look["cmap"], how=look["how"])
    assert_close(got, want, idx, look["cmap"], 0, "iterm")


@pytest.mark.parametrize("region,cells,cell,look", PIXEL_CASES, ids=["1to1", "fit", "zoom"])
def test_sixel_decodes_to_reference(region, cells, cell, look, demo_plane, tmp_path):
    out = render(*case_args(region, cells, cell, look), "--mode", "sixel")
    got = sixel_decode(out, tmp_path)
    plane = region_of(demo_plane, region)
    w, h = pixel_size(plane.shape[1], plane.shape[0], cells[0], cells[1], *cell)
    want, idx = reference_rgb(plane, w, h, cmap=look["cmap"], how=look["how"])
    # A colour-mapped picture has at most 256 colours, so its palette is exact up to sixel's
    # colours in percent (1/100 of full scale: within 2/255 after rounding).
    assert_close(got, want, idx, look["cmap"], 2, "sixel")


def test_kitty_header_names_the_mode():
    out = render(*DEMO, "--size", "100x12", "--mode", "kitty", "--cell-size", "8x16").split(b"\n", 1)[0].decode()
    assert out.endswith("kitty 100x11"), out


def test_pixel_mode_errors_are_one_line():
    for args, text in [(["--mode", "kity"], "--mode 'kity': expected half, quad, braille, ascii, kitty, sixel, iterm or auto"),
                       (["--mode", "kitty", "--cell-size", "0x20"], "--cell-size '0x20': expected WxH in pixels"),
                       (["--scale", "2"], "--scale sets a .png figure's size")]:
        proc = run_vstack_bytes("render", *DEMO, *args)
        err = proc.stderr.decode().strip()
        assert proc.returncode == 2 and err.startswith("vstack: ") and text in err and "\n" not in err, err
    proc = run_vstack_bytes("render", *DEMO, env=render_env(VSTACK_MODE="pixels"))
    assert proc.returncode == 2 and "VSTACK_MODE 'pixels'" in proc.stderr.decode()


# ---------------------------------------------------------------------- figures at data resolution
def test_png_figure_is_at_data_resolution(demo_plane, tmp_path):
    out = tmp_path / "fig.png"
    proc = run_vstack_bytes("render", *DEMO, "--region", "100:400,50:250", "--cmap", "inferno", "-o", out)
    assert proc.returncode == 0, proc.stderr.decode()
    got = np.asarray(Image.open(out).convert("RGB")).astype(np.int64)
    plane = demo_plane[100:400, 50:250]
    assert got.shape[:2] == plane.shape, f"figure {got.shape[1]}x{got.shape[0]}, region {plane.shape[1]}x{plane.shape[0]}"
    want, idx = reference_rgb(plane, 200, 300, cmap="inferno")
    assert_close(got, want, idx, "inferno", 0, "figure")


def test_png_figure_scale_and_screen_size(demo_plane, tmp_path):
    half, screen = tmp_path / "half.png", tmp_path / "screen.png"
    assert run_vstack_bytes("render", *DEMO, "--scale", "0.5", "-o", half).returncode == 0
    assert Image.open(half).size == (384, 512)
    assert run_vstack_bytes("render", *DEMO, "--size", "80x24", "-o", screen).returncode == 0
    assert Image.open(screen).size == (35, 46), "--size still gives the screen-sized picture (half blocks)"


def test_png_figure_with_filter_and_composite(tmp_path):
    out = tmp_path / "f.png"
    proc = run_vstack_bytes("render", "demo:", "--at", "t=10,z=100", "--composite", "--region", "0:256,0:192",
                            "--filter", "gaussian(1.5)", "-o", out)
    assert proc.returncode == 0, proc.stderr.decode()
    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.shape == (256, 192, 3) and len(np.unique(img.reshape(-1, 3), axis=0)) > 100


# ---------------------------------------------------------------------- detection on a pty
TERMINALS = {
    # name: (replies to the kitty query, XTVERSION, cell size, DA1) — None: not answered
    "kitty": (b"\x1b_Gi=31;OK\x1b\\", b"\x1bP>|kitty(0.35.2)\x1b\\", b"\x1b[6;16;8t", b"\x1b[?62;c"),
    "wezterm": (b"\x1b_Gi=31;OK\x1b\\", b"\x1bP>|WezTerm 20240203-110809-5046fc22\x1b\\", b"\x1b[6;18;9t", b"\x1b[?65;4;6;18;22c"),
    "foot": (None, b"\x1bP>|foot(1.16.2)\x1b\\", b"\x1b[6;20;10t", b"\x1b[?62;4;22c"),
    "xterm": (None, b"\x1bP>|XTerm(379)\x1b\\", b"\x1b[6;17;7t", b"\x1b[?64;1;2;6;9;15;16;17;18;21;22;28c"),
    "xterm-vt340": (None, b"\x1bP>|XTerm(379)\x1b\\", b"\x1b[6;17;7t", b"\x1b[?63;1;2;4;6;9;15;22c"),
    "iterm2": (None, b"\x1bP>|iTerm2 3.5.0\x1b\\", b"\x1b[6;16;8t", b"\x1b[?62;4c"),
    "silent": (None, None, None, None),
}
EXPECTED = {"kitty": "kitty", "wezterm": "kitty", "foot": "sixel", "xterm": "half", "xterm-vt340": "sixel",
            "iterm2": "iterm", "silent": "half"}


def run_on_pty(args, replies, env, cols=40, rows=12, timeout=30):
    """Runs vstack on a pty that answers like a terminal; -> (bytes before the first answer, all output)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(str(VSTACK_BIN), [str(VSTACK_BIN), *map(str, args)], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    out, before, answered, done = b"", None, False, 0
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                data = os.read(fd, 1 << 16)
            except OSError:
                break
            if not data:
                break
            out += data
        if not answered and b"\x1b[c" in out:
            answered = True
            before = out
            kitty, version, cell, da1 = replies
            # A terminal answers in order; one that does not know a query ignores it.
            os.write(fd, b"".join(x for x in (kitty, version, cell, da1) if x))
        if not r:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
    else:
        os.kill(pid, signal.SIGKILL)
        raise AssertionError(f"vstack {args} did not finish on the pty")
    try:
        while True:
            r, _, _ = select.select([fd], [], [], 0.1)
            if not r:
                break
            data = os.read(fd, 1 << 16)
            if not data:
                break
            out += data
    except OSError:
        pass
    if not done:
        os.waitpid(pid, 0)
    os.close(fd)
    return before, out


@pytest.mark.parametrize("terminal", list(TERMINALS))
def test_auto_mode_detects_the_terminal(terminal):
    env = render_env(VSTACK_MODE="auto")
    t0 = time.time()
    before, out = run_on_pty(["render", *DEMO, "--size", "100x12"], TERMINALS[terminal], env)
    took = time.time() - t0
    assert before == QUERIES, f"{terminal}: before the answer vstack wrote {before!r}, not just the queries"
    header = out[len(QUERIES):].split(b"\n", 1)[0].decode(errors="replace")
    mode = EXPECTED[terminal]
    assert f"{mode} 100x11" in header, f"{terminal}: header {header!r}, expected mode {mode}"
    body = out[len(QUERIES):]
    if mode == "kitty":
        assert b"\x1b_Ga=T" in body
    elif mode == "sixel":
        assert re.search(rb"\x1bP[0-9;]*q", body)
    elif mode == "iterm":
        assert b"\x1b]1337;File=" in body
    else:
        assert b"\x1b_G" not in body.replace(QUERIES, b"") and b"\x1b]1337" not in body and b"\x1bP" not in body
        assert "\u2580".encode() in body, "half blocks drawn"
    if terminal != "silent":
        assert took < 10


def test_forced_and_glyph_modes_send_no_queries():
    # --mode half never asks; VSTACK_MODE=kitty forces kitty without waiting for answers it does not need.
    for args, env in [(["--mode", "half"], render_env(VSTACK_MODE="auto")),
                      (["--cell-size", "8x16"], render_env(VSTACK_MODE="kitty"))]:
        before, out = run_on_pty(["render", *DEMO, "--size", "40x12", *args], TERMINALS["silent"], env, timeout=20)
        assert before is None and QUERIES not in out
    assert b"\x1b_Ga=T" in out


# ---------------------------------------------------------------------- tmux passthrough
def tmux_kitty_client(tmp_path, passthrough):
    """A tmux server whose attached client runs on a pty as TERM=xterm-kitty (a terminfo entry made
    from xterm-256color), running `vstack render --mode auto` in its pane; -> (client output, pane text, stderr)."""
    terminfo = tmp_path / "terminfo"
    src = subprocess.run(["infocmp", "-x", "xterm-256color"], capture_output=True, text=True, check=True).stdout
    src = re.sub(r"^xterm-256color\|[^,]*,", "xterm-kitty|kitty via xterm-256color,", src, count=1, flags=re.M)
    subprocess.run(["tic", "-x", "-o", str(terminfo), "-"], input=src, text=True, check=True)
    sock = f"vstack-pixels-{os.getpid()}-{passthrough}"
    env = render_env(TERM="xterm-kitty", TERMINFO=str(terminfo))
    err = tmp_path / "err.txt"
    script = tmp_path / "run.sh"
    # The render starts once the pty client is attached (it answers the terminal queries), not after a fixed wait.
    script.write_text(f"#!/bin/sh\nuntil tmux -L {sock} list-clients | grep -q .; do sleep 0.05; done\n'{VSTACK_BIN}' render demo: --at c=0,t=10,z=100 --size 100x12 --mode auto 2>'{err}'\n"
                      f"echo DONE\nsleep 30\n")
    script.chmod(0o755)
    conf = tmp_path / "tmux.conf"
    conf.write_text(f"set -g allow-passthrough {'on' if passthrough else 'off'}\nset -g status off\n")
    subprocess.run(["tmux", "-L", sock, "-f", str(conf), "new-session", "-d", "-x", "120", "-y", "24", str(script)],
                   check=True, env=env)
    try:
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(shutil.which("tmux"), ["tmux", "-L", sock, "attach"], env)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
        out, end = b"", time.time() + 40
        while time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    out += os.read(fd, 1 << 16)
                except OSError:
                    break
            pane = subprocess.run(["tmux", "-L", sock, "capture-pane", "-p"], capture_output=True, text=True).stdout
            if "DONE" in pane:
                try:  # what the client still sends: read until it has been quiet for 0.3 s
                    while select.select([fd], [], [], 0.3)[0]:
                        out += os.read(fd, 1 << 16)
                except OSError:
                    pass
                break
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
        return out, pane, err.read_text()
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)


def test_tmux_passthrough_on_sends_kitty_images_through(tmp_path):
    out, pane, err = tmux_kitty_client(tmp_path, passthrough=True)
    assert "kitty 100x11" in pane, pane
    images = kitty_images(out)
    assert images, "the outer terminal received no kitty image through tmux's passthrough"
    assert err.strip() == "", err


def test_tmux_passthrough_off_says_how_to_turn_it_on(tmp_path):
    out, pane, err = tmux_kitty_client(tmp_path, passthrough=False)
    assert "half 100x11" in pane, pane
    assert b"\x1b_G" not in out
    assert err.strip() == "vstack: note: tmux: allow-passthrough is off; `tmux set -g allow-passthrough on` shows real pixels", err


# ---------------------------------------------------------------------- the viewer in pixel modes
# The end of one whole picture in each protocol: kitty's last chunk (m=0), sixel's ST, iTerm2's BEL.
PICTURE_END = {"kitty": re.compile(rb"\x1b_G[^;\x1b]*m=0[^\x1b]*(?:;[^\x1b]*)?\x1b\\"),
               "sixel": re.compile(rb"\x1bP[0-9;]*q.*?\x1b\\", re.S),
               "iterm": re.compile(rb"\x1b\]1337;File=[^:]*:[A-Za-z0-9+/=]*\x07")}


class PtyViewer:
    """The viewer on a pty of `cols`×`rows` cells (no terminal answers anything)."""

    def __init__(self, args, env, cols=100, rows=30):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(str(VSTACK_BIN), [str(VSTACK_BIN), *map(str, args)], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.kill(self.pid, signal.SIGWINCH)

    def drain(self, quiet=0.8, limit=60):
        out, end = b"", time.time() + limit
        while time.time() < end:
            r, _, _ = select.select([self.fd], [], [], quiet)
            if not r:
                break
            try:
                out += os.read(self.fd, 1 << 20)
            except OSError:
                break
        return out

    def press(self, key, quiet=0.8):
        os.write(self.fd, key)
        return self.drain(quiet)

    def press_for_picture(self, key, mode, limit=20):
        """Press `key`, read until a whole picture of `mode` has come (a loaded machine may take
        longer than `drain`'s quiet time between the status line and the picture), then the rest."""
        os.write(self.fd, key)
        out, end = b"", time.time() + limit
        while time.time() < end and not PICTURE_END[mode].search(out):
            r, _, _ = select.select([self.fd], [], [], 0.2)
            if r:
                try:
                    out += os.read(self.fd, 1 << 20)
                except OSError:
                    break
        return out + self.drain(0.5)


    def close(self):
        """Press q and return everything written until the viewer has exited (at most 10 s)."""
        os.write(self.fd, b"q")
        out, end = b"", time.time() + 10
        while time.time() < end:
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if r:
                try:
                    out += os.read(self.fd, 1 << 20)
                    continue
                except OSError:
                    pass
            if os.waitpid(self.pid, os.WNOHANG)[0]:
                break
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)
        return out


def decode_pictures(mode, data, tmp_path):
    """Every picture of `mode` in `data` (sixel through sixel2png, each in a folder of its own)."""
    if mode == "kitty":
        return [img for _, img in kitty_images(data)]
    if mode == "iterm":
        return [img for _, img in iterm_images(data)]
    pics = []
    for m in re.finditer(rb"\x1bP[0-9;]*q.*?\x1b\\", data, re.S):
        d = tmp_path / f"sixel{len(list(tmp_path.iterdir()))}"
        d.mkdir()
        pics.append(sixel_decode(m.group(0), d))
    return pics


@pytest.mark.parametrize("mode", ["kitty", "sixel", "iterm"])
def test_viewer_scrubs_with_pixels(mode, tmp_path, capsys):
    """In a pixel mode the viewer sends one picture a z step (none while nothing changes), equal
    to `render --mode` of the same plane and pane, and kitty's image is deleted on exit. The bytes
    of a z step are measured."""
    env = render_env(VSTACK_MODE=mode)
    v = PtyViewer(["demo:", "--at", "c=0,t=10,z=100", "--cell-size", "8x16"], env)
    try:
        first = v.drain(1.5)
        assert decode_pictures(mode, first, tmp_path), "no first picture"
        sizes = []
        for z in (101, 102, 103):
            out = v.press_for_picture(b"]", mode)
            pics = decode_pictures(mode, out, tmp_path)
            assert pics, f"z={z}: no picture sent"
            sizes.append(len(out))
        idle = v.drain(0.5)
        assert not decode_pictures(mode, idle, tmp_path), "a picture was sent while nothing changed"
        ref = render(*DEMO[:1], "--at", "c=0,t=10,z=103", "--size", "100x28", "--no-header", "--cell-size", "8x16", "--mode", mode)
        want = decode_pictures(mode, ref, tmp_path)[0]
        assert np.array_equal(pics[-1], want), "the viewer's picture differs from render's of the same view"
    finally:
        bye = v.close()
    if mode == "kitty":
        assert b"\x1b_Ga=d,d=I,i=1" in bye, "kitty's image is deleted on exit"
    w, h = want.shape[1], want.shape[0]
    with capsys.disabled():
        print(f"\n  {mode}: {w}x{h} picture, bytes per z step {sizes} (raw RGB {w * h * 3})")
    if mode != "sixel":
        assert max(sizes) < w * h * 3, "compressed below raw RGB"


def test_sixel_sends_only_the_rows_that_changed(tmp_path):
    """Two z planes that differ in a band of rows: the z step sends a sixel of just the cell rows
    covering the band, placed at its row; kitty sends its whole picture (compressed)."""
    import zarr
    data = np.zeros((2, 96, 64), np.uint8)
    data[:, :, :] = (np.arange(64, dtype=np.uint8) * 4)[None, None, :]
    data[1, 40:50, :] = 255
    path = tmp_path / "band.zarr"
    z = zarr.create_array(str(path), shape=data.shape, dtype=data.dtype, chunks=(1, 96, 64), zarr_format=2)
    z[:] = data
    args = [path, "--at", "0=0", "--clim", "0,255", "--cell-size", "8x16"]
    v = PtyViewer(args, render_env(VSTACK_MODE="sixel"))
    try:
        first = decode_pictures("sixel", v.drain(1.5), tmp_path)
        step = v.press(b"]")
    finally:
        v.close()
    full = first[-1]
    m = re.search(rb"\x1b\[(\d+);(\d+)H\x1bP", step)
    assert m, "the changed rows are placed with a cursor move"
    part = decode_pictures("sixel", step, tmp_path)[0]
    scale = full.shape[0] / 96
    row0 = int(m.group(1)) - 1  # the picture fills the pane's height: its top is row 1
    assert part.shape[0] < full.shape[0] / 2 and part.shape[1] == full.shape[1], (part.shape, full.shape)
    # The band (rows 40..50, scaled) lies inside the rows sent, which start at a cell boundary.
    assert row0 * 16 <= 40 * scale and (row0 * 16 + part.shape[0]) >= 50 * scale
    assert np.all(part[int(40 * scale) - row0 * 16 + 1] == 255)
    # The rows sent are those rows of the whole new picture (as render draws z=1 in the same pane).
    ref = render(path, "--at", "0=1", "--clim", "0,255", "--cell-size", "8x16", "--size", "100x28", "--no-header",
                 "--mode", "sixel")
    whole = decode_pictures("sixel", ref, tmp_path)[0]
    assert np.array_equal(part, whole[row0 * 16:row0 * 16 + part.shape[0]])


def test_max_kbps_sends_a_smaller_kitty_picture(tmp_path):
    v = PtyViewer(["demo:", "--at", "c=0,t=10,z=100", "--cell-size", "8x16", "--max-kbps", "800"], render_env(VSTACK_MODE="kitty"))
    try:
        out = v.drain(1.5)
    finally:
        v.close()
    keys, img = kitty_images(out)[-1]
    # 800 kbit/s is 10 kB a tenth of a second: the picture is shrunk and the terminal scales it to the cells.
    assert b"c" in keys and b"r" in keys, keys
    assert img.shape[1] < 336 and img.shape[0] < 448
    last = out[out.rindex(b"\x1b_Ga=T"):]
    sent = sum(len(c) for c in kitty_chunks(last))
    assert sent < 2 * 10_000, f"{sent} bytes for a 10 kB budget"
