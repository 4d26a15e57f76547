"""`vstack export PATH --filter P --script dask -o job.py` (docs/OPERATORS.md, "Scaling out with Dask").

The generated script is run on small zarr-python / tifffile fixtures whose chunks are smaller
than a plane (so chunk borders fall inside every plane), and each plane of the Zarr it writes is
compared with `vstack export --filter P --at ...` of that plane: within test_filters.py's
tolerance (1e-3 x the range) for the floating-point operators, exactly for morphology, masks,
point operations on integers and projections. Every operator of `vstack operators` appears in at
least one pipeline. Most runs use `--local-threads` (dask's threads, quick); two use the default
LocalCluster (`--workers 2`), and one a real `dask scheduler` + `dask worker` on loopback.
Sources: Zarr v3 and v2, OME-Zarr 0.4 and 0.5, a tiled TIFF and an HDF5 dataset.
"""
import json
import os
import py_compile
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import scipy.ndimage as ndi
import tifffile
import zarr

from conftest import describe, run_vstack

PYTHON = sys.executable

# (pipeline, exact?, how the script runs). Together they cover every operator.
PIPELINES = [
    ("gaussian(2)|threshold(otsu)", True, "cluster"),
    ("median(3)|sobel", False, "threads"),
    ("uniform(5)|log(1.5)", False, "threads"),
    ("minimum(3)|maximum(size=(2,5))|laplace", False, "threads"),
    ("dog(1,3)", False, "threads"),
    ("unsharp(2,1.5)", False, "threads"),
    ("threshold(1500)|erode(3)|dilate(3)|open(3)|close(4)", True, "threads"),
    ("threshold(local,block=15,offset=-5)", True, "threads"),
    ("tophat(9)", True, "threads"),
    ("invert|gamma(0.5)", False, "threads"),
    ("clip(900,2500)|logscale", False, "threads"),
    ("deconvolve(1.5,5)", False, "threads"),
    ("mip(3)", True, "cluster"),
    ("mip(4)|gaussian(sigma=(1,2,2))", False, "threads"),
    ("median(size=(3,3,3))|dilate(4)", True, "threads"),
]
# Planes compared (c, z): both edges of z, and planes next to the z chunk borders (chunks of 2).
PLANES = [(0, 0), (0, 2), (1, 3), (1, 5)]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A c=2,z=6,y=64,x=80 uint16 Zarr v3 (chunks 1,2,24,32) of blurred spots on Poisson noise."""
    root = tmp_path_factory.mktemp("dask-script")
    rng = np.random.default_rng(7)
    a = rng.poisson(200, (2, 6, 64, 80)).astype(np.float32)
    for _ in range(14):
        a[rng.integers(0, 2), rng.integers(0, 6), rng.integers(0, 64), rng.integers(0, 80)] += 40000
    a = ndi.gaussian_filter(a, (0, 1, 3, 3)) * 4 + rng.poisson(100, a.shape)
    a = np.clip(a, 0, 65535).astype(np.uint16)
    z = zarr.create_array(str(root / "src.zarr"), shape=a.shape, chunks=(1, 2, 24, 32), dtype="uint16",
                          dimension_names=["c", "z", "y", "x"])
    z[:] = a
    return root, a


def script(source, pipeline, out_py, *extra):
    args = ["export", source]
    if pipeline:
        args += ["--filter", pipeline]
    p = run_vstack(*args, *extra, "--script", "dask", "-o", out_py)
    assert p.returncode == 0, describe(p)
    py_compile.compile(str(out_py), cfile=str(out_py) + "c", doraise=True)
    text = out_py.read_text()
    assert text.startswith("#!/usr/bin/env python3\n")
    assert "vstack" not in [line.split()[1] for line in text.splitlines() if line.startswith(("import ", "from "))]
    return text


def run_script(job, output, *options, timeout=120):
    t0 = time.monotonic()
    p = subprocess.run([PYTHON, str(job), "--output", str(output), *options], capture_output=True, text=True,
                       timeout=timeout)
    assert p.returncode == 0, f"exit {p.returncode}\n{p.stderr[-4000:]}"
    return time.monotonic() - t0, p


def vstack_plane(source, pipeline, at, tmp_path):
    out = tmp_path / "plane.npy"
    p = run_vstack("export", source, "--filter", pipeline, "--at", at, "-o", out)
    assert p.returncode == 0, describe(p)
    return np.load(out)


def compare(out, ref, exact, what):
    assert out.shape == ref.shape, f"{what}: shape {out.shape} != {ref.shape}"
    assert out.dtype == ref.dtype, f"{what}: dtype {out.dtype} != vstack's {ref.dtype}"
    diff = np.abs(out.astype(np.float64) - ref.astype(np.float64))
    worst = np.unravel_index(np.argmax(diff), diff.shape)
    if exact:
        assert int((diff > 0).sum()) == 0, f"{what}: {(diff > 0).sum()} pixels differ, e.g. at {worst}: {out[worst]} vs {ref[worst]}"
    else:
        span = float(ref.max() - ref.min()) or 1.0
        assert diff.max() <= 1e-3 * span, f"{what}: max error {diff.max():.4g} > 1e-3 x {span:.4g} at {worst}"


@pytest.mark.parametrize("pipeline,exact,how", PIPELINES, ids=[p[0] for p in PIPELINES])
def test_round_trip_equals_vstack_export(pipeline, exact, how, data, tmp_path):
    root, a = data
    source = root / "src.zarr"
    job = tmp_path / "job.py"
    script(source, pipeline, job)
    options = ["--workers", "2"] if how == "cluster" else ["--local-threads"]
    seconds, proc = run_script(job, tmp_path / "out.zarr", *options)
    out = zarr.open_array(str(tmp_path / "out.zarr"), mode="r")
    assert out.shape == a.shape
    assert list(out.metadata.dimension_names) == ["c", "z", "y", "x"]
    assert out.chunks == (1, 2, 24, 32)
    result = out[:]
    for c, z in PLANES:
        ref = vstack_plane(source, pipeline, f"c={c},z={z}", tmp_path)
        compare(result[c, z], ref, exact, f"{pipeline} at c={c},z={z} ({how}, {seconds:.1f}s)")
    if how == "cluster":
        assert "100% Completed" in proc.stdout, proc.stdout[-500:]   # distributed.progress


def test_every_operator_is_covered():
    p = run_vstack("operators")
    names = [line.split("(")[0].split()[0] for line in p.stdout.splitlines() if line and not line.startswith("A pipeline")]
    used = {stage.split("(")[0] for pipeline, _, _ in PIPELINES for stage in pipeline.split("|")}
    assert set(names) <= used, f"not covered: {set(names) - used}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_runs_on_a_dask_scheduler(data, tmp_path):
    """--scheduler: a dask scheduler and one worker started here on a free loopback port."""
    root, a = data
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    scheduler = subprocess.Popen([PYTHON, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    worker = None
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the dask scheduler did not start"
                time.sleep(0.2)
        worker = subprocess.Popen([PYTHON, "-m", "distributed.cli.dask_worker", address, "--nthreads", "2",
                                   "--no-dashboard", "--host", "127.0.0.1"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tmp_path)
        pipeline = "gaussian(sigma=(1,2,2))|threshold(otsu)|open(3)"
        job = tmp_path / "job.py"
        script(root / "src.zarr", pipeline, job)
        run_script(job, tmp_path / "out.zarr", "--scheduler", address)
        result = zarr.open_array(str(tmp_path / "out.zarr"), mode="r")[:]
        for c, z in PLANES[1:3]:
            compare(result[c, z], vstack_plane(root / "src.zarr", pipeline, f"c={c},z={z}", tmp_path), True,
                    f"{pipeline} at c={c},z={z} on {address}")
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
        for proc in (worker, scheduler):
            if proc is not None:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()


def test_output_opens_in_vstack(data, tmp_path):
    root, _ = data
    job = tmp_path / "job.py"
    script(root / "src.zarr", "gaussian(1)", job)
    run_script(job, tmp_path / "out.zarr", "--local-threads")
    p = run_vstack("info", tmp_path / "out.zarr", "--json")
    assert p.returncode == 0, describe(p)
    info = json.loads(p.stdout)
    assert info["shape"] == [2, 6, 64, 80] and info["dtype"] == "float32", info
    assert info["axes"] == ["c", "z", "y", "x"] or "czyx" in p.stdout, info


def test_zarr_v2_source_keeps_array_dimensions_and_rechunks(tmp_path):
    a = (np.arange(5 * 48 * 56) % 997).astype(np.uint16).reshape(5, 48, 56)
    src = zarr.create_array(str(tmp_path / "v2.zarr"), shape=a.shape, chunks=(2, 16, 24), dtype="uint16", zarr_format=2)
    src[:] = a
    src.attrs["_ARRAY_DIMENSIONS"] = ["z", "y", "x"]
    job = tmp_path / "job.py"
    script(tmp_path / "v2.zarr", "median(3)", job)
    run_script(job, tmp_path / "out.zarr", "--local-threads", "--chunks", "1,48,20")
    out = zarr.open_array(str(tmp_path / "out.zarr"), mode="r")
    assert out.metadata.zarr_format == 2
    assert out.attrs["_ARRAY_DIMENSIONS"] == ["z", "y", "x"]
    assert out.chunks == (1, 48, 20)
    compare(out[3], vstack_plane(tmp_path / "v2.zarr", "median(3)", "z=3", tmp_path), True, "median(3) on v2")


def test_without_filter_copies_in_the_source_dtype(tmp_path, data):
    root, a = data
    job = tmp_path / "job.py"
    text = script(root / "src.zarr", None, job)
    assert "def pipeline(x)" in text
    run_script(job, tmp_path / "out.zarr", "--local-threads", "--chunks", "1,6,-1,-1")
    out = zarr.open_array(str(tmp_path / "out.zarr"), mode="r")
    assert out.dtype == np.uint16 and out.chunks == (1, 6, 64, 80)
    assert np.array_equal(out[:], a)


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_ome_zarr_source_gives_a_one_level_ome_zarr(version, tmp_path):
    """Level 0 of an OME-Zarr (0.4 in Zarr v2, 0.5 in v3) is read; the output is a one-level image with its scales."""
    a = (np.random.default_rng(1).random((4, 40, 48)) * 3000).astype(np.uint16)
    fmt = 2 if version == "0.4" else 3
    group = zarr.open_group(str(tmp_path / "img.ome.zarr"), mode="w", zarr_format=fmt)
    axes = [{"name": "z", "type": "space", "unit": "micrometer"}, {"name": "y", "type": "space", "unit": "micrometer"},
            {"name": "x", "type": "space", "unit": "micrometer"}]
    datasets = []
    for level, step in enumerate((1, 2)):
        arr = a[:, ::step, ::step]
        names = {"dimension_names": ["z", "y", "x"]} if fmt == 3 else {}
        z = group.create_array(str(level), shape=arr.shape, chunks=(1, 16, 16), dtype="uint16", **names)
        z[:] = arr
        datasets.append({"path": str(level), "coordinateTransformations": [{"type": "scale", "scale": [2.0, 0.5 * step, 0.5 * step]}]})
    multiscale = {"axes": axes, "datasets": datasets, "name": "img"}
    if fmt == 2:
        group.attrs["multiscales"] = [dict(multiscale, version="0.4")]
    else:
        group.attrs["ome"] = {"version": "0.5", "multiscales": [multiscale]}
    job = tmp_path / "job.py"
    script(tmp_path / "img.ome.zarr", "gaussian(1.5)", job)
    run_script(job, tmp_path / "out.zarr", "--local-threads")
    out = zarr.open_group(str(tmp_path / "out.zarr"), mode="r")
    attrs = dict(out.attrs)
    ms = (attrs["ome"] if fmt == 3 else attrs)["multiscales"]
    assert len(ms) == 1 and [d["path"] for d in ms[0]["datasets"]] == ["0"]
    assert ms[0]["datasets"][0]["coordinateTransformations"] == datasets[0]["coordinateTransformations"]
    assert [ax["name"] for ax in ms[0]["axes"]] == ["z", "y", "x"]
    assert out["0"].shape == a.shape
    p = run_vstack("info", tmp_path / "out.zarr")
    assert p.returncode == 0 and "ome-zarr" in p.stdout, describe(p)
    compare(out["0"][2], vstack_plane(tmp_path / "img.ome.zarr", "gaussian(1.5)", "z=2", tmp_path), False, "OME level 0")


def test_tiff_source(tmp_path):
    a = (np.random.default_rng(2).random((5, 64, 64)) * 4000).astype(np.uint16)
    tifffile.imwrite(tmp_path / "stack.tif", a, tile=(32, 32), photometric="minisblack", metadata={"axes": "ZYX"})
    job = tmp_path / "job.py"
    text = script(tmp_path / "stack.tif", "tophat(5)", job)
    assert 'READER = "tiff"' in text
    run_script(job, tmp_path / "out.zarr", "--local-threads")
    out = zarr.open_array(str(tmp_path / "out.zarr"), mode="r")
    compare(out[1], vstack_plane(tmp_path / "stack.tif", "tophat(5)", "0=1", tmp_path), True, "tophat on TIFF")


def test_hdf5_source(tmp_path):
    """An HDF5 dataset inside a group (big-endian, chunked): each task opens the file with h5py itself."""
    import h5py
    a = (np.random.default_rng(3).random((4, 50, 60)) * 3000).astype(">u2")
    with h5py.File(tmp_path / "t.h5", "w") as f:
        f.create_dataset("grp/raw", data=a, chunks=(1, 16, 16))
    job = tmp_path / "job.py"
    text = script(f"{tmp_path}/t.h5/grp/raw", "median(3)|sobel", job)
    assert 'READER = "hdf5"' in text and 'DATASET = "/grp/raw"' in text
    run_script(job, tmp_path / "out.zarr", "--local-threads")
    out = zarr.open_array(str(tmp_path / "out.zarr"), mode="r")
    compare(out[2], vstack_plane(f"{tmp_path}/t.h5/grp/raw", "median(3)|sobel", "z=2", tmp_path), False, "HDF5")


def test_display_and_tuples_follow_the_view(tmp_path):
    """--display z,x: the stages work on z,x planes, 3-D stages along y, a (z,y,x) tuple by the axes' names."""
    a = (np.random.default_rng(4).random((20, 40, 30)) * 1000).astype(np.uint16)
    z = zarr.create_array(str(tmp_path / "s.zarr"), shape=a.shape, chunks=(8, 16, 16), dtype="uint16",
                          dimension_names=["z", "y", "x"])
    z[:] = a
    pipeline = "gaussian(sigma=(1,2,3))|sobel"
    job = tmp_path / "job.py"
    text = script(tmp_path / "s.zarr", pipeline, job, "--display", "z,x")
    assert "ROW_AXIS, COL_AXIS = 0, 2" in text and "DEPTH_AXIS = 1" in text and "--display z,x --at" in text
    run_script(job, tmp_path / "out.zarr", "--local-threads")
    out = zarr.open_array(str(tmp_path / "out.zarr"), mode="r")
    for y in (0, 7, 39):
        ref = vstack_plane_with(tmp_path / "s.zarr", pipeline, tmp_path, "--display", "z,x", "--at", f"y={y}")
        compare(out[:, y, :], ref, False, f"{pipeline} --display z,x at y={y}")


