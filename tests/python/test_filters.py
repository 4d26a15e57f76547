"""`--filter` operators against scipy.ndimage and scikit-image (SPEC §4, issue 7).

Each case runs `vstack export --filter PIPELINE --region R` on a zarr-python
fixture (tests/fixtures/make_filter_fixtures.py) and compares the plane with
the reference function applied by Python to the WHOLE plane (or stack), then
cropped to R. The regions cross chunk borders, so a result is only right if
vstack read the halo from the neighbouring chunks; the whole-plane region
touches every edge, where scipy's `reflect` boundary applies.
Tolerance: 1e-3 × the reference's range; exact for min/max, morphology,
masks and the projection. Otsu's value must equal skimage's (256 bins).
"""
import json

import numpy as np
import pytest
import scipy.ndimage as ndi
import skimage.filters
import skimage.restoration
import skimage.util
import zarr

from conftest import FIXTURES, REPO, describe, run_vstack

ROOT = FIXTURES / "filter"
REGIONS = {
    "middle": (slice(70, 190), slice(50, 170)),     # crosses y 128, x 96/144 chunk borders
    "whole": (slice(None), slice(None)),            # touches every edge
    "corner": (slice(230, 300), slice(0, 100)),     # bottom-left edges, two chunk columns
}


def plane():
    return zarr.open_array(str(ROOT / "plane.zarr"), mode="r")[:]


def stack():
    return zarr.open_array(str(ROOT / "stack.zarr"), mode="r")[:]


def region_option(r):
    def part(s, n):
        return f"{s.start or 0}:{s.stop if s.stop is not None else n}"
    return f"{part(r[0], 300)},{part(r[1], 260)}"


def export(path, pipeline, tmp_path, region=None, at=None, stats=False):
    out = tmp_path / "out.npy"
    args = ["export", path, "--filter", pipeline, "-o", out]
    if region:
        args += ["--region", region]
    if at:
        args += ["--at", at]
    if stats:
        args += ["--stats"]
    p = run_vstack(*args)
    assert p.returncode == 0, describe(p)
    extra = json.loads(p.stderr.strip().splitlines()[-1]) if stats else None
    return np.load(out), " ".join(map(str, p.args)), extra


def gaussian_psf(sigma):
    """The PSF `deconvolve` uses: the outer product of scipy's normalised 1-D gaussian kernels."""
    r = int(4.0 * sigma + 0.5)
    x = np.arange(-r, r + 1)
    k = np.exp(-0.5 * x * x / (sigma * sigma))
    k /= k.sum()
    return np.outer(k, k)


def expo_scale(a):
    return float(np.iinfo(a.dtype).max) if a.dtype.kind in "ui" else 1.0


