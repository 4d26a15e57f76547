"""The interactive viewer in a real terminal: tmux runs `vstack demo` (or a fixture
Zarr) in a detached session, keys go in with send-keys, the screen comes back with
capture-pane. Each test uses its own tmux server (-L) so nothing leaks between them."""
import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from conftest import FIXTURES, VSTACK_BIN

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by make test")

STATUS = re.compile(r"\*?z (\d+)/(\d+)")


class Session:
    def __init__(self, args, env=None, width=120, height=40, tmp=None, cwd=None):
        self.socket = f"vstack-{uuid.uuid4().hex[:8]}"
        self.exit_file = Path(tmp) / "exit"
        environment = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "COLORTERM": ""} | (env or {})
        exports = " ".join(f"{k}={shlex_quote(v)}" for k, v in environment.items())
        command = f"env {exports} {VSTACK_BIN} {' '.join(shlex_quote(a) for a in args)}; echo $? > {self.exit_file}; sleep 600"
        self.height = height
        self.tmux("new-session", "-d", "-s", "s", "-x", str(width), "-y", str(height), *(["-c", str(cwd)] if cwd else []),
                  command)

    def ready(self, text="", timeout=20):
        """Waits for the first frame laid out for the whole window (status line second to last)."""
        return self.wait(lambda x: len(x.split("\n")) >= self.height
                         and "cache " in x.split("\n")[self.height - 2] and text in x,
                         timeout, what=f"the status line on row {self.height - 1}")

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30)

    def keys(self, *keys, literal=False):
        self.tmux("send-keys", "-t", "s", *(["-l"] if literal else []), *keys)

    def screen(self, escapes=False):
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "s").stdout

    def lines(self):
        return self.screen().split("\n")

    def status(self):
        """The status line: the one holding 'cache '."""
        return next((l for l in self.lines() if "cache " in l), "")

    def wait(self, predicate, timeout=20, what="condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}; screen:\n{self.screen()}")

    def settled(self, timeout=30):
        """Waits until nothing is loading and the screen stopped changing."""
        last, since = None, time.time()
        deadline = time.time() + timeout
        while time.time() < deadline:
            s = self.screen()
            if s != last:
                last, since = s, time.time()
            elif "loading" not in s and "\u2591" not in s and time.time() - since > 0.4:
                return s
            time.sleep(0.1)
        pytest.fail(f"screen never settled:\n{last}")

    def option(self, name):
        return self.tmux("display-message", "-p", "-t", "s", f"#{{{name}}}").stdout.strip()

    def exit_status(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.exit_file.exists() and self.exit_file.read_text().strip():
                return int(self.exit_file.read_text())
            time.sleep(0.1)
        pytest.fail(f"vstack did not exit; screen:\n{self.screen()}")

    def close(self):
        self.tmux("kill-server")


def shlex_quote(s):
    import shlex
    return shlex.quote(str(s))


@pytest.fixture
def session(tmp_path):
    made = []

    def start(*args, **kw):
        s = Session(list(args), tmp=tmp_path, **kw)
        made.append(s)
        return s
    yield start
    for s in made:
        s.close()


def image_rows(screen):
    return screen.split("\n")[:-3]


def test_demo_status_scrub_and_redraw(session):
    s = session("demo")
    first = s.wait(lambda x: "z 100/201" in x, what="the status line")
    assert re.search(r"c 1/3 membranes +t 99/199 +\*z 100/201", s.status()), s.status()
    before = image_rows(s.settled())
    s.keys("]", "]", "]", "]", "]")
    s.wait(lambda x: "z 105/201" in x, what="z+5")
    s.keys("}")
    s.wait(lambda x: "t 100/199" in x, what="t+1")
    after = image_rows(s.settled())
    assert before != after, "the image pane did not change with z"
    assert any("\u2580" in l for l in after), "half blocks expected in a UTF-8 terminal"
    s.keys("q")
    assert s.exit_status() == 0


def test_help_overlay_lists_keys_and_any_key_closes_it(session):
    s = session("demo")
    s.ready("z 100/201")
    s.keys("?")
    # tmux may show a frame half written: wait for the whole first page, not just its title.
    # (Every key on some page: test_help_overlay_pages_through_every_key_on_80x24.)
    s.wait(lambda x: "vstack keys" in x and "pan up" in x and "zoom in" in x and "next colour map" in x,
           what="the help overlay with its keys")
    s.keys("x")
    s.wait(lambda x: "vstack keys" not in x, what="the overlay to close")
    assert "probe" not in s.lines()[-2], "the closing key is consumed, not acted on"
    s.keys("q")
    assert s.exit_status() == 0


def test_help_overlay_pages_through_every_key_on_80x24(session):
    """On 80x24 the keys do not fit one overlay: it pages with space, and every key of
    `vstack keys` appears on some page; space after the last page closes it."""
    listed = subprocess.run([str(VSTACK_BIN), "keys"], capture_output=True, text=True, timeout=30).stdout
    actions = [l.split("  ")[-1].strip() for l in listed.splitlines() if "  " in l.strip()]
    s = session("demo", width=80, height=24)
    s.ready("z 100/201")
    s.keys("?")
    first = s.wait(lambda x: re.search(r"vstack keys 1/(\d+)", x), what="page 1 of the overlay")
    pages = int(re.search(r"vstack keys 1/(\d+)", first).group(1))
    assert pages >= 2, first
    seen = ""
    for p in range(1, pages + 1):
        s.wait(lambda x, p=p: f"vstack keys {p}/{pages}" in x, what=f"page {p}")
        seen += s.settled()  # the whole page drawn, not the first rows of it
        s.keys("Space")
    s.wait(lambda x: "vstack keys" not in x, what="the overlay to close after the last page")
    missing = [a for a in actions if a[:30] not in seen.replace("\n", " ")]
    assert len(actions) > 20 and not missing, missing[:5]
    s.keys("q")
    assert s.exit_status() == 0


def _overview(screen, width):
    """The overview box in the pane's top-right corner: rows of plane cells (·) and view cells (█)."""
    rows = []
    for line in screen.split("\n")[:8]:
        tail = line[:width].rstrip("\n")[-20:]
        m = re.search(r"[\u00b7\u2588]{4,}$", tail)
        if not m:
            break
        rows.append(m.group(0))
    return rows


def test_overview_box_shows_where_the_zoomed_view_is(session):
    """Zoomed in, a small map of the plane in the corner marks the part shown; panning right
    moves the mark right; back at fit the map goes."""
    s = session("demo", width=120, height=40)
    s.ready("z 100/201")
    assert not _overview(s.screen(), 120), "no overview at fit"
    s.keys("+", "+", "+")
    s.wait(lambda x: "zoom " in s.status() and len(_overview(x, 120)) >= 2, what="the overview box")
    box = _overview(s.settled(), 120)
    assert len({len(r) for r in box}) == 1, box
    cols = lambda b: {i for r in b for i, ch in enumerate(r) if ch == "\u2588"}
    before = cols(box)
    assert before and len(before) < len(box[0]), box
    for _ in range(12):
        s.keys("l")
    s.wait(lambda x: len(_overview(x, 120)) >= 2 and min(cols(_overview(x, 120))) > min(before), what="the mark to move right")
    s.keys("0")
    s.wait(lambda x: " fit " in s.status() and not _overview(x, 120), what="the overview to go at fit")
    s.keys("q")
    assert s.exit_status() == 0


def test_colour_map_zoom_and_contrast_keys(session):
    s = session("demo")
    s.wait(lambda x: "gray auto" in x)
    s.keys("m")
    status = s.wait(lambda x: "gray auto" not in s.status(), what="a new colour map").split("\n")
    assert "viridis" in s.status() or "magma" in s.status() or re.search(r"\b[a-z]+ auto", s.status())
    assert " fit " in s.status()
    s.keys("+")
    s.wait(lambda x: "zoom " in s.status(), what="zoom")
    s.keys(",")
    s.wait(lambda x: "auto" not in s.status(), what="fixed limits after ','")
    s.keys("a")
    s.wait(lambda x: "auto" in s.status(), what="auto contrast again")
    s.keys("q")
    assert s.exit_status() == 0


def test_resize_relayouts(session):
    s = session("demo")
    s.wait(lambda x: "z 100/201" in x)
    s.tmux("resize-window", "-t", "s", "-x", "90", "-y", "30")
    s.wait(lambda x: len(x.split("\n")) >= 30 and "cache " in x.split("\n")[28], what="status at row 29")
    s.tmux("resize-window", "-t", "s", "-x", "15", "-y", "5")
    s.wait(lambda x: "enlarge" in x, what="the too-small message")
    s.tmux("resize-window", "-t", "s", "-x", "120", "-y", "40")
    s.wait(lambda x: "cache " in x.split("\n")[38], what="status back at row 39")
    s.keys("q")
    assert s.exit_status() == 0


def test_quit_restores_the_terminal(session):
    s = session("demo")
    s.wait(lambda x: "z 100/201" in x)
    assert s.option("alternate_on") == "1", "the viewer runs on the alternate screen"
    s.keys("q")
    assert s.exit_status() == 0
    assert s.option("alternate_on") == "0"
    assert s.option("cursor_flag") == "1", "the cursor is visible again"


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupts_restore_the_terminal(session, how):
    s = session("demo")
    s.wait(lambda x: "z 100/201" in x)
    if how == "ctrl-c":
        s.keys("C-c")
    else:
        pid = s.tmux("list-panes", "-t", "s", "-F", "#{pane_pid}").stdout.strip()
        child = subprocess.run(["pgrep", "-P", pid, "-f", "vstack"], capture_output=True, text=True).stdout.split()
        os.kill(int(child[0]), signal.SIGTERM)
    s.exit_status()
    assert s.option("alternate_on") == "0"


def test_lang_c_gives_ascii(session):
    # Wide enough that the status line keeps "zoom" beside a long "N loading" (it gives way first).
    s = session("demo", env={"LANG": "C", "LC_ALL": "C"}, width=160)
    screen = s.wait(lambda x: "z 100/201" in x)
    screen = s.settled()
    assert all(ord(ch) < 128 for ch in screen), [ch for ch in screen if ord(ch) >= 128][:5]
    assert "ascii" in s.status()
    # Nothing else is drawn outside ASCII either: the key overlay (arrows), playing (the
    # play marker), zoomed in (the overview box).
    s.keys("?")
    screen = s.wait(lambda x: "vstack keys" in x and "pan up" in x, what="the overlay")
    assert all(ord(ch) < 128 for ch in screen), [ch for ch in screen if ord(ch) >= 128][:5]
    s.keys("x", "+", "+", "Space")
    screen = s.wait(lambda x: "zoom " in s.status() and "/s" in s.status(), what="zoomed in and playing")
    assert "> " in s.status(), s.status()
    assert all(ord(ch) < 128 for ch in screen), [ch for ch in screen if ord(ch) >= 128][:5]
    s.keys("q")
    assert s.exit_status() == 0


def test_fixture_zarr_and_corrupt_chunk(session):
    case = next(c for c in json.load(open(FIXTURES / "zarr" / "manifest.json"))["cases"]
                if c["name"] == "v2-uint16-blosc-lz4-shuffle")
    s = session(str(FIXTURES / case["path"]))
    s.wait(lambda x: f"z {case['shape'][0] // 2}/{case['shape'][0]}" in x, what="the fixture's status")
    s.keys("q")
    assert s.exit_status() == 0

    bad = FIXTURES / "zarr" / "errors" / "truncated-blosc-v2.zarr"
    chunks = json.load(open(bad / ".zarray"))["chunks"]
    s = session(str(bad), "--at", f"z={chunks[0]}")
    screen = s.wait(lambda x: "error:" in x, what="the chunk error")
    message = s.lines()[-2]
    assert "1.1.1" in message and "error:" in message, message
    assert "\u2573" in screen, "the corrupt chunk is drawn as an error tile"
    s.keys("[")   # still alive and responsive
    s.wait(lambda x: f"z {chunks[0] - 1}/" in x, what="z-1 after the error")
    s.keys("q")
    assert s.exit_status() == 0


def test_tiff_series_pattern_and_corrupt_page(session):
    """The seed-like light-sheet directory opens as c,t,z,y,x; a missing file is a warning; a corrupt page an error tile."""
    tiff = json.load(open(FIXTURES / "tiff" / "manifest.json"))
    case = next(c for c in tiff["cases"] if c["name"] == "lightsheet_pattern")
    s = session(str(FIXTURES / case["path"]))
    s.wait(lambda x: re.search(r"c 1/2 +t 1/3 +\*z 2/5", x), what="the series' c, t and z in the status")
    before = image_rows(s.settled())
    s.keys("]")
    s.wait(lambda x: "z 3/5" in x, what="z+1")
    assert image_rows(s.settled()) != before, "the image did not change with z"
    s.keys("q")
    assert s.exit_status() == 0

    missing = next(c for c in tiff["cases"] if c["name"] == "planes_missing")
    s = session(str(FIXTURES / missing["path"]))
    s.wait(lambda x: "warning: 1 of 8 files missing" in x, what="the missing-file warning")
    s.keys("q")
    assert s.exit_status() == 0

    corrupt = next(e for e in tiff["errors"] if e["name"] == "corrupt_strip")
    s = session(str(FIXTURES / corrupt["path"]), "--at", "z=3")
    screen = s.wait(lambda x: "error:" in x, what="the page error")
    assert "cannot decode strip" in s.lines()[-2], s.lines()[-2]
    assert "\u2573" in screen, "the corrupt page is drawn as an error tile"
    s.keys("[")
    s.wait(lambda x: "z 2/6" in x, what="z-1 after the error")
    s.keys("q")
    assert s.exit_status() == 0


def image_colours(screen_with_escapes, rows):
    """The distinct SGR colour codes in the image rows of an escaped capture."""
    body = "\n".join(screen_with_escapes.split("\n")[:rows])
    return set(re.findall(r"\x1b\[([0-9;]*)m", body))


def test_filter_pipeline_live(session):
    """--filter shows the mask; 1–9 toggle stages (off and on again is cached), ( ) step σ, F edits, errors keep the pipeline.
    The view is the cell layer face on, where the smoothed membranes have many grey levels."""
    s = session("demo", "--filter", "gaussian(2)|threshold(otsu)", "--at", "c=1,t=10,z=48", "--region", "320:704,200:568")
    s.wait(lambda x: "filters gaussian(2)|threshold(otsu) otsu " in x, what="the filtered frame")
    mask = s.settled()
    colours = image_colours(s.screen(escapes=True), s.height - 3)
    s.keys("2")
    s.wait(lambda x: "stage 2 threshold(otsu) off" in x and "filters gaussian(2)  " in x, what="stage 2 off")
    smooth = s.settled()
    assert image_rows(smooth) != image_rows(mask)
    smooth_colours = image_colours(s.screen(escapes=True), s.height - 3)
    assert len(smooth_colours) > len(colours), f"a mask has fewer colours than the smoothed data: {len(colours)}, {len(smooth_colours)}"
    s.keys("2")
    s.wait(lambda x: "stage 2 threshold(otsu) on" in x, what="stage 2 on")
    # The mask is in the processed-plane cache: no recomputation.
    assert "computing" not in s.status()
    assert image_rows(s.settled()) == image_rows(mask)
    s.keys("2", ")")
    s.wait(lambda x: "gaussian sigma=2.5" in x and "filters gaussian(2.5)  " in x, what="sigma stepped up")
    s.keys("(", "(")
    s.wait(lambda x: "gaussian sigma=1.6" in x, what="sigma stepped down")
    s.keys("F")
    s.wait(lambda x: "filter: gaussian(1.6)|threshold(otsu)_" in x, what="the prompt with the pipeline")
    s.keys("C-u")
    s.keys(*["BSpace"] * 40)
    s.keys("medain(3)", literal=True)
    s.keys("Enter")
    s.wait(lambda x: "unknown operator 'medain' at column 1 (did you mean median?)" in x, what="the pipeline error")
    assert "filters gaussian(1.6)" in s.status()
    s.keys("]")   # still responsive; the filtered view follows z
    s.wait(lambda x: "z 49/201" in x and "filters gaussian(1.6)" in x, what="z+1 filtered")
    s.keys("1")
    s.wait(lambda x: "stage 1 gaussian(1.6) off" in x and "filters off" in x, what="all stages off")
    s.keys("q")
    assert s.exit_status() == 0


def test_filter_at_working_resolution_and_3d_without_z(session):
    """A 3-D stage on a 2-D array is a message, not a crash; a large region is filtered downsampled (@1/f)."""
    s = session(str(FIXTURES / "filter" / "plane.zarr"), "--filter", "mip(3)")
    s.wait(lambda x: "a 3-D stage needs a third axis" in x, what="the 3-D error")
    s.keys("q")
    assert s.exit_status() == 0
    s = session("demo", "--filter", "median(3)", "--max-work-pixels", "100000")
    s.wait(lambda x: "filters median(3) @1/3" in x and "computing" not in x, what="the downsampled filter")
    s.keys("q")
    assert s.exit_status() == 0


def test_pyramid_zoom_is_filled_from_the_coarse_level(session):
    """Zooming in on a slow pyramid (every chunk takes 400 ms) shows the coarser
    resident level, upsampled, where the finer chunks are still loading: never ░."""
    s = session("demo:?levels=4&latency=400ms", "--at", "c=1", width=200, height=50)
    s.ready()
    s.settled(timeout=60)
    assert "fit  L3 1/8" in s.status() or "fit  L2 1/4" in s.status(), s.status()
    for label in ["L2 1/4", "L1 1/2", "L0 1:1"]:
        s.keys("+")
        screen = s.wait(lambda x: label in x, timeout=5, what=label)
        status = next(l for l in screen.split("\n") if "cache " in l)
        assert "loading" in status, f"the finer chunks should still be loading: {status}"
        assert not any("\u2591" in row for row in image_rows(screen)), f"placeholder shown at {label}:\n{screen}"
        s.settled(timeout=60)


def test_ome_zarr_channels_in_the_status_line(session):
    path = FIXTURES / "ome" / "omezarrpy-0.4.ome.zarr"
    s = session(str(path), "--at", "c=0")
    s.ready()
    assert re.search(r"c 0/2 DAPI .*L\d .*window 100\.\.9000", s.status()), s.status()
    s.keys("c")
    s.wait(lambda x: "c 1/2 GFP" in x and "window 50..12000" in x, what="the second channel and its window")
    s.keys("a")
    s.wait(lambda x: re.search(r"gray auto [-+.e0-9]+\.\.[-+.e0-9]+", x) is not None, what="auto contrast after a")


def vstack_pid(marker):
    """The vstack process whose command line holds `marker` (not tmux's)."""
    out = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    for pid in out:
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].endswith(b"vstack"):
                return int(pid)
        except FileNotFoundError:
            continue
    return None


