"""The synthetic dataset `demo:` looks like light-sheet data of an embryo, and is deterministic.

Every plane comes from `vstack export` (the only source of its data); what is in it is
measured with scikit-image and scipy, which vstack did not write: thresholds (Otsu), connected
objects, Euler numbers, edge filters, local maxima, phase correlation. The ranges are wide
enough to survive a change of seed, narrow enough that blobs on black, a blank channel or a
static embryo fail them.
"""
import re

import numpy as np
import pytest
from skimage import feature, filters, measure
from skimage.registration import phase_cross_correlation

from conftest import run_vstack

POLE = 48      # a plane just under the embryo's upper surface: the cell layer seen face on
MIDDLE = 100   # the default plane: the layer cut across, a ring


@pytest.fixture(scope="module")
def plane(tmp_path_factory):
    """plane(c, t, z, labels=None, demo="demo:") -> the exported (y, x) plane, cached per module."""
    tmp = tmp_path_factory.mktemp("demo")
    cache = {}

    def get(c, t, z, labels=None, demo="demo:"):
        key = (c, t, z, labels, demo)
        if key not in cache:
            out = tmp / f"p{len(cache)}.npy"
            extra = ["--labels", labels, "--labels-only"] if labels else []
            proc = run_vstack("export", demo, "--at", f"c={c},t={t},z={z}", *extra, "-o", out)
            assert proc.returncode == 0, proc.stderr
            cache[key] = np.load(out)
        return cache[key]
    return get


def mask(a):
    """The bright part of a plane: Otsu's threshold on it smoothed by σ = 1."""
    smooth = filters.gaussian(a.astype(np.float64), 1, preserve_range=True)
    return smooth > filters.threshold_otsu(smooth)


def cell_count():
    """The number of nuclei `vstack info demo:` says the embryo has."""
    m = re.search(r"an embryo of (\d+) cells \((\d+) of them divide\)", run_vstack("info", "demo:").stdout)
    assert m, "info names the embryo's cells"
    return int(m.group(1)), int(m.group(2))


def test_same_bytes_on_every_run_and_level(plane, tmp_path):
    """Two processes compute the same chunk bytes; a coarser level samples level 0's pixels."""
    a = plane(1, 7, MIDDLE)
    out = tmp_path / "again.npy"
    assert run_vstack("export", "demo:", "--at", f"c=1,t=7,z={MIDDLE}", "-o", out).returncode == 0
    assert np.array_equal(np.load(out), a)
    assert a.dtype == np.uint16 and a.shape == (1024, 768)
    out = tmp_path / "level1.npy"
    proc = run_vstack("export", "demo:?levels=2", "--level", "1", "--at", f"c=1,t=7,z={MIDDLE}", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert np.array_equal(np.load(out), a[::2, ::2])


def test_nuclear_channel_is_a_layer_of_nuclei(plane):
    """Channel 0: dozens of separate round objects of a nucleus' size, both face on and in section,
    and they are the `nuclei` label image's objects."""
    for z, fewest in ((POLE, 40), (MIDDLE, 50)):
        m = mask(plane(0, 10, z))
        objects = measure.regionprops(measure.label(m))
        areas = np.array([o.area for o in objects])
        assert fewest <= len(objects) <= 400, f"z={z}: {len(objects)} nuclei"
        assert 60 <= np.median(areas) <= 300, f"z={z}: median nucleus area {np.median(areas)}"
        assert np.median([o.eccentricity for o in objects]) < 0.8, "nuclei are round"
        ids = plane(0, 10, z, labels="nuclei")
        found = [i for i in np.unique(ids[ids > 0]) if (ids == i).sum() >= 30]
        hit = [i for i in found if m[ids == i].mean() > 0.5]
        assert len(found) >= fewest * 0.7 and len(hit) >= 0.9 * len(found), f"z={z}: {len(hit)}/{len(found)}"


def test_membrane_channel_outlines_cells(plane):
    """Channel 1: thin bright lines that enclose many cells (a mask with many holes: Euler number
    strongly negative), where the nuclei are many separate objects (strongly positive); the
    `cells` label image has a cell for about every nucleus in view."""
    for z in (POLE, MIDDLE):
        membranes, nuclei = mask(plane(1, 10, z)), mask(plane(0, 10, z))
        assert measure.euler_number(membranes) < -40, f"z={z}: too few enclosed cells"
        assert measure.euler_number(nuclei) > 30
        width = membranes.sum() / (measure.perimeter(membranes) / 2)
        assert width < 8, f"z={z}: membranes {width:.1f} px wide"
        sobel = filters.sobel(plane(1, 10, z).astype(np.float64))
        assert sobel[membranes].mean() > 3 * sobel[~membranes].mean(), "membranes are edges"
        cells = plane(0, 10, z, labels="cells")
        n = len(np.unique(cells[cells > 0]))
        assert 40 <= n <= 600, f"z={z}: {n} cells"
    a, b = plane(0, 10, MIDDLE).astype(np.float64), plane(1, 10, MIDDLE).astype(np.float64)
    assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.5, "nuclei and membranes are different structures"


def test_spot_channel_is_sparse_bright_points(plane):
    """Channel 2: a hundred or so small peaks far above the background, covering a few per cent
    of the plane at most."""
    s = plane(2, 10, MIDDLE).astype(np.float64)
    background = np.median(s)
    sigma = 1.4826 * np.median(np.abs(s - background))
    bright = s > background + 20 * sigma
    peaks = feature.peak_local_max(filters.gaussian(s, 1, preserve_range=True), min_distance=3,
                                   threshold_abs=background + 20 * sigma)
    assert 40 <= len(peaks) <= 2000, f"{len(peaks)} spots"
    assert bright.mean() < 0.03
    areas = [o.area for o in measure.regionprops(measure.label(bright))]
    assert np.median(areas) < 40, "spots are small"


def test_deeper_is_dimmer_and_blurrier(plane):
    """Light scattered on its way through the embryo: nuclei deep in it (z=190, its lower half)
    are dimmer and their edges softer than just under the surface (z=48)."""
    def nuclei(z):
        a = plane(0, 10, z).astype(np.float64) - 100
        labels = measure.label(mask(a))
        edges = filters.sobel(filters.gaussian(a, 0.7, preserve_range=True))
        sharp = [edges[o.slice][o.image].max() / a[o.slice][o.image].max()
                 for o in measure.regionprops(labels) if o.area >= 30]
        return np.percentile(a, 99.9), np.median(sharp)
    (bright_top, sharp_top), (bright_deep, sharp_deep) = nuclei(POLE), nuclei(190)
    assert bright_deep < 0.6 * bright_top
    assert sharp_deep < 0.7 * sharp_top


def test_nuclei_move_and_divide(plane):
    """Scrubbing t shows motion (the layer turns: the plane shifts by pixels, not zero), and
    nuclei divide: a second daughter's label id (above the cell count) appears later, never at t=0."""
    a, b = plane(0, 0, POLE).astype(np.float64), plane(0, 40, POLE).astype(np.float64)
    shift = phase_cross_correlation(a, b)[0]
    assert np.hypot(*shift) >= 5, f"shift {shift}"
    count, divide = cell_count()
    assert 1000 <= count <= 10000 and 0.1 * count <= divide <= 0.4 * count
    early = np.concatenate([plane(0, 0, z, labels="nuclei").ravel() for z in (POLE, MIDDLE)])
    late = np.concatenate([plane(0, 190, z, labels="nuclei").ravel() for z in (POLE, MIDDLE)])
    assert early.max() <= count
    assert (late > count).sum() > 0 and len(np.unique(late[late > count])) >= 5