# (pipeline, reference on the float32 plane, exact?)
PLANE_CASES = [
    ("gaussian(2)", lambda a: ndi.gaussian_filter(a, 2), False),
    ("gaussian(sigma=(1.5,3))", lambda a: ndi.gaussian_filter(a, (1.5, 3)), False),
    ("median(3)", lambda a: ndi.median_filter(a, 3), True),
    ("median(5)", lambda a: ndi.median_filter(a, 5), True),
    ("median(4)", lambda a: ndi.median_filter(a, 4), True),
    ("uniform(5)", lambda a: ndi.uniform_filter(a, 5), False),
    ("uniform(4)", lambda a: ndi.uniform_filter(a, 4), False),
    ("minimum(7)", lambda a: ndi.minimum_filter(a, 7), True),
    ("maximum(3)", lambda a: ndi.maximum_filter(a, 3), True),
    ("maximum(size=(2,9))", lambda a: ndi.maximum_filter(a, (2, 9)), True),
    ("sobel", lambda a: np.hypot(ndi.sobel(a, 0), ndi.sobel(a, 1)), False),
    ("laplace", lambda a: ndi.laplace(a), False),
    ("log(2)", lambda a: ndi.gaussian_laplace(a, 2), False),
    ("dog(1,3)", lambda a: ndi.gaussian_filter(a, 1) - ndi.gaussian_filter(a, 3), False),
    ("unsharp(2,1.5)", lambda a: a + 1.5 * (a - ndi.gaussian_filter(a, 2)), False),
    ("threshold(500)", lambda a: (a > 500).astype(np.uint8), True),
    ("threshold(local,block=31,offset=-5)",
     lambda a: (a > skimage.filters.threshold_local(a, 31, offset=-5)).astype(np.uint8), True),
    ("erode(5)", lambda a: ndi.grey_erosion(a, size=5), True),
    ("dilate(5)", lambda a: ndi.grey_dilation(a, size=5), True),
    ("dilate(4)", lambda a: ndi.grey_dilation(a, size=4), True),
    ("open(7)", lambda a: ndi.grey_opening(a, size=7), True),
    ("close(6)", lambda a: ndi.grey_closing(a, size=6), True),
    ("tophat(15)", lambda a: ndi.white_tophat(a, size=15), True),
    ("invert", lambda a: skimage.util.invert(a), False),
    ("clip(300,900)", lambda a: np.clip(a, 300, 900), True),
    ("gaussian(1)|clip(0,2000)|gamma(0.5)", lambda a: np.clip(ndi.gaussian_filter(a, 1), 0, 2000) ** 0.5, False),
    ("clip(0,5000)|logscale", lambda a: np.log2(1 + np.clip(a, 0, 5000)), False),
    ("deconvolve(1.5,5)",
     lambda a: skimage.restoration.richardson_lucy(a, gaussian_psf(1.5), num_iter=5, clip=False), False),
    ("gaussian(2)|threshold(500)|open(3)",
     lambda a: ndi.grey_opening((ndi.gaussian_filter(a, 2) > 500).astype(np.uint8), size=3), True),
]


def compare(out, ref, exact, cmd):
    assert out.shape == ref.shape, f"shape {out.shape} != reference {ref.shape}\n  cmd: {cmd}"
    if ref.dtype == np.uint8 or ref.dtype == bool:
        assert out.dtype == np.uint8, f"a mask is written as uint8, got {out.dtype}\n  cmd: {cmd}"
    else:
        assert out.dtype == np.float32, f"a filtered plane is float32, got {out.dtype}\n  cmd: {cmd}"
    ref = ref.astype(np.float64)
    diff = np.abs(out.astype(np.float64) - ref)
    worst = np.unravel_index(np.argmax(diff), diff.shape)
    if exact:
        bad = int((diff > 0).sum())
        assert bad == 0, f"{bad} pixels differ, e.g. at {worst}: {out[worst]} vs {ref[worst]}\n  cmd: {cmd}"
    else:
        span = float(ref.max() - ref.min()) or 1.0
        assert diff.max() <= 1e-3 * span, (f"max error {diff.max():.4g} > 1e-3 × range {span:.4g} at {worst}: "
                                           f"{out[worst]} vs {ref[worst]}\n  cmd: {cmd}")


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("pipeline,reference,exact", PLANE_CASES, ids=[c[0] for c in PLANE_CASES])
def test_operator_equals_reference(pipeline, reference, exact, region, tmp_path):
    a = plane()
    r = REGIONS[region]
    ref = reference(a)[r]
    out, cmd, _ = export(ROOT / "plane.zarr", pipeline, tmp_path, region=region_option(r))
    compare(out, ref, exact, cmd)


@pytest.mark.parametrize("region", ["middle", "corner"])
def test_otsu_value_and_mask_follow_the_shown_region(region, tmp_path):
    """Otsu's threshold comes from the shown region of the gaussian's output, as skimage computes it there."""
    a = plane()
    r = REGIONS[region]
    g = ndi.gaussian_filter(a, 2)[r]
    t = skimage.filters.threshold_otsu(g)          # nbins=256
    out, cmd, stats = export(ROOT / "plane.zarr", "gaussian(2)|threshold(otsu)", tmp_path,
                             region=region_option(r), stats=True)
    assert stats["thresholds"] == [pytest.approx(float(t), rel=0, abs=0)], f"{stats['thresholds']} vs skimage {t}\n  cmd: {cmd}"
    compare(out, (g > t).astype(np.uint8), True, cmd)