def test_huge_plane_is_reduced_with_progress_within_the_budget(session):
    """A 16384² plane without a pyramid: the viewer shows progress ('reading k/n chunks')
    from the first frame, draws the screen pixels as the chunks are folded, and stays
    within --cache + 150 MB."""
    plane = FIXTURES / "bigplane" / "plane16k.zarr"
    s = session(str(plane), "--cache", "256MiB", width=160, height=50)
    first = s.ready()
    assert re.search(r"reading \d+/1024 chunks", first), first.split("\n")[-3]
    done = s.wait(lambda x: "reading" not in x and "\u2591" not in x, timeout=120, what="the whole plane folded")
    status = next(l for l in done.split("\n") if "cache " in l)
    import numpy as np
    import zarr
    lo, hi = np.percentile(zarr.open_array(plane, mode="r")[:], [0.5, 99.5])
    assert f"auto {round(lo)}..{round(hi)}" in status, status  # every pixel's percentiles, as NumPy's
    pid = vstack_pid(str(plane))
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1)) * 1024
    assert peak <= (256 << 20) + 150 * 10**6, f"peak RSS {peak >> 20} MiB"
    s.keys("q")
    assert s.exit_status() == 0


def test_huge_plane_with_a_filter_stays_within_the_budget(session):
    """With a filter on, the raw frame drawn meanwhile and the filter's working plane are both
    folded chunk by chunk: the 16384² plane never makes the viewer hold it whole."""
    plane = FIXTURES / "bigplane" / "plane16k.zarr"
    s = session(str(plane), "--cache", "256MiB", "--filter", "gaussian(2)", width=160, height=50)
    s.ready()
    s.wait(lambda x: "filters gaussian(2) @1/" in x and "computing" not in x, timeout=180, what="the filtered frame")
    pid = vstack_pid(str(plane))
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1)) * 1024
    assert peak <= (256 << 20) + 150 * 10**6, f"peak RSS {peak >> 20} MiB"
    s.keys("q")
    assert s.exit_status() == 0