def vstack_plane_with(source, pipeline, tmp_path, *options):
    out = tmp_path / "plane.npy"
    p = run_vstack("export", source, "--filter", pipeline, *options, "-o", out)
    assert p.returncode == 0, describe(p)
    return np.load(out)


def test_dask_reflect_is_scipy_reflect():
    """The comment in the script: dask's boundary='reflect' repeats the edge pixel (numpy's
    'symmetric'), which is scipy.ndimage's mode='reflect'; the script still uses 'none'."""
    import dask.array as da
    x = np.arange(10.0)
    padded = da.overlap.overlap(da.from_array(x, chunks=5), depth={0: 3}, boundary={0: "reflect"}).compute()
    assert np.array_equal(padded[:3], np.pad(x, 3, mode="symmetric")[:3])
    assert np.array_equal(padded[-3:], np.pad(x, 3, mode="symmetric")[-3:])
    k = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    assert np.allclose(ndi.correlate1d(x, k, mode="reflect"),
                       np.correlate(np.pad(x, 3, mode="symmetric"), k, mode="valid"))


def test_refusals(data, tmp_path):
    root, _ = data
    np.save(tmp_path / "a.npy", np.zeros((8, 8, 8), np.uint16))
    np.save(tmp_path / "plane.npy", np.zeros((8, 8), np.uint16))
    cases = [
        (["export", root / "src.zarr", "--filter", "gaussian(1)", "--script", "dask", "-o", tmp_path / "job.txt"], ".py"),
        (["export", tmp_path / "a.npy", "--script", "dask", "-o", tmp_path / "job.py"], "reads Zarr (v2, v3, OME-Zarr), N5, TIFF (files and series) and HDF5"),
        (["export", root / "src.zarr", "--script", "dask", "--region", "0:8,0:8", "-o", tmp_path / "job.py"], "whole planes"),
        (["export", root / "src.zarr", "--script", "dask", "--at", "y=3", "-o", tmp_path / "job.py"], "y is drawn"),
        (["export", root / "src.zarr", "--script", "dask", "--at", "z=4:9", "-o", tmp_path / "job.py"], "not a non-empty range inside 0:6"),
        (["export", root / "src.zarr", "--script", "python", "-o", tmp_path / "job.py"], "only script is dask"),
    ]
    for args, message in cases:
        p = run_vstack(*args)
        assert p.returncode != 0 and message in p.stderr, describe(p)
        assert len(p.stderr.strip().splitlines()) <= 3, p.stderr
    # A 3-D stage on a 2-D array: no third axis (a zarr, so the reader is accepted first).
    z = zarr.create_array(str(tmp_path / "plane.zarr"), shape=(16, 16), chunks=(8, 8), dtype="uint16")
    z[:] = 1
    p = run_vstack("export", tmp_path / "plane.zarr", "--filter", "mip(3)", "--script", "dask", "-o", tmp_path / "job.py")
    assert p.returncode != 0 and "third axis" in p.stderr, describe(p)
    assert not (tmp_path / "job.py").exists()


