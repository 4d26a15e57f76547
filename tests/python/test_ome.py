"""OME-Zarr images: vstack against the writers' own readers.

Fixtures (tests/fixtures/make_ome_fixtures.py): pyramids written by ome-zarr-py
(NGFF 0.4, 0.5) and ngff-zarr (0.4, 0.5), a plate and a plain group. The
expected metadata is what ome-zarr-py's Reader and ngff-zarr's from_ngff_zarr
return; level data is read with zarr-python.
"""
import json
import os
import re

import numpy as np
import pytest
import zarr
from PIL import Image

from conftest import FIXTURES, describe, run_vstack
from test_render import Reference

MANIFEST = FIXTURES / "ome" / "manifest.json"


def manifest():
    try:
        with open(MANIFEST) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"cases": []}


CASES = manifest()["cases"]
IDS = [c["writer"].replace(" ", "-") for c in CASES]


def test_fixtures_present():
    assert len(CASES) == 4, f"OME fixtures missing in {MANIFEST} (run make fixtures)"


def info(*args):
    proc = run_vstack("info", *args, "--json")
    assert proc.returncode == 0, describe(proc)
    return json.loads(proc.stdout)


def level_array(case, level):
    return zarr.open_array(os.path.join(case["path"], case["level_paths"][level]), mode="r")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_info_matches_writer(case):
    got = info(case["path"])
    assert got["format"] == "ome-zarr"
    assert got["shape"] == case["level_shapes"][0]
    assert got["dtype"] == case["dtype"]
    assert got["axis_names"] == case["axis_names"]
    assert got["levels"] == case["level_shapes"]
    assert [lv["path"] for lv in got["pyramid"]] == case["level_paths"]
    assert [lv["shape"] for lv in got["pyramid"]] == case["level_shapes"]
    for lv, path in zip(got["pyramid"], case["level_paths"]):
        assert lv["chunks"] == list(zarr.open_array(os.path.join(case["path"], path), mode="r").chunks)
    s0, t0 = case["scales"][0], case["translations"][0] or [0.0] * len(case["axis_names"])
    for d, (name, unit) in enumerate(zip(case["axis_names"], case["units"])):
        scale = got["scales"][d]
        if name == "c":
            assert scale is None
        else:
            assert scale["step"] == pytest.approx(s0[d]) and scale["unit"] == unit
    # A level's pixel stands for scale_L / scale_0 level-0 pixels; its pixel 0 sits at (t_L - t_0) / s_0.
    for lv, sL, tL in zip(got["pyramid"], case["scales"], case["translations"]):
        assert lv["factors"] == pytest.approx([a / b for a, b in zip(sL, s0)])
        assert lv["offsets"] == pytest.approx([(a - b) / s for a, b, s in zip(tL, t0, s0)])
    if case["channels"] is None:
        assert got["channels"] is None
    else:
        assert got["channels"] == [dict(c, window=[float(w) for w in c["window"]]) for c in case["channels"]]
    for name in case["labels"]:
        assert any(name in note for note in got["notes"]), got["notes"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_export_each_level_equals_writer(case, tmp_path):
    names = case["axis_names"]
    y, x = names.index("y"), names.index("x")
    for level, shape in enumerate(case["level_shapes"]):
        ref = level_array(case, level)
        free = [d for d in range(len(shape)) if d not in (y, x)]
        for pick in (0, -1):
            at = {d: (0 if pick == 0 else shape[d] - 1) for d in free}
            if level == 1:
                at = {d: shape[d] // 2 for d in free}
            out = tmp_path / f"l{level}_{pick}.npy"
            region = f"{shape[y] // 4}:{shape[y] - 1},1:{shape[x]}" if pick == -1 else None
            args = ["export", case["path"], "--level", str(level),
                    "--at", ",".join(f"{names[d]}={i}" for d, i in at.items()), "-o", out]
            if region:
                args += ["--region", region]
            proc = run_vstack(*args)
            assert proc.returncode == 0, describe(proc)
            index = tuple(at.get(d, slice(None)) for d in range(len(shape)))
            want = ref[index]
            if region:
                want = want[shape[y] // 4:shape[y] - 1, 1:]
            got = np.load(out)
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_level_arrays_opened_alone_get_the_image_axes(case):
    for level, path in enumerate(case["level_paths"]):
        got = info(os.path.join(case["path"], path))
        assert got["axis_names"] == case["axis_names"]
        for d, name in enumerate(case["axis_names"]):
            if name != "c":
                assert got["scales"][d]["step"] == pytest.approx(case["scales"][level][d])


def expected_level(case, rows, cols, h, w):
    """napari's rule: the coarsest level whose pixels are no larger than a screen pixel on both axes."""
    names = case["axis_names"]
    y, x = names.index("y"), names.index("x")
    s0 = case["scales"][0]
    best = 0
    for i, s in enumerate(case["scales"]):
        if s[y] / s0[y] <= rows / h * (1 + 1e-9) and s[x] / s0[x] <= cols / w * (1 + 1e-9):
            best = i
    return best


SIZES = [(200, 80), (120, 40), (60, 20), (30, 10), (16, 6)]


@pytest.mark.parametrize("case", CASES[:1] + CASES[2:3], ids=IDS[:1] + IDS[2:3])
@pytest.mark.parametrize("size", SIZES, ids=[f"{c}x{r}" for c, r in SIZES])
def test_render_picks_the_level_of_the_zoom(case, size, tmp_path):
    names = case["axis_names"]
    y, x = names.index("y"), names.index("x")
    H, W = case["level_shapes"][0][y], case["level_shapes"][0][x]
    free = [d for d in range(len(names)) if d not in (y, x)]
    at = ",".join(f"{names[d]}={case['level_shapes'][0][d] - 1}" for d in free)
    png = tmp_path / "frame.png"
    cols, rows = size
    proc = run_vstack("render", case["path"], "--at", at, "--size", f"{cols}x{rows}", "--mode", "half",
                      "--clim", "0,20000", "-o", png)
    assert proc.returncode == 0, describe(proc)
    img = np.asarray(Image.open(png).convert("RGB"))
    h, w = img.shape[:2]
    level = expected_level(case, H, W, h, w)
    txt = tmp_path / "frame.txt"
    proc = run_vstack("render", case["path"], "--at", at, "--size", f"{max(cols, 120)}x{rows}", "--mode", "half", "-o", txt)
    assert proc.returncode == 0, describe(proc)
    # The header names the level; the png is the chosen level's plane, block-averaged to the screen.
    ref_level = expected_level(case, H, W, *Reference(np.zeros((H, W)), max(cols, 120), rows - 1, "half").screen.shape)
    assert f"  L{ref_level} " in txt.read_text().splitlines()[0]
    arr = level_array(case, level)
    shape = case["level_shapes"][level]
    index = tuple(shape[d] - 1 - 0 if d in free else slice(None) for d in range(len(names)))
    # z maps through the scales: the level index whose centre is nearest level-0's last plane.
    index = tuple(level_z(case, level, d) if d in free else slice(None) for d in range(len(names)))
    ref = Reference(arr[index], cols, rows - 1, "half", clim=(0.0, 20000.0))
    want, _ = ref.rgb_image()
    assert (w, h) == (ref.w, ref.h), f"level {level}: png {w}x{h}, the level's plane gives {ref.w}x{ref.h}"
    assert np.abs(img.astype(int) - want.astype(int)).max() <= 1


def level_z(case, level, d):
    """The level index for level-0 index n-1 on axis d (NGFF centres: nearest, ties to the lower)."""
    n0 = case["level_shapes"][0][d] - 1
    s0, sL = case["scales"][0][d], case["scales"][level][d]
    t0 = (case["translations"][0] or [0] * 9)[d]
    tL = (case["translations"][level] or [0] * 9)[d]
    u = (n0 * s0 + t0 - tL) / sL
    return int(min(max(0, np.ceil(u - 0.5)), case["level_shapes"][level][d] - 1))


def test_level_out_of_range_is_a_usage_error():
    case = CASES[0]
    proc = run_vstack("export", case["path"], "--level", "9", "-o", "/tmp/never.npy")
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"vstack: --level 9: {case['path']} has levels 0..{len(case['level_paths']) - 1}"


def test_groups_say_which_path_to_open():
    m = manifest()
    plate = m["plate"]
    cases = [
        (plate, f"vstack: {plate}: is an OME-Zarr plate with wells A/1, A/2; open one field: {plate}/A/1/0"),
        (f"{plate}/A/2", f"vstack: {plate}/A/2: is an OME-Zarr well with fields 0, 1; open one: {plate}/A/2/0"),
        (m["plain"], f"vstack: {m['plain']}: is a Zarr group with array raw and group analysis; open one: {m['plain']}/raw"),
    ]
    labels = os.path.join(CASES[0]["path"], "labels")
    cases.append((labels, f"vstack: {labels}: is an OME-Zarr labels group with cells; open one: {labels}/cells"))
    for path, message in cases:
        proc = run_vstack("info", path)
        assert proc.returncode == 1 and proc.stderr.strip() == message, describe(proc)
    # A field of the plate is an image of its own.
    assert info(f"{plate}/A/1/0")["format"] == "ome-zarr"


def test_omero_windows_and_colours_are_the_defaults(tmp_path):
    case = CASES[0]
    for c, window in enumerate(["100..9000", "50..12000"]):
        out = tmp_path / f"c{c}.txt"
        proc = run_vstack("render", case["path"], "--at", f"c={c}", "--size", "160x20", "-o", out)
        assert proc.returncode == 0, describe(proc)
        assert f"clim {window}" in out.read_text().splitlines()[0]
    out = tmp_path / "fixed.txt"
    assert run_vstack("render", case["path"], "--clim", "0,10", "--size", "160x20", "-o", out).returncode == 0
    assert "clim 0..10" in out.read_text().splitlines()[0]
    # Composite: only the active channels blend, in their own colours: DAPI is active and blue (0000FF),
    # GFP (green) is not, so the picture is pure blue; the default colours would give green then magenta.
    png = tmp_path / "composite.png"
    proc = run_vstack("render", case["path"], "--composite", "--size", "80x24", "-o", png)
    assert proc.returncode == 0, describe(proc)
    rgb = np.asarray(Image.open(png).convert("RGB")).astype(int)
    assert rgb[..., 0].max() == 0 and rgb[..., 1].max() == 0 and rgb[..., 2].max() > 100


TIFFS = manifest().get("tiff_pyramids", [])


@pytest.mark.parametrize("case", TIFFS, ids=[os.path.basename(c["path"]) for c in TIFFS])
def test_tiff_subifd_pyramid_levels_equal_tifffile(case, tmp_path):
    got = info(case["path"])
    assert got["levels"] == case["level_shapes"]
    assert [lv["shape"] for lv in got["pyramid"]] == case["level_shapes"]
    assert got["axis_names"][-2:] == ["y", "x"]
    for level, shape in enumerate(case["level_shapes"]):
        want = np.load(case["path"] + f".level{level}.npy")
        out = tmp_path / f"l{level}.npy"
        args = ["export", case["path"], "--level", str(level), "-o", out]
        if len(shape) == 3:
            args += ["--at", f"z={shape[0] - 1}"]
            want = want[shape[0] - 1]
        proc = run_vstack(*args)
        assert proc.returncode == 0, describe(proc)
        np.testing.assert_array_equal(np.load(out), want)
    # A small frame reads a coarse level.
    out = tmp_path / "frame.txt"
    proc = run_vstack("render", case["path"], "--size", "120x12", "-o", out)
    assert proc.returncode == 0, describe(proc)
    assert re.search(r"  L[1-3] 1/\d  ", out.read_text().splitlines()[0])


def test_filters_at_a_working_factor_read_a_coarse_level(tmp_path):
    """A fit view filtered at working factor 4 reads level 2 (factor 4) of the pyramid, not level 0,
    and equals scipy's gaussian (σ / 4) of the writer's level-2 plane."""
    from scipy import ndimage
    case = CASES[0]
    out = tmp_path / "frame.txt"
    args = ["--at", "c=0,z=2", "--filter", "gaussian(4)", "--max-work-pixels", "5000"]
    proc = run_vstack("render", case["path"], *args, "--size", "200x60", "--stats", "-o", out)
    assert proc.returncode == 0, describe(proc)
    header = out.read_text().splitlines()[0]
    assert "  L2 1/4  " in header and "@1/4" in header, header
    stats = json.loads(proc.stderr.strip().splitlines()[-1])
    level2 = level_array(case, 2)
    assert stats["bytes_decoded"] < 2 * level2.nbytes / 6, "only level 2's chunks of one plane are decoded"
    # The screen pixels replicate the filtered working plane: scipy's gaussian (σ 4 / 4) of level 2.
    want = ndimage.gaussian_filter(level2[0, 2].astype(np.float32), 1.0, mode="reflect", truncate=4.0)
    npy = tmp_path / "screen.npy"
    proc = run_vstack("render", case["path"], *args, "--size", "200x60", "-o", npy)
    assert proc.returncode == 0, describe(proc)
    got = np.load(npy)
    h, w = got.shape
    H, W = want.shape
    upsampled = want[np.ix_((np.arange(h) * H) // h, (np.arange(w) * W) // w)]
    np.testing.assert_allclose(got, upsampled, rtol=0, atol=1e-3 * np.ptp(want))


def test_a_forced_level_is_its_own_array_inside_the_image(tmp_path):
    case = CASES[0]
    inside = os.path.join(case["path"], "x.npy")
    proc = run_vstack("export", case["path"], "--level", "1", "-o", inside)
    assert proc.returncode == 2 and "refusing to write inside the input" in proc.stderr, describe(proc)
    assert not os.path.exists(inside)
    out = tmp_path / "frame.txt"
    proc = run_vstack("render", case["path"], "--level", "1", "--at", "c=0", "--size", "200x12", "-o", out)
    assert proc.returncode == 0, describe(proc)
    header = out.read_text().splitlines()[0]
    # Level 1's own pixels (150×130), the channel's window from the image's omero, no level choice.
    assert "y 0:150 x 0:130  L1  " in header and "clim 100..9000" in header, header
