"""A plane of a whole-stack chunk without blosc (zarr-python 3's default bytes + zstd,
numcodecs gzip and zlib): vstack streams the chunk up to the plane and keeps only the plane.
The plane must equal zarr-python's, decode to one plane's bytes, and cost about one plane
of memory (the whole chunk is 40 MiB)."""
import json

import numpy as np
import pytest
import zarr

from conftest import FIXTURES, describe, run_vstack

SLAB = FIXTURES / "slab"
CASES = [("v3-bytes-zstd-stack", 17), ("v3-bytes-zstd-stack", 0), ("v2-gzip-stack", 20), ("v2-zlib-stack", 3)]


def export_stats(path, z, out):
    proc = run_vstack("export", path, "--at", f"0={z}", "--stats", "-o", out)
    assert proc.returncode == 0, describe(proc)
    return json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """Peak RSS of exporting a small plane (1 MiB chunk budget): the process's own footprint."""
    out = tmp_path_factory.mktemp("base") / "p.npy"
    return export_stats(SLAB / "v2-blosc-lz4-shuffle.zarr", 0, out)["peak_rss_bytes"]


@pytest.mark.parametrize("name,z", CASES, ids=[f"{n}-{z}" for n, z in CASES])
def test_plane_of_a_stream_compressed_stack(name, z, baseline, tmp_path):
    path = SLAB / f"{name}.zarr"
    out = tmp_path / "plane.npy"
    stats = export_stats(path, z, out)
    want = zarr.open_array(path, mode="r")[z]
    got = np.load(out)
    np.testing.assert_array_equal(got, want)
    assert stats["bytes_decoded"] == want.nbytes, "only the plane is decoded into the cache"
    stored = sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.name.startswith((".", "zarr.json")))
    assert stats["bytes_read"] < stored, "the stream is read up to the plane, not to its end"
    chunk = zarr.open_array(path, mode="r").nbytes
    assert stats["peak_rss_bytes"] - baseline < chunk // 3, (
        f"peak RSS {stats['peak_rss_bytes'] >> 20} MiB, {baseline >> 20} MiB for a small plane; the chunk is {chunk >> 20} MiB")