def test_guessed_axes_are_said_and_npy_opens(session, tmp_path):
    """An unnamed dask-written (3, 9, 10, Y, X) Zarr: the first message says the names were guessed,
    the status line has c and t, the i panel marks them; a .npy file opens in the viewer too."""
    import dask.array as da
    import numpy as np
    path = tmp_path / "dask5d.zarr"
    data = np.random.default_rng(1).integers(0, 4000, size=(3, 9, 10, 64, 48), dtype=np.uint16)
    da.from_array(data, chunks=(1, 1, 1, 64, 48)).to_zarr(str(path))
    s = session(str(path))
    s.ready()
    screen = s.screen()
    assert "axes ctzyx guessed from the shape" in screen, screen
    assert re.search(r"c 1/3 +t 4/9 +\*z 5/10", s.status()), s.status()
    s.keys("i")
    s.wait(lambda x: "axes   ctzyx (guessed)" in x, what="the i panel's axes")
    s.keys("q")
    assert s.exit_status() == 0

    npy = tmp_path / "stack.npy"
    np.save(npy, data[0, 0])
    s = session(str(npy))
    s.ready()
    assert re.search(r"\*z 5/10", s.status()), s.status()
    s.keys("q")
    assert s.exit_status() == 0


# ------------------------------------------------------------------ labels (tests/fixtures/make_label_fixtures.py)
LABELS = FIXTURES / "labels"


