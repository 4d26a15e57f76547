"""A plane too big to assemble (16384² uint16, 512 MiB, no pyramid) drawn within the cache budget.

vstack reduces it chunk by chunk into screen pixels; the screen values (render -o FILE.npy) must
equal a NumPy block mean of the whole plane exactly, with peak RSS within --cache + 150 MB.
"""
import json

import numpy as np
import pytest
import zarr

from conftest import FIXTURES, describe, run_vstack

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
