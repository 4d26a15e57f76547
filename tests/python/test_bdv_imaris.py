"""vstack reads BigDataViewer XML/HDF5 and Imaris .ims as 5-D multiscale arrays `t c z y x`.

The fixtures (tests/fixtures/make_hdf5_fixtures.py, manifest keys `bdv` and `imaris`) are
written by h5py by the published layouts: BDV's int16-stored uint16 cells, s00/resolutions
and subdivisions, a missing view; Imaris' padded Data, character-array attributes, channel
names and colours, extents. Planes of every level, timepoint and channel are compared with
h5py's read (BDV's bits as uint16; Imaris' data without its padding).
"""
import json

import h5py
import numpy as np
import pytest

from conftest import FIXTURES, describe, run_vstack

MANIFEST = FIXTURES / "hdf5" / "manifest.json"
DOC = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
BDV_N5 = [c for c in DOC.get("bdv", []) if "n5" in c]
BDV = [c for c in DOC.get("bdv", []) if "n5" not in c]
IMARIS = DOC.get("imaris")
ERRORS = [e for e in DOC.get("errors", []) if e["kind"] in {"bdv-other-loader", "bdv-n5-absent", "not-spimdata", "bdv-no-h5", "not-imaris"}]


def info(path):
    proc = run_vstack("info", path, "--json")
    assert proc.returncode == 0, describe(proc)
    return json.loads(proc.stdout)


def plane(path, out, level, t, c, z):
    proc = run_vstack("export", path, "--level", level, "--at", f"t={t},c={c},z={z}", "-o", out)
    assert proc.returncode == 0, describe(proc)
    return np.load(out)