def image_pane(screen_with_escapes, height):
    """The image rows of a capture with escapes, as (character, foreground, background) per
    cell: what the cell looks like (a blank's foreground does not show, so it is dropped)."""
    rows = []
    for line in screen_with_escapes.split("\n")[:height - 2]:
        fg = bg = None
        cells = []
        for part in re.split(r"(\x1b\[[0-9;]*m)", line):
            if part.startswith("\x1b["):
                codes = [int(c) if c else 0 for c in part[2:-1].split(";")]
                i = 0
                while i < len(codes):
                    c = codes[i]
                    if c in (38, 48):
                        n = 3 if codes[i + 1] == 5 else 5
                        value = tuple(codes[i + 1:i + n])
                        fg, bg = (value, bg) if c == 38 else (fg, value)
                        i += n
                        continue
                    if c == 0:
                        fg = bg = None
                    elif c == 39:
                        fg = None
                    elif c == 49:
                        bg = None
                    i += 1
            else:
                cells += [(ch, None if ch == " " else fg, bg) for ch in part]
        rows.append(cells)
    return rows


def test_labels_key_cycles_the_ome_label_images_and_off(session):
    s = session(str(LABELS / "ome-0.4.ome.zarr"), width=120, height=40)
    s.ready()
    plain = image_pane(s.settled() and s.screen(escapes=True), 40)
    assert "labels" not in s.status()
    s.keys("L")
    s.wait(lambda x: "labels cells" in x, what="the first label image")
    cells = image_pane(s.settled() and s.screen(escapes=True), 40)
    assert cells != plain, "the labels change the picture"
    s.keys("L")
    s.wait(lambda x: "labels nuclei" in x, what="the second label image")
    s.keys("L")
    s.wait(lambda x: "labels off" in x, what="labels off")
    assert image_pane(s.settled() and s.screen(escapes=True), 40) == plain, "off draws the image as before"
    s.keys("q")
    assert s.exit_status() == 0


