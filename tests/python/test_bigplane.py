"""A plane too big to assemble (16384² uint16, 512 MiB, no pyramid) drawn within the cache budget.

vstack reduces it chunk by chunk into screen pixels; the screen values (render -o FILE.npy) must
equal a NumPy block mean of the whole plane exactly, with peak RSS within --cache + 150 MB.
"""
import json

import numpy as np
import pytest
import zarr

from conftest import FIXTURES, describe, run_vstack
from test_tui import Session, session  # noqa: F401  (the viewer in tmux)

PLANE = FIXTURES / "bigplane" / "plane16k.zarr"


def block_reduce(a, h, w, how):
    """Screen pixel (j, i) covers rows ⌊j·H/h⌋..⌊(j+1)·H/h⌋ and the same for columns."""
    H, W = a.shape
    ys = (np.arange(h + 1) * H) // h
    xs = (np.arange(w + 1) * W) // w
    if how == "mean":
        s = np.add.reduceat(np.add.reduceat(a.astype(np.float64), ys[:-1], axis=0), xs[:-1], axis=1)
        return (s / (np.diff(ys)[:, None] * np.diff(xs)[None, :])).astype(np.float32)
    if how == "max":
        return np.maximum.reduceat(np.maximum.reduceat(a, ys[:-1], axis=0), xs[:-1], axis=1).astype(np.float32)
    return a[np.ix_(ys[:-1], xs[:-1])].astype(np.float32)


@pytest.fixture(scope="module")
def plane():
    if not PLANE.exists():
        pytest.fail(f"{PLANE} missing (run make fixtures)")
    return zarr.open_array(PLANE, mode="r")[:]


@pytest.mark.parametrize("how,size", [("mean", "160x48"), ("max", "97x31")])
def test_fit_view_is_reduced_within_the_budget(plane, how, size, tmp_path):
    out = tmp_path / "screen.npy"
    proc = run_vstack("render", PLANE, "--size", size, "--cache", "256MiB", "--downsample", how, "--stats", "-o", out,
                      timeout=300)
    assert proc.returncode == 0, describe(proc)
    stats = json.loads(proc.stderr.strip().splitlines()[-1])
    got = np.load(out)
    want = block_reduce(plane, got.shape[0], got.shape[1], how)
    assert got.shape[0] == int(size.split("x")[1]) * 2 - 2 or got.shape[1] == int(size.split("x")[0])
    np.testing.assert_array_equal(got, want)
    budget = 256 << 20
    assert stats["peak_rss_bytes"] <= budget + 150 * 10**6, f"peak RSS {stats['peak_rss_bytes'] >> 20} MiB"
    assert stats["bytes_decoded"] >= plane.nbytes, "every chunk is read once"


def test_auto_contrast_of_a_reduced_plane_is_the_whole_planes(plane, tmp_path):
    out = tmp_path / "frame.txt"
    proc = run_vstack("render", PLANE, "--size", "160x48", "--cache", "256MiB", "-o", out, timeout=300)
    assert proc.returncode == 0, describe(proc)
    lo, hi = np.percentile(plane, [0.5, 99.5])
    header = out.read_text().splitlines()[0]
    assert f"clim {round(lo)}..{round(hi)}" in header, header


def test_filter_at_working_resolution_stays_within_the_budget(plane, tmp_path):
    """gaussian(2) on the fit view runs at working factor 8 (2048² ≤ 4 Mpx), from block means
    folded chunk by chunk: peak RSS within --cache + 150 MB, values as scipy's on NumPy's block means."""
    from scipy import ndimage
    out = tmp_path / "screen.npy"
    proc = run_vstack("render", PLANE, "--size", "160x48", "--cache", "256MiB", "--filter", "gaussian(2)", "--stats",
                      "-o", out, timeout=600)
    assert proc.returncode == 0, describe(proc)
    stats = json.loads(proc.stderr.strip().splitlines()[-1])
    assert stats["peak_rss_bytes"] <= (256 << 20) + 150 * 10**6, f"peak RSS {stats['peak_rss_bytes'] >> 20} MiB"
    f = 8
    work = plane.reshape(plane.shape[0] // f, f, plane.shape[1] // f, f).astype(np.float64).mean(axis=(1, 3)).astype(np.float32)
    filtered = ndimage.gaussian_filter(work, 2 / f, mode="reflect", truncate=4.0)
    got = np.load(out)
    want = block_reduce(filtered, got.shape[0], got.shape[1], "mean")
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-4 * np.ptp(want))


def test_s_writes_a_huge_figure_on_the_workers(session, tmp_path):
    """`s` on a fit view of the 16384² plane: the figure is written on the workers with its progress on
    the message line while keys are still answered; it is charged to --cache (1 GiB: the figure may take
    half, so 1/8 scale, 2048²), the viewer's peak memory stays within --cache + 150 MB, and it is a
    16-bit gray PNG with the same pixels as `render --scale 0.125 -o FILE.png`."""
    import re
    import time
    from PIL import Image
    from conftest import VSTACK_BIN
    import subprocess
    s = session(str(PLANE), "--cache", "1GiB", cwd=tmp_path)
    s.ready()
    s.settled(120)
    s.keys("s")
    s.wait(lambda x: "saving " in x, 30, "the saving message")
    # The UI thread answers keys while the figure is written: the colour map changes at once.
    answers = []
    for _ in range(3):
        before = s.status()
        t0 = time.monotonic()
        s.keys("m")
        # Polled every few ms (Session.wait sleeps 100 ms between looks).
        while s.status() == before and time.monotonic() - t0 < 10:
            time.sleep(0.003)
        answers.append(time.monotonic() - t0)
        if "saved " in s.screen():
            break
    assert min(answers) < 0.1, f"key answers while saving took {answers} s"
    screen = s.wait(lambda x: "saved " in x, 300, "the saved message")
    name = re.search(r"saved (\S+\.png)", screen).group(1)
    assert "1/8 scale: within --cache" in screen and "16-bit gray" in screen, screen
    pane = s.tmux("list-panes", "-t", "s", "-F", "#{pane_pid}").stdout.strip()
    children = subprocess.run(["pgrep", "-P", pane, "-f", "vstack"], capture_output=True, text=True).stdout.split()
    pid = children[0] if children else pane
    with open(f"/proc/{pid}/status") as f:
        peak = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
    assert peak < (1 << 30) + 150 * 10**6, f"peak RSS {peak >> 20} MiB with --cache 1GiB"
    saved = Image.open(tmp_path / name)
    # The colour map was changed after `s`: the figure is the view as it was when `s` was pressed.
    assert saved.mode in ("I;16", "I;16B", "I") and saved.size == (2048, 2048), (saved.mode, saved.size)
    ref = tmp_path / "ref.png"
    proc = subprocess.run([str(VSTACK_BIN), "render", str(PLANE), "--scale", "0.125", "-o", str(ref)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    a, b = np.asarray(saved), np.asarray(Image.open(ref))
    assert a.std() > 0 and np.array_equal(a, b)
    s.keys("q")
    assert s.exit_status() == 0


def test_render_refuses_a_figure_over_8192_a_side_with_the_scale_that_fits(tmp_path):
    """A 16384² figure would be 512 MiB of 16-bit pixels: `render -o FILE.png` asks for --scale instead."""
    out = tmp_path / "f.png"
    proc = run_vstack("render", PLANE, "-o", out)
    assert proc.returncode != 0 and not out.exists(), describe(proc)
    assert "16384x16384 figure is over 8192 pixels a side: give --scale 0.5" in proc.stderr, proc.stderr
