"""Label images drawn over the image (`--labels`), against files written by ome-zarr-py,
tifffile and zarr-python (tests/fixtures/make_label_fixtures.py).

The palette rule is re-derived here from its documentation (docs/RENDERING.md), so a
change of colours between versions, runs or processes fails.
"""
import json
import math
import subprocess

import numpy as np
import pytest
import tifffile
import zarr
from PIL import Image

from conftest import FIXTURES, VSTACK_BIN, render_env, run_vstack

ROOT = FIXTURES / "labels"


def manifest():
    with open(ROOT / "manifest.json") as f:
        return json.load(f)


def palette():
    """The documented palette: 256 OKLCH colours (hue k·360/256, lightness by k mod 3, chroma 0.15
    lowered by 0.005 until inside sRGB), 8-bit sRGB."""
    out = []
    for k in range(256):
        hue, L, C = k * 2 * math.pi / 256, [0.62, 0.74, 0.86][k % 3], 0.15
        while True:
            a, b = C * math.cos(hue), C * math.sin(hue)
            l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3
            m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3
            s = (L - 0.0894841775 * a - 1.2914855480 * b) ** 3
            rgb = (4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
                   -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
                   -0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s)
            if all(0 <= v <= 1 for v in rgb) or C <= 0:
                enc = [12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055 for v in (min(max(v, 0), 1) for v in rgb)]
                out.append([round(e * 255) for e in enc])
                break
            C -= 0.005
    return np.array(out, np.int64)


PALETTE = palette()


def colour(ids):
    """The palette colour of each id (uint64 bit patterns): Fibonacci hashing into the palette."""
    ids = np.asarray(ids).astype(np.uint64)
    with np.errstate(over="ignore"):
        index = (ids * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(56)
    return PALETTE[index.astype(np.int64)]


def render_png(tmp_path, name, *args):
    out = tmp_path / name
    proc = run_vstack("render", *args, "--color", "truecolor", "--mode", "half", "-o", out)
    assert proc.returncode == 0, proc.stderr
    return np.asarray(Image.open(out).convert("RGB")).astype(np.int64)


def one_to_one(shape):
    """--size for a half-block render of a (rows, columns) plane at 1:1, with the header row."""
    return f"{shape[1]}x{shape[0] // 2 + 1}"


def check_overlay(got, plain, ids, metadata_colours=None):
    """At 1:1 with opacity 1: background pixels are the image's, labelled ones their id's colour."""
    background = ids == 0
    assert np.array_equal(got[background], plain[background]), "background pixels changed"
    want = colour(ids)
    for value, rgba in (metadata_colours or {}).items():
        want[ids == np.uint64(int(value))] = rgba[:3]
    diff = np.abs(got - want).max(axis=2)
    bad = np.argwhere(~background & (diff > 1))
    assert len(bad) == 0, f"{len(bad)} labelled pixels off their colour; first at {tuple(bad[0])}: {got[tuple(bad[0])]} vs {want[tuple(bad[0])]}"


def test_fixtures_present():
    assert (ROOT / "manifest.json").exists(), "run tests/fixtures/make_label_fixtures.py"


def test_palette_separates_neighbouring_ids():
    ids = np.arange(1, 100_000, dtype=np.uint64)
    a, b = colour(ids), colour(ids + np.uint64(1))
    assert np.all(np.abs(a - b).sum(axis=1) > 60), "ids one apart must look different"
    assert len({tuple(c) for c in PALETTE}) == 256


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "bool"])
def test_every_integer_dtype_at_one_to_one(dtype, tmp_path):
    m = manifest()
    image = ROOT / m["image"]
    labels = ROOT / m["dtypes"][dtype]
    ids = zarr.open_array(labels, mode="r")[:]
    size = one_to_one(ids.shape)
    plain = render_png(tmp_path, "plain.png", image, "--size", size)
    got = render_png(tmp_path, "labels.png", image, "--labels", labels, "--label-opacity", "1", "--size", size)
    # Signed ids keep their bit pattern (-3 is 2^64-3); a bool mask is one object, id 1.
    as_ids = ids.astype(np.uint8).astype(np.uint64) if dtype == "bool" else ids.astype(np.int64).view(np.uint64)
    check_overlay(got, plain, as_ids)


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_ome_zarr_labels_by_name_with_their_colours(version, tmp_path):
    case = next(c for c in manifest()["ome"] if c["version"] == version)
    path = ROOT / case["path"]
    info = run_vstack("info", path)
    assert "labels: cells, nuclei" in info.stdout
    z = case["shape"][0] // 2
    for name, colours in [("cells", None), ("nuclei", case["nuclei_colors"])]:
        ids = zarr.open_array(path / "labels" / name / "s0", mode="r")[z]
        size = one_to_one(ids.shape)
        plain = render_png(tmp_path, "plain.png", path, "--size", size)
        got = render_png(tmp_path, f"{name}.png", path, "--labels", name, "--label-opacity", "1", "--size", size)
        check_overlay(got, plain, ids.astype(np.uint64), colours)
        if colours:
            for value in colours:
                assert np.any(ids == int(value)), f"id {value} with a colour is on the plane"


