"""No output of vstack, nor of a script it writes, may land on, inside or over an input (issue 27).

For every way vstack writes a file (`export -o`, `render -o`, `export --script dask -o`, the
generated script's own `--output`, `s` in the viewer) and every way an output can overlap an
input (the same path, a path inside it, a directory that holds it; reached directly, through a
symbolic link or through `..`), the command is refused with one line and exit status 2, nothing
is written, and every file of the inputs is byte-identical afterwards. Inputs are written by
zarr-python, tifffile and NumPy; the counted inputs include labels and a TIFF series' files.
"""
import hashlib
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import tifffile
import zarr

from conftest import describe, run_vstack

PYTHON = sys.executable


def tree_digest(path):
    """{relative path: sha256} of every file under `path` (or of the file itself), and the names of
    the directories: a change, an addition or a removal anywhere shows."""
    path = str(path)
    if os.path.isfile(path):
        return {".": hashlib.sha256(open(path, "rb").read()).hexdigest()}
    out = {}
    for root, dirs, files in os.walk(path):
        for d in dirs:
            out[os.path.relpath(os.path.join(root, d), path) + "/"] = "dir"
        for f in files:
            full = os.path.join(root, f)
            out[os.path.relpath(full, path)] = hashlib.sha256(open(full, "rb").read()).hexdigest()
    return out


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """An image Zarr v3 (c=2,z=3,y=32,x=40), a label Zarr v2 of the same y,x, a 2-D .npy, a TIFF file
    and a directory series of 3 TIFFs, and a Zarr nested inside a directory named like an output."""
    root = tmp_path_factory.mktemp("safety")
    rng = np.random.default_rng(3)
    image = rng.integers(0, 4000, (2, 3, 32, 40), dtype=np.uint16)
    z = zarr.create_array(str(root / "image.zarr"), shape=image.shape, chunks=(1, 1, 16, 16), dtype="uint16",
                          dimension_names=["c", "z", "y", "x"])
    z[:] = image
    labels = (rng.integers(0, 5, (32, 40))).astype(np.uint32)
    lz = zarr.create_array(str(root / "labels.zarr"), shape=labels.shape, chunks=(16, 16), dtype="uint32",
                           zarr_format=2)
    lz[:] = labels
    np.save(root / "plane.npy", image[0, 0])
    tifffile.imwrite(root / "stack.tif", image[0], photometric="minisblack")
    (root / "series").mkdir()
    for t in range(3):
        tifffile.imwrite(root / "series" / f"frame_{t:03d}.tif", image[0, t])
    (root / "outer.npy").mkdir()  # a directory named like an output, holding a dataset
    inner = zarr.create_array(str(root / "outer.npy" / "inner.zarr"), shape=(32, 40), chunks=(16, 16), dtype="uint16")
    inner[:] = image[1, 1]
    (root / "outer.zarr").mkdir()
    inner = zarr.create_array(str(root / "outer.zarr" / "inner.zarr"), shape=(32, 40), chunks=(16, 16),
                              dtype="uint16")
    inner[:] = image[1, 2]
    os.symlink(root / "image.zarr", root / "image-link.zarr")
    return root


def refused(proc, *words):
    """Exit 2, one line on stderr naming the problem, nothing on stdout."""
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, describe(proc)
    assert len(lines) == 1, proc.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def unchanged(root, run):
    """Runs `run()` and asserts that nothing under `root` (every input) changed."""
    before = tree_digest(root)
    result = run()
    assert tree_digest(root) == before, "an input changed"
    return result


# (input, extra options, output relative to the fixture root, what the message says)
EXPORT_CASES = [
    ("plane.npy", [], "plane.npy", "over the input"),
    ("stack.tif", ["--at", "z=1"], "stack.tif", "over the input"),
    ("stack.tif", ["--at", "z=0"], "image.zarr/../stack.tif", "over the input"),
    ("image.zarr", ["--at", "c=0,z=1"], "image.zarr/plane.npy", "inside the input"),
    ("image.zarr", ["--at", "c=0,z=1"], "image-link.zarr/plane.npy", "inside the input"),
    ("image.zarr", ["--at", "c=0,z=1"], "image.zarr/c/../plane.tif", "inside the input"),
    ("outer.npy/inner.zarr", [], "outer.npy", "holds the input"),
    ("series", ["--at", "z=1"], "series/frame_003.tif", "inside the input"),
    ("image.zarr", ["--at", "c=0,z=1", "--labels", "{root}/labels.zarr", "--labels-only"], "labels.zarr/x.npy",
     "inside the input"),
]


@pytest.mark.parametrize("source,options,output,message", EXPORT_CASES,
                         ids=[f"{c[0]}->{c[2]}" for c in EXPORT_CASES])
def test_export_refuses_an_output_over_an_input(inputs, source, options, output, message):
    options = [o.format(root=inputs) for o in options]
    proc = unchanged(inputs, lambda: run_vstack("export", inputs / source, *options, "-o", inputs / output))
    refused(proc, message, "-o")


RENDER_CASES = [
    ("plane.npy", [], "plane.npy", "over the input"),
    ("image.zarr", ["--at", "c=0,z=1"], "image.zarr/view.png", "inside the input"),
    ("image.zarr", ["--at", "c=0,z=1"], "image-link.zarr/view.txt", "inside the input"),
    ("image.zarr", ["--at", "c=0,z=1", "--labels", "{root}/labels.zarr"], "labels.zarr/view.png", "inside the input"),
    ("series", ["--at", "z=0"], "series/view.npy", "inside the input"),
]