def test_label_opacity_and_outline_keys_change_the_picture(session):
    labels = LABELS / "labels-uint32.zarr"
    s = session(str(LABELS / "image.zarr"), "--labels", str(labels), width=120, height=40)
    s.ready()
    assert "labels labels-uint32.zarr" in s.status(), s.status()
    filled = image_pane(s.settled() and s.screen(escapes=True), 40)
    s.keys("V")
    s.wait(lambda x: "label opacity 0.7" in x, what="opacity up")
    stronger = image_pane(s.settled() and s.screen(escapes=True), 40)
    assert stronger != filled
    s.keys("v")
    s.wait(lambda x: "label opacity 0.6" in x, what="opacity down")
    assert image_pane(s.settled() and s.screen(escapes=True), 40) == filled
    s.keys("b")
    s.wait(lambda x: "labels labels-uint32.zarr outline" in x, what="outline mode")
    outline = image_pane(s.settled() and s.screen(escapes=True), 40)
    s.keys("L")
    s.wait(lambda x: "labels off" in x, what="labels off")
    plain = image_pane(s.settled() and s.screen(escapes=True), 40)
    # Outlines leave object interiors as the image: fewer rows differ... count differing cells by SGR runs.
    def changed(a, b):
        return sum(x != y for ra, rb in zip(a, b) for x, y in zip(ra, rb))
    assert outline != plain and filled != plain
    assert changed(outline, plain) <= changed(filled, plain)
    s.keys("q")
    assert s.exit_status() == 0


