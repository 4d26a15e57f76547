"""vstack reads HDF5 datasets: `info --json` and `export` against h5py's own read.

The fixtures (tests/fixtures/make_hdf5_fixtures.py) are written by h5py: every dtype,
chunked and contiguous, gzip+shuffle, big-endian, fill values, nested groups, and the
attributes that name axes (DIMENSION_LABELS, `axes`) and scales (element_size_um).
"""
import json
import re
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import FIXTURES, VSTACK_BIN, describe, run_vstack

MANIFEST = FIXTURES / "hdf5" / "manifest.json"
DOC = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {"cases": [], "errors": []}
CASES = DOC["cases"]
SOME = [c for c in CASES if c["name"] in
        {"chunked-uint16", "chunked-float64", "big-f4", "contiguous-4d-i2", "gzip-shuffle-u2", "fill-i2",
         "nested-labels", "single-by-file", "ragged-4d-u2", "contiguous-big-plane-u1"}]


def h5read(case):
    """h5py's read of the case's dataset (single.h5 alone opens its only image, /volume/stack)."""
    file, _, inner = case["path"].partition(".h5")
    with h5py.File(FIXTURES / (file + ".h5"), "r") as f:
        a = f[inner.strip("/") or "volume/stack"][()]
    return a.astype(a.dtype.newbyteorder("="), copy=False)


def info(path):
    proc = run_vstack("info", path, "--json")
    assert proc.returncode == 0, describe(proc)
    return json.loads(proc.stdout)


def export(path, out, *args):
    proc = run_vstack("export", path, *args, "-o", out)
    assert proc.returncode == 0, describe(proc)
    return np.load(out)


def same(out, ref):
    assert out.dtype == ref.dtype and out.shape == ref.shape, (out.dtype, out.shape, ref.dtype, ref.shape)
    assert np.array_equal(out, ref, equal_nan=out.dtype.kind == "f")


def test_fixtures_present():
    assert len(SOME) == 10, f"no HDF5 fixtures at {MANIFEST} (run tests/fixtures/make_hdf5_fixtures.py)"


@pytest.mark.parametrize("case", SOME, ids=[c["name"] for c in SOME])
def test_info_matches_h5py(case):
    ref = h5read(case)
    doc = info(FIXTURES / case["path"])
    assert doc["format"] == "hdf5"
    assert doc["shape"] == list(ref.shape)
    assert doc["dtype"] == ref.dtype.name
    assert doc["bytes"] == ref.nbytes
    if case["chunks"]:
        assert doc["chunks"] == case["chunks"]


@pytest.mark.parametrize("case", SOME, ids=[c["name"] for c in SOME])
def test_export_planes_match_h5py(case, tmp_path):
    ref = h5read(case)
    lead = ref.shape[:-2]
    for k, index in enumerate({tuple(0 for _ in lead), tuple(n - 1 for n in lead), tuple(n // 2 for n in lead)}):
        at = ",".join(f"{d}={i}" for d, i in enumerate(index))
        out = export(FIXTURES / case["path"], tmp_path / f"p{k}.npy", *(["--at", at] if at else []))
        same(out, ref[index])


def test_axes_and_scales():
    doc = info(FIXTURES / "hdf5" / "labels-zyx.h5")
    assert doc["axis_names"] == ["z", "y", "x"] and doc["axes_origin"] == "source"
    doc = info(FIXTURES / "hdf5" / "element-size.h5")
    assert doc["scales"] == [{"step": s, "unit": "micrometer"} for s in (2.0, 0.5, 0.25)], doc["scales"]


def test_listing_and_missing_are_one_line():
    proc = run_vstack("info", FIXTURES / "hdf5" / "several.h5")
    assert proc.returncode != 0
    line = proc.stderr.strip()
    assert "\n" not in line and "holds datasets" in line and "/raw (4, 32, 30) uint16" in line, line
    proc = run_vstack("info", FIXTURES / "hdf5" / "several.h5" / "nope")
    assert proc.returncode != 0 and "no dataset /nope" in proc.stderr and "\n" not in proc.stderr.strip(), describe(proc)


def test_plugin_filter_with_and_without_hdf5_plugin_path(tmp_path):
    """hdf5plugin's blosc, lz4 and zstd chunks are decoded by vstack itself: the planes equal h5py's
    read with and without HDF5_PLUGIN_PATH (the release bundle has no plugins)."""
    if not DOC.get("plugins"):
        pytest.skip("hdf5plugin not installed when the fixtures were made")
    bare = {k: v for k, v in os.environ.items() if k != "HDF5_PLUGIN_PATH"}
    for case in DOC["plugins"]:
        for env in (bare, dict(bare, HDF5_PLUGIN_PATH=DOC["plugin_dir"])):
            out = tmp_path / "p.npy"
            proc = subprocess.run([str(VSTACK_BIN), "export", str(FIXTURES / case["path"]), "--at", "0=1", "-o", str(out)],
                                  capture_output=True, text=True, env=env)
            assert proc.returncode == 0, (case["path"], "HDF5_PLUGIN_PATH" in env, proc.stderr)
            same(np.load(out), np.load(FIXTURES / case["reference"])[1])  # h5py's read-back with the plugins
            out.unlink()


HAZARDS = sorted((Path(__file__).resolve().parents[2] / "Fuzz" / "hazards" / "FuzzHDF5").glob("*"))


@pytest.mark.parametrize("hazard", HAZARDS, ids=[h.name for h in HAZARDS])
def test_corrupt_global_heap_neither_crashes_nor_hangs(hazard, tmp_path):
    """Files found by FuzzHDF5 whose variable-length string attributes make libhdf5 1.10 loop
    forever or copy out of bounds: the attribute is read in a child process that is killed after
    2 s, so vstack opens the dataset without it, saying which attribute it dropped (or fails in
    one line), never hangs or crashes."""
    path = tmp_path / "hazard.h5"
    path.write_bytes(hazard.read_bytes())
    proc = subprocess.run([str(VSTACK_BIN), "info", str(path)], capture_output=True, text=True, timeout=30)
    assert proc.returncode in (0, 1), f"exit {proc.returncode}: {proc.stderr[-500:]}"
    if proc.returncode == 1:
        assert proc.stderr.startswith("vstack: ") and proc.stderr.count("\n") == 1, proc.stderr
    else:
        assert re.search(r"vstack: warning: .*attribute '(DIMENSION_LABELS|axes)' could not be read", proc.stderr), proc.stderr
