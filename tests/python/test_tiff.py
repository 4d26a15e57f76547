"""vstack's TIFF reader against tifffile.

Every expected value comes from tifffile reading the fixture (tests/fixtures/
make_tiff_fixtures.py); every plane vstack writes (`export -o .npy` and
`-o .tif`) must equal tifffile's values exactly. The planes exported are
chosen deterministically from a hash of the case name.
"""
import hashlib
import json
import os
import subprocess
import time

import numpy as np
import pytest
import tifffile

from conftest import FIXTURES, describe, run_vstack

TIFF_MANIFEST = FIXTURES / "tiff" / "manifest.json"


def manifest():
    try:
        with open(TIFF_MANIFEST) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"cases": [], "errors": []}


MANIFEST = manifest()
CASES = MANIFEST["cases"]
ERRORS = MANIFEST["errors"]
FILES = [c for c in CASES if c["kind"] == "file"]
SERIES = [c for c in CASES if c["kind"] == "series"]


def ids(cases):
    return [c["name"] for c in cases]


def fixture(path):
    return str(FIXTURES / path)


def test_tiff_fixtures_present():
    assert CASES, f"no TIFF fixtures at {TIFF_MANIFEST}; run tests/fixtures/make_tiff_fixtures.py (make fixtures)"


def reference(c):
    """The whole array as tifffile reads it, in vstack's axis order (samples before y, x)."""
    if c["kind"] == "series":
        files = {tuple(g["index"]): tifffile.imread(fixture(g["file"])) for g in c["grid"]}
        out = np.zeros(c["series_shape"] + c["file_shape"], dtype=c["dtype"])
        for index, a in files.items():
            out[index] = a
        return out
    path = fixture(c["path"])
    if c.get("reference") == "pages":
        with tifffile.TiffFile(path) as t:
            return np.stack([p.asarray() for p in t.pages])
    a = tifffile.imread(path)
    axes = c["tifffile_axes"]
    if "S" in axes:
        a = np.moveaxis(a, axes.index("S"), -3)
    return a


def planes(c, count=3):
    """Deterministic leading indices: the first, the last and one in between."""
    shape = c["shape"] if c["kind"] == "file" else c["series_shape"] + c["file_shape"]
    lead = shape[:-2]
    h = int.from_bytes(hashlib.sha256(c["name"].encode()).digest()[:8], "little")
    picks = [[0] * len(lead), [n - 1 for n in lead]]
    picks.append([(h >> (8 * i)) % n for i, n in enumerate(lead)])
    unique = []
    for p in picks[:count]:
        if p not in unique:
            unique.append(p)
    return unique


def at_option(c, index):
    names = c["axes"][:-2]
    return ",".join(f"{n}={i}" for n, i in zip(names, index))


def assert_equal_plane(out, ref, cmd):
    assert out.dtype == ref.dtype, f"dtype {out.dtype} != tifffile {ref.dtype}\n  cmd: {cmd}"
    assert out.shape == ref.shape, f"shape {out.shape} != tifffile {ref.shape}\n  cmd: {cmd}"
    if not np.array_equal(out, ref, equal_nan=True):
        bad = np.argwhere(out != ref)
        r, k = bad[0]
        raise AssertionError(f"{len(bad)} of {out.size} values differ; first at [{r},{k}]: vstack {out[r, k]!r} "
                             f"vs tifffile {ref[r, k]!r}\n  cmd: {cmd}")


def export(c, index, out):
    args = ["export", fixture(c["path"]), "-o", out]
    if index:
        args += ["--at", at_option(c, index)]
    proc = run_vstack(*args)
    assert proc.returncode == 0, describe(proc)
    return " ".join(proc.args), proc


def export_with_stats(path, at, out):
    """`vstack export PATH --at AT --stats -o OUT`; returns the statistics and the command."""
    proc = run_vstack("export", path, "--at", at, "--stats", "-o", out)
    assert proc.returncode == 0, describe(proc)
    return json.loads(proc.stderr.strip().splitlines()[-1]), " ".join(proc.args)


def native(a):
    return a.astype(a.dtype.newbyteorder("="), copy=False)