@pytest.mark.parametrize("source,options,output,message", RENDER_CASES,
                         ids=[f"{c[0]}->{c[2]}" for c in RENDER_CASES])
def test_render_refuses_an_output_over_an_input(inputs, source, options, output, message):
    options = [o.format(root=inputs) for o in options]
    proc = unchanged(inputs, lambda: run_vstack("render", inputs / source, *options, "-o", inputs / output))
    refused(proc, message, "-o")


def test_allowed_outputs_next_to_the_inputs_are_written(inputs, tmp_path):
    """The check is not a blanket refusal: a sibling of an input, or a name that merely starts like
    one (image.zarr-plane.npy), is written."""
    for name in ("image.zarr-plane.npy", "image.zarr.npy"):
        out = inputs.parent / f"{inputs.name}-{name}"
        proc = run_vstack("export", inputs / "image.zarr", "--at", "c=0,z=1", "-o", out)
        assert proc.returncode == 0, describe(proc)
        assert np.load(out).shape == (32, 40)
        out.unlink()
    proc = run_vstack("render", inputs / "image.zarr", "--at", "c=0,z=1", "-o", tmp_path / "v.png")
    assert proc.returncode == 0, describe(proc)


def test_dask_script_path_may_not_be_inside_the_input(inputs):
    proc = unchanged(inputs, lambda: run_vstack("export", inputs / "image.zarr", "--filter", "gaussian(1)",
                                                "--script", "dask", "-o", inputs / "image.zarr" / "job.py"))
    refused(proc, "inside the input", "-o")


@pytest.fixture(scope="module")
def job(inputs, tmp_path_factory):
    """The generated script for image.zarr (and one for outer.zarr/inner.zarr)."""
    folder = tmp_path_factory.mktemp("jobs")
    made = {}
    for name, source in (("image", inputs / "image.zarr"), ("inner", inputs / "outer.zarr" / "inner.zarr")):
        made[name] = folder / f"{name}.py"
        proc = run_vstack("export", source, "--filter", "gaussian(1)", "--script", "dask", "-o", made[name])
        assert proc.returncode == 0, describe(proc)
    return made


def run_job(script, output, *options):
    return subprocess.run([PYTHON, str(script), "--output", str(output), "--local-threads", *options],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("which,output,message", [
    ("image", "image.zarr", "over the input"),
    ("image", "image.zarr/", "over the input"),
    ("image", "image-link.zarr", "over the input"),
    ("image", "image.zarr/result.zarr", "inside the input"),
    ("image", "image.zarr/c/../result.zarr", "inside the input"),
    ("image", "image-link.zarr/result.zarr", "inside the input"),
    ("inner", "outer.zarr", "holds the input"),
])
def test_generated_script_refuses_an_output_over_its_input(inputs, job, which, output, message):
    """The script checks --output itself, before reading or writing anything, even with --overwrite."""
    for options in ((), ("--overwrite",)):
        proc = unchanged(inputs, lambda: run_job(job[which], inputs / output, *options))
        line = refused(proc, message, "--output")
        assert "Traceback" not in proc.stderr, line


def test_generated_script_replaces_an_existing_output_only_with_overwrite(inputs, job, tmp_path):
    out = tmp_path / "result.zarr"
    proc = run_job(job["image"], out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    first = tree_digest(out)
    proc = run_job(job["image"], out)
    refused(proc, "exists", "--overwrite")
    assert tree_digest(out) == first, "a refused run must not touch the existing output"
    proc = run_job(job["image"], out, "--overwrite")
    assert proc.returncode == 0, proc.stderr[-3000:]
    # The result equals vstack export --filter of a plane.
    plane = tmp_path / "plane.npy"
    p = run_vstack("export", inputs / "image.zarr", "--filter", "gaussian(1)", "--at", "c=1,z=2", "-o", plane)
    assert p.returncode == 0, describe(p)
    got = np.asarray(zarr.open_array(str(out), mode="r")[1, 2])
    ref = np.load(plane)
    assert np.allclose(got, ref, atol=1e-3 * float(ref.max() - ref.min()) + 1e-6)


def test_s_in_the_viewer_refuses_to_save_inside_the_dataset(inputs, tmp_path):
    """`s` names its figure in the current directory; started from inside the dataset, it says why
    it cannot save there, writes nothing, and the viewer goes on."""
    import shutil
    if shutil.which("tmux") is None:
        pytest.fail("tmux is installed by make test")
    from test_tui import Session
    before = tree_digest(inputs)
    s = Session([".", "--at", "c=0,z=1"], tmp=tmp_path, cwd=inputs / "image.zarr")
    try:
        s.ready()
        s.keys("s")
        screen = s.wait(lambda x: "save:" in x or "saved " in x, 60, "the save message")
        assert "saved " not in screen, screen
        assert "inside the input" in screen, screen
        s.keys("]")
        s.wait(lambda x: "z 2/3" in x, what="the viewer to go on after the refusal")
        s.keys("q")
        assert s.exit_status() == 0
    finally:
        s.close()
    assert tree_digest(inputs) == before