def test_probe_shows_the_label_id_under_the_visible_cursor(session):
    import numpy as np
    import zarr
    labels = LABELS / "labels-uint32.zarr"
    ids = zarr.open_array(labels, mode="r")[:]
    s = session(str(LABELS / "image.zarr"), "--labels", str(labels), width=250, height=110)
    s.ready()  # 200x240 fits at better than 1:1: each screen pixel shows one data pixel
    s.keys("x")
    probe = s.wait(lambda x: "probe y=" in x, what="the probe").split("\n")[-2]
    m = re.search(r"probe y=(\d+) x=(\d+).*: (\d+)  labels-uint32\.zarr (id (\d+)|background)", probe)
    assert m, probe
    y, x = int(m.group(1)), int(m.group(2))
    want = int(ids[y, x])
    assert (m.group(5) and int(m.group(5)) == want) or (m.group(4) == "background" and want == 0), (probe, want)
    assert "+" in "".join(image_rows(s.screen())), "the probe cursor is drawn"
    # Move the probe onto an object and read its id again.
    for _ in range(12):
        s.keys("l")
    probe = s.wait(lambda screen: re.search(r"x=(\d+)", screen.split("\n")[-2]) is not None
                   and int(re.search(r"x=(\d+)", screen.split("\n")[-2]).group(1)) >= x + 10, what="the probe moved")
    probe = s.settled().split("\n")[-2]
    m = re.search(r"probe y=(\d+) x=(\d+).*labels-uint32\.zarr (id (\d+)|background)", probe)
    assert m, probe
    want = int(ids[int(m.group(1)), int(m.group(2))])
    assert (m.group(4) and int(m.group(4)) == want) or (m.group(3) == "background" and want == 0), (probe, want)
    s.keys("q")
    assert s.exit_status() == 0


def test_bad_labels_are_a_one_line_error_before_the_viewer_starts(session):
    s = session(str(LABELS / "image.zarr"), "--labels", str(LABELS / "mismatch.zarr"), width=100, height=30)
    assert s.exit_status() == 1


LIMITS = re.compile(r"gray (?:auto )?(-?[0-9.]+)\.\.(-?[0-9.]+) ")


def test_mask_ignores_manual_contrast_and_the_limits_come_back(session):
    """A mask stays 0 → black, 1 → white after , . ' (limits in data units are for the data);
    with the mask stage off the fixed limits apply, written without scientific notation."""
    # Wide enough for the whole status line (on 120 columns the colour part gives way to the cache).
    s = session("demo", "--filter", "gaussian(2)|threshold(otsu)", width=160)
    s.wait(lambda x: "filters gaussian(2)|threshold(otsu) otsu " in x and "mask 0..1" in s.status(), what="the mask")
    s.settled()
    mask = s.screen(escapes=True).split("\n")[:s.height - 2]
    s.keys(",", ",", ".", "'", "'", "'")   # (a lone ; would end tmux's command)
    s.wait(lambda x: "mask 0..1" in s.status() and "kept for the data: a mask shows 0 black, 1 white" in x,
           what="the mask after contrast keys")
    s.settled()
    assert s.screen(escapes=True).split("\n")[:s.height - 2] == mask, "the mask changed with the data's limits"
    s.keys("2")
    s.wait(lambda x: "stage 2 threshold(otsu) off" in x and "mask" not in s.status(), what="stage 2 off")
    m = LIMITS.search(s.status())
    assert m and "auto" not in s.status(), s.status()   # the fixed limits, kept for the data
    assert "e+" not in m.group(0) and float(m.group(1)) < float(m.group(2)), m.group(0)
    s.keys("q")
    assert s.exit_status() == 0