def zs(n):
    return sorted({0, n // 2, n - 1})


def test_fixtures_present():
    assert len(BDV) == 2 and IMARIS and len(BDV_N5) == 1 and len(ERRORS) == 5, f"no BDV/Imaris fixtures in {MANIFEST} (run tests/fixtures/make_hdf5_fixtures.py)"


@pytest.mark.parametrize("case", BDV, ids=[c["name"] for c in BDV])
def test_bdv_info(case):
    doc = info(FIXTURES / case["path"])
    nT, nC = len(case["timepoints"]), len(case["setups"])
    assert doc["format"] == "bdv" and doc["dtype"] == "uint16"
    assert doc["axis_names"] == ["t", "c", "z", "y", "x"] and doc["axes_origin"] == "source"
    assert doc["shape"] == [nT, nC] + case["levels"][0]
    assert doc["levels"] == [[nT, nC] + lv for lv in case["levels"]]
    assert [p["factors"] for p in doc["pyramid"]] == case["factors"]
    assert [p["chunks"] for p in doc["pyramid"]] == case["chunks"]
    assert doc["scales"] == [None, None] + [{"step": s, "unit": case["unit"]} for s in case["scales"]]
    assert [ch["label"] for ch in doc["channels"]] == case["channel_names"]
    assert doc["axis_types"] == ["time", "channel", "space", "space", "space"]
    assert bool(doc["warnings"]) == bool(case["missing"]), doc["warnings"]
    if case["missing"]:
        assert "views missing" in doc["warnings"][0] and "read as zeros" in doc["warnings"][0]


@pytest.mark.parametrize("case", BDV, ids=[c["name"] for c in BDV])
def test_bdv_planes_match_h5py(case, tmp_path):
    """Every level, timepoint and setup: the int16-stored bits as uint16; a missing view is zeros."""
    missing = {tuple(m) for m in case["missing"]}
    with h5py.File(FIXTURES / case["h5"], "r") as f:
        for level, shape in enumerate(case["levels"]):
            for ti, t in enumerate(case["timepoints"]):
                for ci, s in enumerate(case["setups"]):
                    for z in zs(shape[0]):
                        out = plane(FIXTURES / case["path"], tmp_path / "p.npy", level, ti, ci, z)
                        assert out.dtype == np.uint16 and out.shape == tuple(shape[1:]), (out.dtype, out.shape)
                        if (t, s) in missing:
                            assert not out.any()
                            continue
                        ref = f[f"t{t:05d}/s{s:02d}/{level}/cells"][z].view(np.uint16)
                        assert np.array_equal(out, ref), (level, t, s, z)
                        if level == 0 and z == 0:
                            assert out.max() > 32767  # stored negative as int16


def test_bdv_setups_differing_in_attributes_become_axes(tmp_path):
    """Setups that differ in tile, angle and channel (a BigStitcher acquisition): one axis for
    each, `t tile angle c z y x`, channel names from the XML's channel attributes; every view
    equals h5py's cells, and the combination no setup has reads as zeros with a warning."""
    case = DOC["bdv_attributes"]
    path = FIXTURES / case["path"]
    doc = info(path)
    nT, level0 = len(case["timepoints"]), case["levels"][0]
    assert doc["axis_names"] == ["t", "tile", "angle", "c", "z", "y", "x"]
    assert doc["shape"] == [nT, 2, 2, 2] + level0
    assert doc["levels"] == [[nT, 2, 2, 2] + lv for lv in case["levels"]]
    assert doc["axis_types"] == ["time", None, None, "channel", "space", "space", "space"]
    assert [ch["label"] for ch in doc["channels"]] == case["channel_names"]
    assert len(doc["warnings"]) == 1 and "tile 1 angle 1 channel 1 (no setup)" in doc["warnings"][0]
    by_combo = {(s["tile"], s["angle"], s["channel"]): s["id"] for s in case["setups"]}
    with h5py.File(FIXTURES / case["h5"], "r") as f:
        for level, shape in enumerate(case["levels"]):
            for ti, t in enumerate(case["timepoints"]):
                for tile in range(2):
                    for angle in range(2):
                        for ch in range(2):
                            z = shape[0] // 2
                            proc = run_vstack("export", path, "--level", level, "--at",
                                              f"t={ti},tile={tile},angle={angle},c={ch},z={z}", "-o", tmp_path / "p.npy")
                            assert proc.returncode == 0, describe(proc)
                            out = np.load(tmp_path / "p.npy")
                            assert out.shape == tuple(shape[1:])
                            s = by_combo.get((tile, angle, ch))
                            if s is None:
                                assert not out.any()
                                continue
                            ref = f[f"t{t:05d}/s{s:02d}/{level}/cells"][z].view(np.uint16)
                            assert np.array_equal(out, ref), (level, t, tile, angle, ch)


def test_bdv_n5_matches_the_containers_datasets(tmp_path):
    """bdv.n5: setupN/timepointM/sL of the N5 container (make_n5_fixtures.py's BigStitcher tree) as t c z y x."""
    case = BDV_N5[0]
    if not (FIXTURES / case["n5"]).is_dir():
        pytest.skip("no N5 fixtures (run tests/fixtures/make_n5_fixtures.py)")
    doc = info(FIXTURES / case["path"])
    assert doc["format"] == "bdv" and doc["axis_names"] == ["t", "c", "z", "y", "x"]
    assert [ch["label"] for ch in doc["channels"]] == ["setup0", "setup1"]
    assert doc["scales"][2:] == [{"step": s, "unit": case["unit"]} for s in case["scales"]]
    for level in range(len(doc["levels"])):
        for c in case["setups"]:
            single = info(FIXTURES / case["n5"] / f"setup{c}" / "timepoint0")
            assert doc["levels"][level] == [1, 2] + single["levels"][level]
            z = single["levels"][level][0] // 2
            out = plane(FIXTURES / case["path"], tmp_path / "p.npy", level, 0, c, z)
            proc = run_vstack("export", FIXTURES / case["n5"] / f"setup{c}" / "timepoint0", "--level", level,
                              "--at", f"0={z}", "-o", tmp_path / "r.npy")
            assert proc.returncode == 0, describe(proc)
            ref = np.load(tmp_path / "r.npy")
            assert out.dtype == ref.dtype and np.array_equal(out, ref), (level, c)


def test_imaris_info():
    case = IMARIS
    doc = info(FIXTURES / case["path"])
    lead = [case["timepoints"], case["channels"]]
    assert doc["format"] == "imaris" and doc["dtype"] == case["dtype"]
    assert doc["axis_names"] == ["t", "c", "z", "y", "x"]
    assert doc["shape"] == lead + case["levels"][0]  # the true size, not the padded data
    assert doc["levels"] == [lead + lv for lv in case["levels"]]
    assert [p["chunks"] for p in doc["pyramid"]] == case["chunks"]
    assert [p["factors"] for p in doc["pyramid"]] == case["factors"]
    assert [s and s["unit"] for s in doc["scales"]] == [None, None] + [case["unit"]] * 3
    assert np.allclose([s["step"] for s in doc["scales"][2:]], case["scales"])
    assert [c["label"] for c in doc["channels"]] == case["names"]
    assert [c["color"] for c in doc["channels"]] == case["colors"]
    assert doc["channels"][0]["window"] == [0.0, 4095.0]


def test_imaris_planes_match_h5py_without_padding(tmp_path):
    case = IMARIS
    with h5py.File(FIXTURES / case["path"], "r") as f:
        for level, shape in enumerate(case["levels"]):
            for t in range(case["timepoints"]):
                for c in range(case["channels"]):
                    data = f[f"DataSet/ResolutionLevel {level}/TimePoint {t}/Channel {c}/Data"]
                    for z in zs(shape[0]):
                        out = plane(FIXTURES / case["path"], tmp_path / "p.npy", level, t, c, z)
                        ref = data[z, : shape[1], : shape[2]]
                        assert out.dtype == ref.dtype and out.shape == ref.shape, (out.dtype, out.shape, ref.shape)
                        assert np.array_equal(out, ref), (level, t, c, z)
                        assert not (out == 7777).any()  # the padding's value


def test_imaris_region_at_the_edge(tmp_path):
    """A region reaching the true edge stops there (the padding is outside the array)."""
    case = IMARIS
    y, x = case["levels"][0][1:]
    proc = run_vstack("export", FIXTURES / case["path"], "--level", 0, "--at", "t=1,c=0,z=8",
                      "--region", f"{y - 5}:{y},{x - 7}:{x}", "-o", tmp_path / "r.npy")
    assert proc.returncode == 0, describe(proc)
    with h5py.File(FIXTURES / case["path"], "r") as f:
        ref = f["DataSet/ResolutionLevel 0/TimePoint 1/Channel 0/Data"][8, y - 5:y, x - 7:x]
    assert np.array_equal(np.load(tmp_path / "r.npy"), ref)


@pytest.mark.parametrize("error", ERRORS, ids=[e["kind"] for e in ERRORS])
def test_errors_are_one_line(error):
    proc = run_vstack("info", FIXTURES / error["path"])
    assert proc.returncode != 0
    line = proc.stderr.strip()
    assert "\n" not in line, line
    for fragment in error["fragments"]:
        assert fragment in line, (fragment, line)