def test_script_checks_the_packages_it_needs_first(data, tmp_path):
    """A Python whose zarr is 2.x (its metadata first on the path), or that lacks dask-image: the
    script stops before importing anything, with one line naming the package, the version it needs
    and the pip command; nothing is written."""
    root, _ = data
    job = tmp_path / "job.py"
    script(root / "src.zarr", "gaussian(2)|threshold(otsu)", job)
    fake = tmp_path / "site"
    (fake / "zarr-2.18.3.dist-info").mkdir(parents=True)
    (fake / "zarr-2.18.3.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: zarr\nVersion: 2.18.3\n")
    env = dict(os.environ, PYTHONPATH=str(fake))
    out = tmp_path / "out.zarr"
    p = subprocess.run([PYTHON, str(job), "--output", str(out), "--local-threads"], capture_output=True, text=True,
                       env=env, timeout=120)
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 1 and len(lines) == 1, p.stderr
    assert "zarr>=3.0 (found 2.18.3)" in lines[0] and "pip install 'zarr>=3.0'" in lines[0], lines[0]
    assert not out.exists()
    # A missing package: the generated REQUIRES lists dask-image for this pipeline; ask for a name
    # no Python has to see the "missing" line (the same code path).
    text = job.read_text()
    assert '"dask-image": None,' in text and '"scikit-image": None,' in text and '"zarr": "3.0",' in text
    job2 = tmp_path / "job2.py"
    job2.write_text(text.replace('"dask-image": None,', '"dask-image-not-installed": None,'))
    p = subprocess.run([PYTHON, str(job2), "--output", str(out), "--local-threads"], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 1 and "dask-image-not-installed (missing)" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not out.exists()


def _series(tmp_path):
    """A light-sheet series as tifffile writes it: 2 channels x 3 time points, each file a z,y,x stack."""
    import tifffile
    d = tmp_path / "raw"
    d.mkdir()
    rng = np.random.default_rng(11)
    a = ndi.gaussian_filter(rng.poisson(300, (2, 3, 5, 40, 48)).astype(np.float32), (0, 0, 0, 2, 2)) * 3
    a = a.astype(np.uint16)
    for c in range(2):
        for t in range(3):
            tifffile.imwrite(d / f"emb_ch{c}_cam1_stack{t:04d}_x.tif", a[c, t], photometric="minisblack")
    return d, a


@pytest.mark.parametrize("how", ["pattern", "directory"])
def test_tiff_series_source(how, tmp_path):
    """A TIFF series opened by pattern (c and t from the names) or as a directory (one axis of
    files): the script opens the same files in the same order on the same axes."""
    d, a = _series(tmp_path)
    source = f"{d}/emb_ch{{c}}_cam1_stack{{t}}_x.tif" if how == "pattern" else str(d)
    job = tmp_path / "job.py"
    pipeline = "gaussian(1.5)|threshold(otsu)"
    text = script(source, pipeline, job)
    assert 'READER = "tiffseries"' in text and text.count("_x.tif\",") == 6
    run_script(job, tmp_path / "out.zarr", "--local-threads")
    out = zarr.open_array(str(tmp_path / "out.zarr"), mode="r")
    expected_shape = a.shape if how == "pattern" else (6, 5, 40, 48)
    assert out.shape == expected_shape
    planes = ([("c=1,t=2,z=3", (1, 2, 3)), ("c=0,t=0,z=0", (0, 0, 0))] if how == "pattern"
              else [("0=5,z=3", (5, 3)), ("0=0,z=0", (0, 0))])
    for at, index in planes:
        compare(out[index], vstack_plane(source, pipeline, at, tmp_path), True, f"{how} at {at}")


def test_n5_source(tmp_path):
    """An N5 dataset written by tensorstore's n5 driver: the script reads it with tensorstore."""
    import tensorstore as ts
    a = (np.random.default_rng(5).random((4, 30, 36)) * 2000).astype(np.uint16)
    store = ts.open({"driver": "n5", "kvstore": {"driver": "file", "path": str(tmp_path / "d.n5")},
                     "metadata": {"dimensions": list(a.shape[::-1]), "blockSize": [16, 16, 2], "dataType": "uint16",
                                  "compression": {"type": "gzip"}}, "create": True}).result()
    store.write(a.transpose()).result()
    job = tmp_path / "job.py"
    text = script(tmp_path / "d.n5", "median(3)|sobel", job)
    assert 'READER = "n5"' in text
    run_script(job, tmp_path / "out.zarr", "--local-threads")
    out = zarr.open_array(str(tmp_path / "out.zarr"), mode="r")
    assert out.shape == (4, 30, 36)
    for z in (0, 3):
        compare(out[z], vstack_plane(tmp_path / "d.n5", "median(3)|sobel", f"z={z}", tmp_path), False, f"N5 z={z}")


def test_at_processes_only_the_subset(tmp_path):
    """--at c=1,t=0:2: the output holds channel 1 and time points 0 and 1, each plane equal to
    vstack export of it (3-D stages read past the subset's edge as vstack does)."""
    d, a = _series(tmp_path)
    source = f"{d}/emb_ch{{c}}_cam1_stack{{t}}_x.tif"
    for pipeline, exact in (("gaussian(1.5)|threshold(otsu)", True), ("gaussian(sigma=(1,1,1))", False)):
        job = tmp_path / "job.py"
        text = script(source, pipeline, job, "--at", "c=1,t=0:2")
        assert "SUBSET = (slice(1, 2), slice(0, 2), slice(None), slice(None), slice(None))" in text
        out_path = tmp_path / "out.zarr"
        run_script(job, out_path, "--local-threads", "--overwrite")
        out = zarr.open_array(str(out_path), mode="r")
        assert out.shape == (1, 2, 5, 40, 48), out.shape
        for t in (0, 1):
            for z in (0, 4):
                compare(out[0, t, z], vstack_plane(source, pipeline, f"c=1,t={t},z={z}", tmp_path), exact,
                        f"{pipeline} t={t} z={z}")