def test_contrast_numbers_are_plain_and_hidden_planes_say_so(session):
    s = session("demo", "--clim", "70000,80000")
    s.ready("all values below 70000: a to auto-contrast")
    assert "gray 70000..80000 " in s.status()
    s.keys("a")
    s.wait(lambda x: "auto" in s.status() and "all values" not in x, what="auto contrast")
    m = LIMITS.search(s.status())
    assert m and "e+" not in s.status(), s.status()
    s.keys(",", ",")
    s.wait(lambda x: "auto" not in s.status(), what="fixed limits")
    assert re.search(r"gray \d+\.\.\d+ ", s.status()), s.status()   # 101..2320, not 101..2.32e+03
    s.keys("q")
    assert s.exit_status() == 0
    t = session("demo", "--clim=-10,-5")
    t.ready("all values above -5: a to auto-contrast")


def test_one_based_positions(session):
    """--one-based: z 101/201 for the middle slice, Home is z 1/201, g takes 1-based numbers, the probe too."""
    zero = session("demo")
    zero.ready("z 100/201")
    zero.keys("x")
    zero_probe = re.search(r"probe y=(\d+) x=(\d+)", zero.wait(lambda x: "probe y=" in x, what="the probe"))
    s = session("demo", "--one-based")
    s.ready("*z 101/201")
    assert re.search(r"c 2/3 membranes +t 100/199 +\*z 101/201", s.status()), s.status()
    s.keys("x")
    probe = re.search(r"probe y=(\d+) x=(\d+)", s.wait(lambda x: "probe y=" in x, what="the probe"))
    assert (int(probe.group(1)), int(probe.group(2))) == (int(zero_probe.group(1)) + 1, int(zero_probe.group(2)) + 1)
    s.keys("x", "Home")
    s.wait(lambda x: "*z 1/201" in s.status(), what="the first slice")
    s.keys("g")
    s.wait(lambda x: "go to (e.g. z=120): z=" in x, what="the go-to prompt")
    s.keys("201", literal=True)
    s.keys("Enter")
    s.wait(lambda x: "*z 201/201" in s.status(), what="the last slice, 1-based")
    s.keys("g")
    s.keys("z=0", literal=True)
    s.keys("Enter")
    s.wait(lambda x: "go to: z=0 is outside 1..201" in x, what="0 outside 1-based")
    s.keys("q")
    assert s.exit_status() == 0


def histogram_bars(screen):
    """The side panel's histogram bars: the 8 panel rows under its title."""
    rows = [l.split("\u2502", 1)[-1] for l in screen.split("\n")]
    top = next(i for i, r in enumerate(rows) if r.startswith("histogram"))
    return rows[top + 1:top + 9]


def test_histogram_log_counts_key(session):
    s = session("demo")
    s.ready()
    s.settled()
    s.keys("i")
    linear = histogram_bars(s.wait(lambda x: "histogram (| = contrast limits)" in x, what="the linear histogram"))
    s.keys("G")
    log = histogram_bars(s.wait(lambda x: "histogram, log counts (| = limits)" in x, what="the log histogram"))
    # Log counts lift the sparse bins: more of the panel is bars.
    assert sum(r.count("#") for r in log) > sum(r.count("#") for r in linear), (linear, log)
    s.keys("G")
    s.wait(lambda x: "histogram (| = contrast limits)" in x and "histogram: linear counts" in x, what="linear again")
    s.keys("q")
    assert s.exit_status() == 0


def test_prompt_editing(session):
    """g pre-fills z= selected (typing replaces it), not a number says so, Ctrl-U, Ctrl-W, Home/End,
    Esc cancels, and Ctrl-C in a prompt quits."""
    s = session("demo")
    s.ready("z 100/201")
    s.keys("g")
    s.wait(lambda x: "go to (e.g. z=120): z=" in x, what="the pre-filled prompt")
    s.keys("t=11", literal=True)
    s.keys("Enter")
    s.wait(lambda x: "t 11/199" in s.status(), what="t=11 replacing z=")
    s.keys("g")
    s.keys("z=abc", literal=True)
    s.keys("Enter")
    s.wait(lambda x: "go to: z=abc is not a number" in x, what="not a number")
    s.keys("g", "End")
    s.keys("5", literal=True)
    s.keys("C-w")
    s.wait(lambda x: "go to (e.g. z=120): _" in x, what="Ctrl-W deleted the word")
    s.keys("3", literal=True)
    s.keys("Home")
    s.keys("z=1", literal=True)
    s.keys("End")
    s.keys("0", literal=True)
    s.wait(lambda x: "go to (e.g. z=120): z=130_" in x, what="Home and End move the cursor")
    s.keys("Enter")
    s.wait(lambda x: "*z 130/201" in s.status(), what="z=130")
    s.keys("f")
    s.keys("C-u")
    s.wait(lambda x: "frames per second: _" in x, what="Ctrl-U cleared the prompt")
    s.keys("Escape")
    s.wait(lambda x: "frames per second" not in x, what="Esc cancelled")
    s.keys("g")
    s.wait(lambda x: "go to (e.g. z=120)" in x, what="the prompt again")
    s.keys("C-c")
    assert s.exit_status() == 0
    assert s.option("alternate_on") == "0"