@pytest.mark.parametrize("c", CASES, ids=ids(CASES))
def test_info_axes_shape_dtype(c):
    proc = run_vstack("info", fixture(c["path"]), "--json")
    assert proc.returncode == 0, describe(proc)
    info = json.loads(proc.stdout)
    shape = c["shape"] if c["kind"] == "file" else c["series_shape"] + c["file_shape"]
    assert info["format"] == "tiff"
    assert info["shape"] == shape
    assert info["dtype"] == np.dtype(c["dtype"]).newbyteorder("=").name
    assert "".join(info["axis_names"]) == c["axes"]
    if c.get("default_names") or (c["kind"] == "file" and c["tifffile_axes"] in ("QYX", "IYX", "YX")):
        assert info["axes"] is None, "names vstack made up must be reported as defaults"
    for axis, (step, unit) in c["scales"].items():
        s = info["scales"][c["axes"].index(axis)]
        assert s is not None, f"no scale for {axis}: {info['scales']}"
        assert s["step"] == pytest.approx(step, rel=1e-6) and s["unit"] == unit, (axis, s)
    if "warning" in c:
        assert any(c["warning"] in w for w in info["warnings"]), info["warnings"]
        assert c["warning"] in proc.stderr, "the warning is printed at open"


@pytest.mark.parametrize("c", CASES, ids=ids(CASES))
def test_export_planes_equal_tifffile(c, tmp_path):
    ref = reference(c)
    for n, index in enumerate(planes(c)):
        expected = native(ref[tuple(index)])
        npy = str(tmp_path / f"p{n}.npy")
        cmd, _ = export(c, index, npy)
        assert_equal_plane(np.load(npy), expected, cmd)
        tif = str(tmp_path / f"p{n}.tif")
        cmd, _ = export(c, index, tif)
        assert_equal_plane(native(tifffile.imread(tif)), expected, cmd)


def test_region_across_tiles(tmp_path):
    """A region that cuts through tiles on every side equals tifffile's slice."""
    c = next(c for c in FILES if c["name"] == "tiled_bigtiff_deflate.tif")
    out = str(tmp_path / "r.npy")
    proc = run_vstack("export", fixture(c["path"]), "--at", "z=3", "--region", "30:131,17:100", "-o", out)
    assert proc.returncode == 0, describe(proc)
    assert_equal_plane(np.load(out), tifffile.imread(fixture(c["path"]))[3, 30:131, 17:100], " ".join(proc.args))


def test_one_page_reads_about_one_page(tmp_path):
    """Plane 300 of a 512-page file costs about one page of I/O, not the file."""
    c = next(c for c in FILES if c["name"] == "stack_512_pages.tif")
    out = str(tmp_path / "p.npy")
    stats, cmd = export_with_stats(fixture(c["path"]), "z=300", out)
    size = os.path.getsize(fixture(c["path"]))
    page = c["page_bytes"]
    assert page <= stats["bytes_read"] <= 1.5 * page, \
        f"read {stats['bytes_read']} bytes for one {page}-byte page of a {size}-byte file"
    assert_equal_plane(np.load(out), tifffile.imread(fixture(c["path"]), key=300), cmd)


def test_series_opens_only_the_first_file(tmp_path):
    """Opening a series reads one file's header; a plane reads its own file."""
    c = next(c for c in SERIES if c["name"] == "lightsheet_pattern")
    stats, _ = export_with_stats(fixture(c["path"]), "c=1,t=2,z=4", str(tmp_path / "p.npy"))
    one_file = os.path.getsize(fixture(c["grid"][0]["file"]))
    assert stats["bytes_read"] < 2 * one_file, f"read {stats['bytes_read']} bytes; one file is {one_file}"


def test_check_validates_every_file():
    c = next(c for c in SERIES if c["name"] == "lightsheet_pattern")
    proc = run_vstack("info", fixture(c["path"]), "--check", "--json")
    assert proc.returncode == 0, describe(proc)
    assert json.loads(proc.stdout)["checked"] == f"{len(c['grid'])} files checked"