def test_otsu_on_raw_data_equals_skimage(tmp_path):
    a = plane()
    out, cmd, stats = export(ROOT / "plane.zarr", "threshold(otsu)", tmp_path, stats=True)
    t = skimage.filters.threshold_otsu(a)
    assert stats["thresholds"] == [float(t)], cmd
    compare(out, (a > t).astype(np.uint8), True, cmd)


# 3-D stages on the uint16 stack (z chunks of 4): z=4 and z=7 need planes from two z chunks, 0 and 11 are edges.
STACK_CASES = [
    ("gaussian(sigma=(1,2,2))", lambda s: ndi.gaussian_filter(s, (1, 2, 2)), False),
    ("gaussian(sigma=(2,0,1))", lambda s: ndi.gaussian_filter(s, (2, 0, 1)), False),
    ("median(size=(3,3,3))", lambda s: ndi.median_filter(s, (3, 3, 3)), True),
    ("maximum(size=(3,5,5))", lambda s: ndi.maximum_filter(s, (3, 5, 5)), True),
    ("log(sigma=(1,1.5,1.5))", lambda s: ndi.gaussian_laplace(s, (1, 1.5, 1.5)), False),
    ("mip(5)", None, True),
    ("mip(4)|gaussian(1)", None, False),
]


def mip(s, n):
    return np.stack([s[max(0, z - n // 2): z - n // 2 + n].max(axis=0) for z in range(s.shape[0])])


@pytest.mark.parametrize("z", [0, 4, 7, 11])
@pytest.mark.parametrize("pipeline,reference,exact", STACK_CASES, ids=[c[0] for c in STACK_CASES])
def test_3d_stage_reads_neighbouring_planes(pipeline, reference, exact, z, tmp_path):
    s = stack().astype(np.float32)
    if pipeline == "mip(5)":
        ref = mip(s, 5)[z]
    elif pipeline.startswith("mip(4)"):
        ref = ndi.gaussian_filter(mip(s, 4)[z], 1)
    else:
        ref = reference(s)[z]
    out, cmd, _ = export(ROOT / "stack.zarr", pipeline, tmp_path, at=f"z={z}", region="30:170,20:150")
    compare(out, ref[30:170, 20:150], exact, cmd)


INTEGER_CASES = [
    ("invert", lambda x: skimage.util.invert(x).astype(np.float32), True),
    ("gamma(0.5)", lambda x: (x / 65535.0) ** 0.5 * 65535.0, False),
    ("logscale", lambda x: np.log2(1 + x / 65535.0) * 65535.0, False),
    ("clip(200,700)|invert", lambda x: 65535.0 - np.clip(x, 200, 700), True),
]


@pytest.mark.parametrize("pipeline,reference,exact", INTEGER_CASES, ids=[c[0] for c in INTEGER_CASES])
def test_point_operations_use_the_data_type_range(pipeline, reference, exact, tmp_path):
    """On uint16 data, invert/gamma/logscale scale by 65535 as skimage.util / skimage.exposure do."""
    x = stack()[5]
    out, cmd, _ = export(ROOT / "stack.zarr", pipeline, tmp_path, at="z=5")
    compare(out, reference(x), exact, cmd)


MASK_CASES = [
    ("open(5)", lambda m: ndi.grey_opening(m.astype(np.uint8), size=5)),
    ("close(4)", lambda m: ndi.grey_closing(m.astype(np.uint8), size=4)),
    ("dilate(3)|erode(3)", lambda m: ndi.grey_erosion(ndi.grey_dilation(m.astype(np.uint8), size=3), size=3)),
    ("invert", lambda m: (~m).astype(np.uint8)),
    ("tophat(9)", lambda m: ndi.white_tophat(m.astype(np.uint8), size=9)),
]


@pytest.mark.parametrize("pipeline,reference", MASK_CASES, ids=[c[0] for c in MASK_CASES])
def test_morphology_on_a_mask_stays_a_mask(pipeline, reference, tmp_path):
    m = zarr.open_array(str(ROOT / "mask.zarr"), mode="r")[:]
    out, cmd, _ = export(ROOT / "mask.zarr", pipeline, tmp_path, region="40:250,30:220")
    compare(out, reference(m)[40:250, 30:220], True, cmd)


BAD_PIPELINES = [
    ("gausian(2)", "unknown operator 'gausian' at column 1 (did you mean gaussian?)"),
    ("gaussian(2)|thresold(otsu)", "unknown operator 'thresold' at column 13 (did you mean threshold?)"),
    ("gaussian", "gaussian needs sigma at column 1, e.g. gaussian(2)"),
    ("gaussian(-1)", "gaussian: sigma must be a number > 0 or a (y,x) or (z,y,x) tuple, found '-1' at column 10"),
    ("gaussian(2,3)", "gaussian takes 1 argument (gaussian(sigma)), found another at column 12"),
    ("gaussian(sigm=2)", "gaussian has no argument 'sigm' at column 10 (did you mean sigma?)"),
    ("median(2.5)", "median: size must be a whole number ≥ 1 or a (y,x) or (z,y,x) tuple, found '2.5' at column 8"),
    ("threshold(otsu", "missing ')' at column 15"),
    ("threshold(local,block=30)", "threshold: block must be an odd whole number ≥ 3, found '30' at column 17"),
    ("threshold(mean)", "threshold: value must be a number or otsu or local, found 'mean' at column 11"),
    ("clip(5,1)", "clip: lo must be ≤ hi, found 5 > 1 at column 8"),
    ("sobel(3)", "sobel takes no arguments, found another at column 7"),
    ("gaussian(2)|", "expected an operator name at column 13, found the end"),
    ("mip(3)", "mip(3): a 3-D stage needs a third axis, and this view has none"),
]


@pytest.mark.parametrize("pipeline,message", BAD_PIPELINES, ids=[b[0] for b in BAD_PIPELINES])
def test_bad_pipeline_is_one_line_usage_error(pipeline, message, tmp_path):
    out = tmp_path / "out.npy"
    p = run_vstack("export", ROOT / "plane.zarr", "--filter", pipeline, "-o", out)
    assert p.returncode == 2, describe(p)
    assert p.stderr == f"vstack: --filter: {message}\n", describe(p)
    assert not out.exists()
    r = run_vstack("render", ROOT / "plane.zarr", "--filter", pipeline, "--size", "40x12")
    assert r.returncode == 2 and r.stderr == p.stderr, describe(r)


def test_render_filters_at_working_resolution_unless_full_res(tmp_path):
    """Above --max-work-pixels the region is filtered on an area-downsampled plane (header `@1/f`);
    --full-res filters at full resolution. The mask frame matches the exported mask's layout."""
    args = ["render", ROOT / "plane.zarr", "--filter", "gaussian(2)|threshold(otsu)", "--size", "160x30",
            "--mode", "ascii", "--color", "none"]
    small = run_vstack(*args, "--max-work-pixels", "20000")
    assert small.returncode == 0, describe(small)
    header = small.stdout.splitlines()[0]
    assert "filters gaussian(2)|threshold(otsu) @1/2 otsu " in header, header  # 150×130 ≤ 20 000
    full = run_vstack(*args, "--max-work-pixels", "20000", "--full-res")
    assert full.returncode == 0, describe(full)
    assert "@1/" not in full.stdout.splitlines()[0] and "otsu " in full.stdout.splitlines()[0]
    default = run_vstack(*args)
    assert default.stdout == full.stdout, "78 000 px is under the default 4 Mpx: full resolution"
    # The downsampled result is an approximation of the same mask: most cells agree.
    a, b = small.stdout.splitlines()[1:], full.stdout.splitlines()[1:]
    same = sum(x == y for la, lb in zip(a, b) for x, y in zip(la, lb))
    total = sum(len(l) for l in b)
    assert same >= 0.8 * total, f"{same}/{total} cells agree"


def test_export_filter_writes_nothing_into_the_dataset_and_keeps_failures_one_line(tmp_path):
    bad = tmp_path / "bad.zarr"
    a = zarr.create_array(str(bad), shape=(64, 64), chunks=(32, 32), dtype="float32", zarr_format=3,
                          compressors=[{"name": "zstd", "configuration": {"level": 1}}])
    a[:] = np.arange(64 * 64, dtype=np.float32).reshape(64, 64)
    chunk = bad / "c" / "1" / "1"
    chunk.write_bytes(chunk.read_bytes()[:10])
    before = sorted((p.relative_to(bad), p.stat().st_mtime_ns) for p in bad.rglob("*"))
    # gaussian(2)'s halo is 8 px: the region 0:20,0:20 reads only chunk (0,0).
    out, _, _ = export(bad, "gaussian(2)", tmp_path, region="0:20,0:20")
    assert out.shape == (20, 20)
    # A region whose halo reaches the corrupt chunk fails with one line naming it.
    p = run_vstack("export", bad, "--filter", "gaussian(2)", "--region", "20:30,20:30", "-o", tmp_path / "x.npy")
    assert p.returncode == 1, describe(p)
    assert p.stderr.count("\n") == 1 and "chunk c/1/1" in p.stderr and str(bad) in p.stderr, describe(p)
    assert not (tmp_path / "x.npy").exists()
    assert sorted((p.relative_to(bad), p.stat().st_mtime_ns) for p in bad.rglob("*")) == before


@pytest.mark.parametrize("pipeline,reference,exact", [
    ("gaussian(3)", lambda a: ndi.gaussian_filter(a, 3), False),
    ("median(5)", lambda a: ndi.median_filter(a, 5), True),
    ("median(3)", lambda a: ndi.median_filter(a, 3), True),
    ("maximum(7)", lambda a: ndi.maximum_filter(a, 7), True),
    ("tophat(9)", lambda a: ndi.white_tophat(a, size=9), True),
    ("uniform(6)", lambda a: ndi.uniform_filter(a, 6), False),
    ("sobel", lambda a: np.hypot(ndi.sobel(a, 0), ndi.sobel(a, 1)), False),
], ids=lambda x: x if isinstance(x, str) else "")
@pytest.mark.parametrize("shape", [(3, 4), (1, 9), (17, 2)])
def test_windows_longer_than_the_array_reflect_repeatedly(pipeline, reference, exact, shape, tmp_path):
    """scipy reflects again and again when a window is longer than the data; so must vstack."""
    a = np.random.default_rng(3).normal(100, 30, size=shape).astype(np.float32)
    z = zarr.create_array(str(tmp_path / "tiny.zarr"), shape=shape, chunks=(2, 2), dtype="float32", zarr_format=3)
    z[:] = a
    out, cmd, _ = export(tmp_path / "tiny.zarr", pipeline, tmp_path)
    compare(out, reference(a), exact, cmd)


def documented_operators():
    """The names in the first column of docs/OPERATORS.md's operator table, in order."""
    lines = (REPO / "docs" / "OPERATORS.md").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| operator |"))
    names = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        first = line.split("|")[1]
        names += [n.strip().strip("`") for n in first.split(",")]
    return names


def test_operators_command_lists_the_catalog_the_docs_document():
    p = run_vstack("operators")
    assert p.returncode == 0, describe(p)
    names = [line.split("(")[0].split()[0] for line in p.stdout.splitlines()[:22]]
    assert len(names) == 22 and names[0] == "gaussian" and names[-1] == "mip", p.stdout
    documented = documented_operators()
    assert documented == names, f"docs/OPERATORS.md's operator table {documented} is not `vstack operators` {names}"