def test_stardist_mask_tiff(tmp_path):
    m = manifest()["stardist"]
    ids = tifffile.imread(ROOT / m["mask"])
    size = one_to_one(ids.shape)
    plain = render_png(tmp_path, "plain.png", ROOT / m["image"], "--size", size)
    got = render_png(tmp_path, "labels.png", ROOT / m["image"], "--labels", ROOT / m["mask"], "--label-opacity", "1", "--size", size)
    check_overlay(got, plain, ids.astype(np.uint64))


def block_modes(ids, w, h):
    """The most frequent non-zero id of each screen pixel's block (ties: the smaller id), 0 when all background."""
    H, W = ids.shape
    out = np.zeros((h, w), np.uint64)
    for j in range(h):
        for i in range(w):
            block = ids[j * H // h:max((j + 1) * H // h, j * H // h + 1), i * W // w:max((i + 1) * W // w, i * W // w + 1)].ravel()
            block = block[block != 0]
            if block.size:
                values, counts = np.unique(block, return_counts=True)
                out[j, i] = values[np.argmax(counts)]  # unique sorts: the first maximum is the smallest id
    return out


def test_zoomed_out_pixels_show_the_blocks_most_frequent_id(tmp_path):
    """No pixel shows an id that is not in its block: each is the block's mode (exactly), or
    the first pixel with --label-sampling nearest."""
    m = manifest()
    ids = zarr.open_array(ROOT / m["dtypes"]["uint32"], mode="r")[:].astype(np.uint64)
    got = render_png(tmp_path, "small.png", ROOT / m["image"], "--labels", ROOT / m["dtypes"]["uint32"],
                     "--label-opacity", "1", "--size", "50x14")
    h, w = got.shape[:2]
    assert (w, h) < (ids.shape[1], ids.shape[0])
    modes = block_modes(ids, w, h)
    labelled = modes != 0
    assert np.abs(got[labelled] - colour(modes[labelled])).max() <= 1
    got = render_png(tmp_path, "nearest.png", ROOT / m["image"], "--labels", ROOT / m["dtypes"]["uint32"],
                     "--label-opacity", "1", "--label-sampling", "nearest", "--size", "50x14")
    H, W = ids.shape
    first = ids[np.arange(h) * H // h][:, np.arange(w) * W // w]
    assert np.abs(got[first != 0] - colour(first[first != 0])).max() <= 1


def test_pyramid_labels_at_a_coarse_level_show_ids_of_their_block(tmp_path):
    """Zoomed out, an OME label pyramid is read at a coarse level (written by ome-zarr-py with
    nearest sampling): every labelled pixel shows an id of its block at level 0, give or take
    one pixel of the level read."""
    case = manifest()["ome"][0]
    path = ROOT / case["path"]
    z = case["shape"][0] // 2
    ids = zarr.open_array(path / "labels" / "cells" / "s0", mode="r")[z].astype(np.uint64)
    plain = render_png(tmp_path, "plain.png", path, "--size", "40x11")
    got = render_png(tmp_path, "coarse.png", path, "--labels", "cells", "--label-opacity", "1", "--size", "40x11")
    h, w = got.shape[:2]
    H, W = ids.shape
    margin = max(H // h, W // w)
    labelled = wrong = 0
    for j in range(h):
        for i in range(w):
            if np.array_equal(got[j, i], plain[j, i]):
                continue
            labelled += 1
            block = ids[max(0, j * H // h - margin):(j + 1) * H // h + margin, max(0, i * W // w - margin):(i + 1) * W // w + margin]
            present = np.unique(block)
            present = present[present != 0]
            if not any(np.abs(got[j, i] - c).max() <= 1 for c in colour(present)):
                wrong += 1
    assert labelled > h * w // 4 and wrong == 0, (labelled, wrong)


def test_same_colours_in_every_process(tmp_path):
    m = manifest()
    args = [ROOT / m["image"], "--labels", ROOT / m["dtypes"]["uint16"], "--size", "120x40"]
    a = render_png(tmp_path, "a.png", *args)
    b = render_png(tmp_path, "b.png", *args)
    assert np.array_equal(a, b)


def uint32_at_one_to_one(tmp_path):
    """The uint32 label plane, the --size that shows it at 1:1, and the image rendered alone."""
    m = manifest()
    ids = zarr.open_array(ROOT / m["dtypes"]["uint32"], mode="r")[:].astype(np.uint64)
    size = one_to_one(ids.shape)
    return m, ids, size, render_png(tmp_path, "plain.png", ROOT / m["image"], "--size", size)


def test_outline_mode_colours_only_borders(tmp_path):
    m, ids, size, plain = uint32_at_one_to_one(tmp_path)
    got = render_png(tmp_path, "outline.png", ROOT / m["image"], "--labels", ROOT / m["dtypes"]["uint32"],
                     "--label-opacity", "1", "--label-mode", "outline", "--size", size)
    border = np.zeros(ids.shape, bool)
    border[:, 1:] |= ids[:, 1:] != ids[:, :-1]
    border[:, :-1] |= ids[:, :-1] != ids[:, 1:]
    border[1:, :] |= ids[1:, :] != ids[:-1, :]
    border[:-1, :] |= ids[:-1, :] != ids[1:, :]
    border &= ids != 0
    assert np.array_equal(got[~border], plain[~border]), "inside objects and background stay the image"
    assert np.abs(got[border] - colour(ids[border])).max() <= 1
    assert border.sum() > 1000


def test_opacity_blends(tmp_path):
    m, ids, size, plain = uint32_at_one_to_one(tmp_path)
    half = render_png(tmp_path, "half.png", ROOT / m["image"], "--labels", ROOT / m["dtypes"]["uint32"],
                      "--label-opacity", "0.5", "--size", size)
    on = ids != 0
    want = plain[on] + (colour(ids[on]) - plain[on]) * 0.5
    assert np.abs(half[on] - want).max() <= 1


def test_export_labels_only_writes_the_label_plane(tmp_path):
    case = manifest()["ome"][1]
    path = ROOT / case["path"]
    out = tmp_path / "ids.npy"
    proc = run_vstack("export", path, "--labels", "nuclei", "--labels-only", "--at", "z=2", "--region", "10:200,30:300", "-o", out)
    assert proc.returncode == 0, proc.stderr
    want = zarr.open_array(path / "labels" / "nuclei" / "s0", mode="r")[2, 10:200, 30:300]
    got = np.load(out)
    assert got.dtype == want.dtype and np.array_equal(got, want)


def test_export_labels_only_needs_labels(tmp_path):
    proc = run_vstack("export", ROOT / manifest()["image"], "--labels-only", "-o", tmp_path / "x.npy")
    assert proc.returncode == 2 and "--labels-only" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("which,expect", [
    ("mismatch", r"shape \(100, 120\) does not match the image's \(200, 240\)"),
    ("float", "labels must be integers"),
])
def test_labels_that_cannot_be_drawn_are_one_line_errors(which, expect, tmp_path):
    import re
    m = manifest()
    proc = run_vstack("render", ROOT / m["image"], "--labels", ROOT / m[which], "--size", "40x10")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode in (1, 2) and len(lines) == 1 and lines[0].startswith("vstack: ")
    assert re.search(expect, lines[0]), lines[0]


def test_unknown_label_name_lists_the_images_labels():
    case = manifest()["ome"][0]
    proc = run_vstack("render", ROOT / case["path"], "--labels", "membranes", "--size", "40x10")
    assert proc.returncode == 1 and "cells, nuclei" in proc.stderr, proc.stderr


@pytest.mark.parametrize("mode", ["half", "quad", "braille", "ascii"])
@pytest.mark.parametrize("depth", ["truecolor", "256", "16", "none"])
def test_every_glyph_mode_and_colour_depth_draws_the_labels(mode, depth):
    """Outlines at least must show in every mode: as colours, or (ascii, no colours) as characters."""
    m = manifest()
    env = render_env()
    base = [str(VSTACK_BIN), "render", str(ROOT / m["image"]), "--mode", mode, "--color", depth, "--size", "60x20"]
    plain = subprocess.run(base, capture_output=True, env=env, timeout=60)
    drawn = subprocess.run(base + ["--labels", str(ROOT / m["dtypes"]["uint16"]), "--label-mode", "outline",
                                   "--label-opacity", "1"], capture_output=True, env=env, timeout=60)
    assert plain.returncode == 0 and drawn.returncode == 0, drawn.stderr
    body = lambda p: p.stdout.split(b"\n", 1)[1]
    assert body(drawn) != body(plain), f"{mode} {depth}: the labels changed nothing"
    if depth == "none":
        assert b"\x1b[3" not in body(drawn) and b"\x1b[4" not in body(drawn), "no colour codes without colours"


def test_demo_nuclei_are_the_bright_objects(tmp_path):
    """`vstack demo` has label images of its own: `nuclei` are where the nuclear channel is bright."""
    ids_out, image_out = tmp_path / "ids.npy", tmp_path / "image.npy"
    at = ["--at", "c=0,t=5,z=100", "--region", "0:512,0:512"]
    proc = run_vstack("export", "demo:", *at, "--labels", "nuclei", "--labels-only", "-o", ids_out)
    assert proc.returncode == 0, proc.stderr
    assert run_vstack("export", "demo:", *at, "-o", image_out).returncode == 0
    ids, image = np.load(ids_out), np.load(image_out).astype(np.float64)
    assert ids.dtype == np.uint32 and ids.shape == image.shape
    objects = np.unique(ids[ids != 0])
    assert len(objects) >= 5
    assert image[ids != 0].mean() > 3 * image[ids == 0].mean()
    assert "labels: nuclei, cells" in run_vstack("info", "demo:").stdout


def test_large_label_plane_zoomed_out_reads_samples_of_each_block(tmp_path):
    """A 3000² label plane without a pyramid at a small frame: a screen pixel covers ~75 label
    pixels, so every s-th pixel is read (never the whole plane); each pixel still shows one of
    its own block's ids, and a block of one object shows that object."""
    rng = np.random.default_rng(7)
    n = 3000
    ids = np.zeros((n, n), np.uint32)
    cells = rng.integers(1, 5000, size=(n // 50, n // 50)).astype(np.uint32)
    ids[:] = np.kron(cells, np.ones((50, 50), np.uint32))
    ids[rng.random((n, n)) < 0.3] = 0
    labels, image = tmp_path / "labels.zarr", tmp_path / "image.zarr"
    zarr.create_array(labels, data=ids, chunks=(512, 512), zarr_format=2)
    zarr.create_array(image, data=(ids % 1000).astype(np.uint16), chunks=(512, 512), zarr_format=2)
    plain = render_png(tmp_path, "plain.png", image, "--size", "40x12")
    got = render_png(tmp_path, "labels.png", image, "--labels", labels, "--label-opacity", "1", "--size", "40x12", "--stats")
    h, w = got.shape[:2]
    wrong = 0
    for j in range(h):
        for i in range(w):
            block = ids[j * n // h:(j + 1) * n // h, i * n // w:(i + 1) * n // w]
            present = np.unique(block)
            present = present[present != 0]
            if np.array_equal(got[j, i], plain[j, i]) and not len(present):
                continue
            if not any(np.abs(got[j, i] - c).max() <= 1 for c in colour(present)):
                wrong += 1
    assert wrong == 0
