"""vstack reads NumPy `.npy` files: `info --json` and `export` against `np.load`.

The fixtures (tests/fixtures/make_npy_fixtures.py) are written by NumPy itself:
`np.save`, `np.lib.format.write_array` (format versions 2.0 and 3.0) and
`open_memmap(fortran_order=True)`, in every dtype vstack reads and both byte
orders. The expected values are `np.load` of the same file. Bands of big
planes, round trips through `render -o` and `export -o`, and the bytes read
are checked on files written into pytest's temporary directory.
"""
import json

import numpy as np
import pytest

from conftest import FIXTURES, default_axis_names, describe, run_vstack

MANIFEST = FIXTURES / "npy" / "manifest.json"
CASES = json.loads(MANIFEST.read_text())["cases"] if MANIFEST.exists() else []
PLANES = [c for c in CASES if len(c["shape"]) >= 2]


def native(a):
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
    assert CASES, f"no npy fixtures at {MANIFEST} (run tests/fixtures/make_npy_fixtures.py)"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_info_matches_numpy(case):
    path = FIXTURES / case["path"]
    ref = np.load(path, mmap_mode="r")
    doc = info(path)
    assert doc["format"] == "npy"
    assert doc["shape"] == list(ref.shape)
    assert doc["dtype"] == ref.dtype.newbyteorder("=").name
    assert doc["axes"] is None, "a .npy file names no axes"
    assert "".join(doc["axis_names"]) == default_axis_names(ref.shape)
    assert doc["bytes"] == ref.nbytes
    assert any(("Fortran order" if case["fortran_order"] else "C order") in n for n in doc["notes"])


@pytest.mark.parametrize("case", PLANES, ids=[c["name"] for c in PLANES])
def test_export_planes_match_numpy(case, tmp_path):
    path = FIXTURES / case["path"]
    ref = native(np.load(path))
    lead = ref.shape[:-2]
    for k, index in enumerate({tuple(0 for _ in lead), tuple(n - 1 for n in lead), tuple(n // 2 for n in lead)}):
        at = ",".join(f"{d}={i}" for d, i in enumerate(index))
        out = export(path, tmp_path / f"p{k}.npy", *(["--at", at] if at else []))
        same(out, ref[index])
    # A region away from the plane's edges.
    h, w = ref.shape[-2:]
    out = export(path, tmp_path / "r.npy", "--region", f"3:{h - 2},5:{w - 1}")
    same(out, ref[tuple(n // 2 for n in lead) + (slice(3, h - 2), slice(5, w - 1))])


@pytest.mark.parametrize("fortran", [False, True], ids=["c-order", "fortran-order"])
def test_big_plane_in_bands(tmp_path, fortran):
    """A plane over the 4 MiB band is several chunks; a region across them equals NumPy's."""
    path = tmp_path / "big.npy"
    ref = np.random.default_rng(3).integers(0, 2**32, size=(2, 1100, 1000), dtype=np.uint32)
    m = np.lib.format.open_memmap(path, mode="w+", dtype=">u4", shape=ref.shape, fortran_order=fortran)
    m[...] = ref
    m.flush()
    del m
    doc = info(path)
    assert doc["chunk_count"] > 2, doc["chunks"]
    assert doc["chunks"][0] == 1
    same(export(path, tmp_path / "a.npy", "--at", "0=1"), ref[1])
    same(export(path, tmp_path / "b.npy", "--at", "0=0", "--region", "900:1100,100:990"), ref[0, 900:1100, 100:990])


def test_a_plane_reads_only_its_bytes(tmp_path):
    """Opening and exporting one plane of a C-order stack reads that plane (plus the header), not the file."""
    path = tmp_path / "stack.npy"
    np.save(path, np.arange(40 * 200 * 100, dtype=np.uint16).reshape(40, 200, 100))
    proc = run_vstack("export", path, "--at", "z=7", "--stats", "-o", tmp_path / "p.npy")
    assert proc.returncode == 0, describe(proc)
    stats = json.loads(proc.stderr.strip().splitlines()[-1])
    assert 200 * 100 * 2 <= stats["bytes_read"] <= 200 * 100 * 2 + 4096, stats


def test_export_round_trip(tmp_path):
    """`export -o a.npy`, then a.npy opened and exported again, is the same plane."""
    src = FIXTURES / "npy" / "big-u2.npy"
    a = export(src, tmp_path / "a.npy", "--at", "0=1,1=2")
    b = export(tmp_path / "a.npy", tmp_path / "b.npy")
    same(b, a)
    same(a, native(np.load(src))[1, 2])


def test_render_round_trip(tmp_path):
    """`render -o x.npy` (the screen pixels, float32) opens as a 2-D array holding the same values."""
    out = tmp_path / "x.npy"
    proc = run_vstack("render", FIXTURES / "npy" / "c-uint16.npy", "--size", "30x12", "-o", out)
    assert proc.returncode == 0, describe(proc)
    screen = np.load(out)
    doc = info(out)
    assert doc["shape"] == list(screen.shape) and doc["dtype"] == "float32"
    same(export(out, tmp_path / "y.npy"), screen)
    proc = run_vstack("render", out, "--size", "30x12", "--color", "none", "--mode", "ascii")
    assert proc.returncode == 0, describe(proc)


def test_magic_without_npy_name(tmp_path):
    """A .npy file is recognised by its magic whatever its name."""
    path = tmp_path / "data.bin"
    ref = np.arange(60, dtype=np.int16).reshape(6, 10)
    np.save(tmp_path / "data.npy", ref)
    (tmp_path / "data.npy").rename(path)
    same(export(path, tmp_path / "o.npy"), ref)
