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

from conftest import FIXTURES, describe, run_vstack

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
