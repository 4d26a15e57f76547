#!/usr/bin/env python3
"""Light-sheet time-lapse written by dask, opened with vstack.

What it shows: the layout most light-sheet labs end up with -- a 5-D array
(c, t, z, y, x) of uint16, computed lazily by dask and written with
`da.to_zarr`, one whole z-stack per chunk (1, 1, z, y, x), compressed with
blosc zstd + bitshuffle.  vstack opens it without reading more than the plane
on screen, and names the unnamed axes c,t,z,y,x from the shape.

Run it:
    python3 demos/lightsheet_dask.py                 # c=2 t=4 z=64 y=512 x=512, then the viewer
    python3 demos/lightsheet_dask.py --dir /tmp/ls   # keep the data in /tmp/ls
    python3 demos/lightsheet_dask.py --headless      # print one frame (middle z) and exit
    python3 demos/lightsheet_dask.py --full          # c=3 t=199 z=201 y=1024 x=768: 188 GB!
"""
import sys

import numpy as np
import dask.array as da
import zarr

sys.dont_write_bytecode = True   # write nothing outside --dir, not even demos/__pycache__
from _common import data_dir, open_in_vstack, parser

SMALL = dict(c=2, t=4, z=64, y=512, x=512)
FULL = dict(c=3, t=199, z=201, y=1024, x=768)    # the real thing: 188 GB uncompressed


def stack(block_id, shape, seed=17):
    """One (1, 1, z, y, x) stack: a few dozen smooth Gaussian blobs plus camera noise.

    Each (c, t) stack has its own deterministic random generator, so the data is
    the same on every run and every dask worker.  The blobs drift a little with t
    so scrubbing through time shows motion."""
    c, t = block_id[0], block_id[1]
    _, _, nz, ny, nx = shape
    rng = np.random.default_rng([seed, c])           # blob positions: per channel
    out = np.zeros((nz, ny, nx), np.float32)
    for _ in range(60):
        centre = rng.uniform(0, 1, 3) * (nz, ny, nx) + np.array([0, 3.0, 2.0]) * t
        sigma = rng.uniform(4, 12) * np.array([0.5, 1, 1]) * (ny / 256)   # flatter in z
        lo = np.maximum((centre - 3 * sigma).astype(int), 0)
        hi = np.minimum((centre + 3 * sigma).astype(int) + 1, (nz, ny, nx))
        if np.any(hi <= lo):
            continue
        # a separable Gaussian evaluated only inside its +-3 sigma box: cheap
        g = [np.exp(-0.5 * ((np.arange(lo[i], hi[i]) - centre[i]) / sigma[i]) ** 2) for i in range(3)]
        out[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] += (
            rng.uniform(800, 3000) * g[0][:, None, None] * g[1][None, :, None] * g[2][None, None, :])
    noise = np.random.default_rng([seed, c, t]).normal(100, 8, out.shape).astype(np.float32)
    return np.clip(out + noise, 0, 65535).astype(np.uint16)[None, None]


def main():
    p = parser(__doc__)
    p.add_argument("--full", action="store_true", help="c=3 t=199 z=201 y=1024 x=768 (188 GB; takes hours)")
    args = p.parse_args()
    dims = FULL if args.full else SMALL
    shape = tuple(dims[k] for k in "ctzyx")
    chunks = (1, 1, dims["z"], dims["y"], dims["x"])    # one whole z-stack per chunk

    # 1. A lazy dask array: nothing is computed until to_zarr asks for it, chunk by chunk.
    image = da.map_blocks(lambda block_id=None: stack(block_id, shape), dtype=np.uint16,
                          chunks=tuple((n,) * (s // n) for s, n in zip(shape, chunks)))

    # 2. Write it.  zarr-python 3 writes Zarr v3 (codecs), zarr-python 2 writes v2 (compressor).
    out = data_dir(args.dir, "lightsheet") / "lightsheet.zarr"
    if zarr.__version__.startswith("2"):
        from numcodecs import Blosc
        codec = dict(compressor=Blosc(cname="zstd", clevel=3, shuffle=Blosc.BITSHUFFLE))
    else:
        from zarr.codecs import BloscCodec
        codec = dict(compressors=[BloscCodec(cname="zstd", clevel=3, shuffle="bitshuffle")])
    print(f"writing {shape} uint16 in chunks {chunks} to {out}", file=sys.stderr, flush=True)
    da.to_zarr(image, str(out), overwrite=True, **codec)

    # 3. Look at it: the middle z of the first channel and timepoint (the default is the middle).
    open_in_vstack(args.headless, str(out), "--at", f"c=0,t=0,z={dims['z'] // 2}")


if __name__ == "__main__":
    main()