@pytest.mark.serial  # a wall-clock budget: run alone, not beside other tests
def test_thousands_of_files_open_fast(tmp_path):
    """2000 two-page files: the pattern opens (one header) in well under a second."""
    d = tmp_path / "many"
    d.mkdir()
    a = np.arange(2 * 16 * 12, dtype=np.uint16).reshape(2, 16, 12)
    tifffile.imwrite(d / "tile_t0000_ch0.tif", a)
    data = (d / "tile_t0000_ch0.tif").read_bytes()
    for t in range(1000):
        for ch in range(2):
            (d / f"tile_t{t:04d}_ch{ch}.tif").write_bytes(data)
    start = time.perf_counter()
    proc = run_vstack("info", str(d) + "/tile_t{t}_ch{c}.tif", "--json")
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, describe(proc)
    assert json.loads(proc.stdout)["shape"] == [1000, 2, 2, 16, 12]
    assert elapsed < 0.75, f"opening 2000 files took {elapsed:.2f} s"


def test_export_never_overwrites_an_input(tmp_path):
    c = next(c for c in FILES if c["name"] == "imagej_tzcyx.tif")
    before = open(fixture(c["path"]), "rb").read()
    proc = run_vstack("export", fixture(c["path"]), "-o", fixture(c["path"]))
    assert proc.returncode != 0 and "refusing to write" in proc.stderr, describe(proc)
    s = next(c for c in SERIES if c["name"] == "lightsheet_pattern")
    target = os.path.join(os.path.dirname(fixture(s["grid"][0]["file"])), "out.tif")
    proc = run_vstack("export", fixture(s["path"]), "-o", target)
    assert proc.returncode != 0 and "refusing to write" in proc.stderr, describe(proc)
    assert not os.path.exists(target)
    assert open(fixture(c["path"]), "rb").read() == before


@pytest.mark.parametrize("e", ERRORS, ids=ids(ERRORS))
def test_bad_input_is_a_one_line_error(e, tmp_path):
    path = fixture(e["path"])
    if e["when"] == "open":
        proc = run_vstack("info", path)
    elif e["when"] == "check":
        proc = run_vstack("info", path, "--check")
    else:
        proc = run_vstack("export", path, "--at", e["at"], "-o", str(tmp_path / "x.npy"))
    assert proc.returncode == 1, describe(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vstack: "), f"not one line: {proc.stderr!r}"
    assert e["expect"] in lines[0], f"expected {e['expect']!r} in {lines[0]!r}"
    assert not os.path.exists(tmp_path / "x.npy")


def test_truncated_file_keeps_early_pages(tmp_path):
    """A file cut short still serves the pages that survive."""
    e = next(e for e in ERRORS if e["name"] == "truncated_last_page")
    out = str(tmp_path / "p.npy")
    proc = run_vstack("export", fixture(e["path"]), "--at", "z=0", "-o", out)
    assert proc.returncode == 0, describe(proc)
    with tifffile.TiffFile(fixture(e["path"])) as t:
        assert_equal_plane(np.load(out), t.pages[0].asarray(), " ".join(proc.args))


@pytest.mark.parametrize("name", ["rgb_contig_lzw.tif", "rgb_planar_tiled.tif"])
def test_rgb_tiff_is_shown_as_colour(name, tmp_path):
    """An RGB TIFF renders as its colours by default: at 1:1 each PNG pixel is the file's
    (r, g, b) as tifffile reads it, scaled from the type's range to 8 bits;
    --no-composite shows one sample in gray."""
    from PIL import Image
    path = FIXTURES / "tiff" / name
    data = tifffile.imread(path)
    rgb = data if data.shape[-1] == 3 else np.moveaxis(data, 0, -1)
    h, w = rgb.shape[:2]
    out = tmp_path / "rgb.png"
    proc = run_vstack("render", path, "--size", f"{w}x{h // 2 + 1}", "--mode", "half", "--color", "truecolor", "-o", out)
    assert proc.returncode == 0, describe(proc)
    got = np.asarray(Image.open(out).convert("RGB")).astype(np.int64)
    top = np.iinfo(rgb.dtype).max
    want = np.round(rgb.astype(np.float64) / top * 255).astype(np.int64)
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1
    info = run_vstack("info", path).stdout
    assert "shown as colour" in info
    proc = run_vstack("render", path, "--size", f"{w}x{h // 2 + 1}", "--no-composite", "--color", "truecolor", "-o", out)
    grey = np.asarray(Image.open(out).convert("RGB")).astype(np.int64)
    assert np.all(grey[..., 0] == grey[..., 1]) and np.all(grey[..., 1] == grey[..., 2]), "one sample in gray"
