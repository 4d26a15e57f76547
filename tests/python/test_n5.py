"""N5 (issue 16 part 4): `vstack info --json` and `vstack export` of the datasets
tests/fixtures/make_n5_fixtures.py wrote with tensorstore's n5 driver (and z5py) equal
tensorstore's own read, in C order (N5 lists axes x first; vstack reverses them);
pyramids list their levels; damaged or refused datasets fail with one line; and the
same datasets over HTTP (nginx) read like the local ones.
"""
import json

import numpy as np
import pytest
import tensorstore as ts

from conftest import FIXTURES, run_vstack, describe
from test_export import plan
from test_remote import export, info, same_array, same_info, url

MANIFEST = FIXTURES / "n5" / "manifest.json"


def manifest():
    try:
        with open(MANIFEST) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"cases": [], "pyramids": [], "errors": []}


M = manifest()
CASES = M["cases"]
CASES_2D = [c for c in CASES if len(c["shape"]) >= 2]
REMOTE = [c for c in CASES if c["name"] in ("uint16-gzip", "float64-blosc-zstd-bitshuffle", "missing-block",
                                            "edge-cropped-gzip", "axes-resolution", "4d-int64-zstd")]


def ids(items, key="name"):
    return [c[key] for c in items]


def tensorstore_read(path):
    """tensorstore's read of an N5 dataset, axes reversed to C order, native endian."""
    a = ts.open({"driver": "n5", "kvstore": {"driver": "file", "path": str(path)}}).result().read().result()
    return np.ascontiguousarray(a.transpose())


def reference(c):
    # z5py's blosc attributes carry an 'nthreads' tensorstore refuses: its case keeps z5py's read.
    if c["writer"].startswith("tensorstore"):
        if c["name"].startswith("old-compression-type"):
            return np.load(FIXTURES / c["reference"])  # tensorstore reads only the new form
        return tensorstore_read(FIXTURES / c["path"])
    return np.load(FIXTURES / c["reference"])


def test_n5_fixtures_present():
    assert len(CASES) >= 70, f"no N5 fixtures in {MANIFEST} (run tests/fixtures/make_n5_fixtures.py)"


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_info_json(case):
    got = info(FIXTURES / case["path"])
    assert got["format"] == "n5"
    assert got["shape"] == case["shape"]
    assert got["chunks"] == case["chunks"]
    assert got["dtype"] == case["dtype"]
    if case["axes"]:
        assert got["axes"] == case["axes"] and got["axes_origin"] == "source"
    if case.get("scales"):
        assert [s["step"] for s in got["scales"]] == case["scales"]
        assert {s["unit"] for s in got["scales"]} == {case["unit"]}
    ref = reference(case)
    assert list(ref.shape) == got["shape"] and ref.dtype.name == got["dtype"]


@pytest.mark.parametrize("case", CASES_2D, ids=ids(CASES_2D))
def test_export_equals_tensorstore(case, tmp_path):
    args, index, transpose = plan(case)
    got = export(*args, out=tmp_path / "plane.npy")
    want = reference(case)[index]
    same_array(got, want.T if transpose else want, f"vstack export {' '.join(args)}")


@pytest.mark.parametrize("pyr", M["pyramids"], ids=ids(M["pyramids"]))
def test_pyramid_levels(pyr, tmp_path):
    got = info(FIXTURES / pyr["path"])
    assert [lvl["path"] for lvl in got["pyramid"]] == [lvl["path"] for lvl in pyr["levels"]]
    assert [lvl["shape"] for lvl in got["pyramid"]] == [lvl["shape"] for lvl in pyr["levels"]]
    assert [lvl["factors"] for lvl in got["pyramid"]] == [lvl["factors"] for lvl in pyr["levels"]]
    if pyr["axes"]:
        assert got["axes"] == pyr["axes"]
    if pyr["scales"]:
        assert [s["step"] for s in got["scales"]] == pyr["scales"]
    # Level 0 exported whole (the middle z plane) is tensorstore's read of s0.
    s0 = tensorstore_read(FIXTURES / pyr["path"] / "s0")
    out = export(str(FIXTURES / pyr["path"]), out=tmp_path / "s0.npy")
    same_array(out, s0[s0.shape[0] // 2] if s0.ndim == 3 else s0, "vstack export " + pyr["path"])


@pytest.mark.parametrize("err", M["errors"], ids=ids(M["errors"], "kind"))
def test_errors_are_one_line(err, tmp_path):
    path = FIXTURES / err["path"]
    proc = run_vstack("export", path, "-o", tmp_path / "out.npy")
    assert proc.returncode != 0, describe(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, describe(proc)
    assert str(path) in lines[0], describe(proc)
    for fragment in err["fragments"]:
        assert fragment in lines[0], describe(proc)
    assert not (tmp_path / "out.npy").exists()


@pytest.mark.parametrize("case", REMOTE, ids=ids(REMOTE))
def test_http_same_as_local(case, nginx_fixtures, tmp_path):
    """info --json (but location) and export over HTTP are the local ones."""
    path = FIXTURES / case["path"]
    u = url(nginx_fixtures, path)
    same_info(info(u), info(path), u)
    args, _, _ = plan(case)
    local = export(*args, out=tmp_path / "local.npy")
    args[0] = u
    remote = export(*args, out=tmp_path / "remote.npy")
    same_array(remote, local, f"vstack export {' '.join(args)}")


def test_http_pyramid_and_setup_root(nginx_fixtures):
    """Over HTTP (no listing) the levels s0, s1, … and the BigStitcher setups are found by probing."""
    pyr = M["pyramids"][0]
    u = url(nginx_fixtures, FIXTURES / pyr["path"])
    same_info(info(u), info(FIXTURES / pyr["path"]), u)
    root = url(nginx_fixtures, FIXTURES / "n5" / "bigstitcher" / "dataset.n5")
    proc = run_vstack("info", root)
    assert proc.returncode != 0 and len(proc.stderr.strip().splitlines()) == 1, describe(proc)
    assert "setup0, setup1" in proc.stderr and f"open one: {root}/setup0/timepoint0" in proc.stderr, describe(proc)