def test_rgb_tiff_opens_as_colour_and_C_splits_it(session):
    s = session(str(FIXTURES / "tiff" / "rgb_contig_lzw.tif"), width=100, height=30)
    s.ready()
    assert re.search(r"c all .*composite", s.status()), s.status()
    s.keys("C")
    s.wait(lambda x: re.search(r"c \d/3 (red|green|blue)", x) is not None, what="one sample after C")
    s.keys("q")
    assert s.exit_status() == 0


def test_s_saves_the_view_as_render_draws_it(session, tmp_path):
    """`s` writes the shown view (position, zoomed region, colour map) as a PNG at data resolution,
    named after the dataset and position, equal to `vstack render … -o FILE.png` of the same view."""
    from PIL import Image
    import numpy as np
    s = session("demo:", "--at", "c=0,t=10,z=100", cwd=tmp_path)
    s.ready()
    s.keys("]")
    s.keys("m")
    s.keys("+")
    s.settled()
    s.keys("s")
    screen = s.wait(lambda x: "saved " in x, 60, "the saved message")
    name = re.search(r"saved (\S+\.png)", screen).group(1)
    m = re.fullmatch(r"demo_c(\d+)_t(\d+)_z(\d+)_y(\d+)-(\d+)_x(\d+)-(\d+)\.png", name)
    assert m, name
    c, t, z, y0, y1, x0, x1 = map(int, m.groups())
    assert (c, t, z) == (0, 10, 101) and (y1 - y0) < 1024, name
    cmap = next(w for w in s.status().split() if w in ("viridis", "magma", "inferno", "plasma", "turbo", "gray", "cividis"))
    saved = np.asarray(Image.open(tmp_path / name).convert("RGB"))
    assert saved.shape[:2] == (y1 - y0, x1 - x0), "data resolution: one pixel per data pixel"
    ref = tmp_path / "ref.png"
    proc = subprocess.run([str(VSTACK_BIN), "render", "demo:", "--at", f"c={c},t={t},z={z}", "--region", f"{y0}:{y1},{x0}:{x1}",
                           "--cmap", cmap, "-o", str(ref)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert np.array_equal(saved, np.asarray(Image.open(ref).convert("RGB")))
    # A second save does not overwrite the first.
    s.keys("s")
    s.wait(lambda x: "saved " + name[:-4] + "-2.png" in x, 60, "the second file")


def test_image_is_centred_in_the_pane(session):
    """The demo plane (portrait) on a wide pane: as many blank columns left of the picture as right."""
    s = session("demo:", "--at", "c=0,t=10,z=100", "--mode", "half")
    s.ready()
    s.settled()
    row = s.screen(escapes=True).split("\n")[10]
    visible, first, last = 0, None, None
    for part in re.split(r"(\x1b\[[0-9;]*m)", row):
        if part.startswith("\x1b["):
            # The picture starts at the first colour and ends where the colours are reset.
            if first is None and ("38;" in part or "48;" in part):
                first = visible
            last = visible
        else:
            visible += len(part)
    assert first is not None and last is not None and last > first, repr(row)
    assert first > 20 and abs(first - (120 - last)) <= 1, f"picture in columns {first}..{last} of 120"


def test_orthogonal_views_keep_the_position(session):
    """`g z=48` then `o o o` (yx → zx → zy → yx) comes back at z 48, and each view says which it is."""
    s = session("demo")
    s.ready("z 100/201")
    s.keys("g")
    s.wait(lambda x: "go to (e.g. z=120): z=" in x, what="the pre-filled prompt")
    s.keys("z=48", literal=True)
    s.keys("Enter")
    s.wait(lambda x: "*z 48/201" in s.status(), what="z=48")
    for view in ("zx", "zy", "yx"):
        s.keys("o")
        s.wait(lambda x: f"showing {view}" in x, what=f"the {view} view")
    s.wait(lambda x: "*z 48/201" in s.status(), what="z 48 in the yx view again")
    assert not re.search(r"\b[yx] \d+/", s.status()), f"y and x are displayed again: {s.status()}"
    s.keys("q")
    assert s.exit_status() == 0
