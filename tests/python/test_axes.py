"""Axis names of arrays that carry none: guessed from a 4-D/5-D shape, said so, overridable.

`dask.array.to_zarr` writes no axis names; the common layout (3, 199, 201, Y, X)
is c, t, z, y, x. The rule (README "Axes"): the last three axes are z, y, x;
of the leading axes the one of at most 8 is c and the other t; when the shape
does not decide (both small, or both long) the rank's default applies.
"""
import json

import dask.array as da
import numpy as np
import pytest
import tifffile

from conftest import default_axis_names, describe, run_vstack

SHAPES = {  # shape → what info must say
    (3, 9, 10, 32, 24): ("ctzyx", "shape"),
    (9, 3, 10, 32, 24): ("tczyx", "shape"),
    (2, 3, 10, 32, 24): ("tczyx", "default"),
    (12, 9, 10, 32, 24): ("tczyx", "default"),
    (3, 10, 32, 24): ("czyx", "shape"),
    (20, 10, 32, 24): ("tzyx", "default"),
}


def dask_zarr(tmp_path, shape):
    path = tmp_path / ("a" + "x".join(map(str, shape)) + ".zarr")
    data = np.arange(np.prod(shape), dtype=np.uint16).reshape(shape)
    da.from_array(data, chunks=(1,) * (len(shape) - 2) + shape[-2:]).to_zarr(str(path))
    return path, data


def info(*args):
    proc = run_vstack("info", *args)
    assert proc.returncode == 0, describe(proc)
    return proc.stdout


@pytest.mark.parametrize("shape", list(SHAPES), ids=["x".join(map(str, s)) for s in SHAPES])
def test_unnamed_dask_array_axes(tmp_path, shape):
    path, _ = dask_zarr(tmp_path, shape)
    names, origin = SHAPES[shape]
    assert default_axis_names(shape) == names
    doc = json.loads(info(path, "--json"))
    assert doc["axes"] is None and "".join(doc["axis_names"]) == names and doc["axes_origin"] == origin, doc
    line = next(l for l in info(path).splitlines() if l.startswith("axes"))
    assert line.split()[1] == names, line
    assert ("guessed from the shape" in line) == (origin == "shape"), line
    assert ("default names" in line) == (origin == "default"), line


def test_guessed_names_select_planes(tmp_path):
    """--at uses the guessed names: c=1,t=2 of (3, 9, …) is data[1, 2]."""
    path, data = dask_zarr(tmp_path, (3, 9, 10, 32, 24))
    proc = run_vstack("export", path, "--at", "c=1,t=2,z=4", "-o", tmp_path / "p.npy")
    assert proc.returncode == 0, describe(proc)
    assert np.array_equal(np.load(tmp_path / "p.npy"), data[1, 2, 4])


def test_axes_option_overrides_the_guess(tmp_path):
    path, data = dask_zarr(tmp_path, (3, 9, 10, 32, 24))
    doc = json.loads(info(path, "--json", "--axes", "tczyx"))
    assert doc["axes"] == "tczyx" and doc["axes_origin"] == "option"
    line = next(l for l in info(path, "--axes", "tczyx").splitlines() if l.startswith("axes"))
    assert "guessed" not in line and "default" not in line, line
    proc = run_vstack("export", path, "--axes", "tczyx", "--at", "t=1,c=2,z=4", "-o", tmp_path / "p.npy")
    assert proc.returncode == 0, describe(proc)
    assert np.array_equal(np.load(tmp_path / "p.npy"), data[1, 2, 4])


def test_tifffile_shape_without_axes_is_not_called_named(tmp_path):
    """tifffile's {"shape": …} without axes gives the page shape only: info must not say
    'axes from tifffile metadata' beside names vstack chose."""
    path = tmp_path / "shaped.tif"
    tifffile.imwrite(path, np.zeros((3, 5, 16, 12), np.uint16))
    text = info(path)
    assert "axes from tifffile metadata" not in text, text
    assert "page shape from tifffile metadata" in text, text
    assert "czyx" in text and "guessed from the shape" in text, text
    named = tmp_path / "named.tif"
    tifffile.imwrite(named, np.zeros((3, 5, 16, 12), np.uint16), metadata={"axes": "CZYX"})
    text = info(named)
    assert "axes from tifffile metadata" in text and "guessed" not in text and "default names" not in text, text
