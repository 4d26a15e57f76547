#!/usr/bin/env python3
"""From a filter tuned in vstack to a Dask job over the whole volume.

What it shows: the pipeline you settle on in the viewer (here, as if tuned already,
`gaussian(2)|threshold(otsu)`: smooth, then Otsu's threshold of each plane) becomes
a standalone Python script with `vstack export --filter P --script dask -o job.py`.
The script needs no vstack: it reads the Zarr with zarr-python, runs the same
stages with dask-image / scipy / scikit-image on every plane (blocks overlapping
by vstack's halos, so chunk borders leave no seams), and writes a uint8 mask Zarr
with the source's axis names. The demo runs it on a dask.distributed LocalCluster
of 2 workers and opens the mask in vstack.

Run it:
    python3 demos/filters_to_dask.py                 # z=16 y=256 x=256, then the viewer on the mask
    python3 demos/filters_to_dask.py --dir /tmp/fd   # keep the volume, job.py and the mask in /tmp/fd
    python3 demos/filters_to_dask.py --headless      # print one frame of the mask (z=8) and exit
"""
import os
import subprocess
import sys

import numpy as np
import zarr

sys.dont_write_bytecode = True   # write nothing outside --dir, not even demos/__pycache__
from _common import data_dir, open_in_vstack, parser, vstack_bin

PIPELINE = "gaussian(2)|threshold(otsu)"
SHAPE = (16, 256, 256)
CHUNKS = (4, 64, 64)             # smaller than a plane: the filters cross chunk borders


def volume(seed=5):
    """Bright round cells of varied size and brightness on a dim, noisy background (uint16)."""
    rng = np.random.default_rng(seed)
    z, y, x = np.ogrid[:SHAPE[0], :SHAPE[1], :SHAPE[2]]
    out = np.zeros(SHAPE, np.float32)
    for _ in range(40):
        cz, cy, cx = rng.uniform(0, 1, 3) * SHAPE
        r = rng.uniform(6, 16)
        out += rng.uniform(600, 1500) * np.exp(-(((z - cz) * 4) ** 2 + (y - cy) ** 2 + (x - cx) ** 2) / (2 * r * r))
    out += rng.normal(150, 40, SHAPE)
    return np.clip(out, 0, 65535).astype(np.uint16)


def run(args, **kwargs):
    print("$", " ".join(map(str, args)), file=sys.stderr, flush=True)
    subprocess.run(list(map(str, args)), check=True, **kwargs)


def main():
    args = parser(__doc__).parse_args()
    folder = data_dir(args.dir, "filters-to-dask")
    source, job, mask = folder / "volume.zarr", folder / "job.py", folder / "mask.zarr"

    # 1. The data: a small volume, chunked smaller than a plane.
    print(f"writing {SHAPE} uint16 in chunks {CHUNKS} to {source}", file=sys.stderr, flush=True)
    z = zarr.create_array(str(source), shape=SHAPE, chunks=CHUNKS, dtype="uint16",
                          dimension_names=["z", "y", "x"], overwrite=True)
    z[:] = volume()

    # 2. The pipeline, tuned in the viewer: `vstack view volume.zarr --filter 'gaussian(2)|threshold(otsu)'`
    #    (( ) step sigma, 1-9 toggle stages). One plane's Otsu threshold, as the status line shows it:
    run([vstack_bin(), "export", source, "--filter", PIPELINE, "--at", "z=8", "--stats", "-o", folder / "plane.npy"])

    # 3. The same pipeline as a Dask job over every plane.
    run([vstack_bin(), "export", source, "--filter", PIPELINE, "--script", "dask", "-o", job])

    # 4. Run it on a LocalCluster of 2 workers; dask's scratch space stays in the folder too.
    env = dict(os.environ, DASK_TEMPORARY_DIRECTORY=str(folder / "dask-scratch"), PYTHONDONTWRITEBYTECODE="1")
    run([sys.executable, job, "--output", mask, "--workers", "2"], env=env, stdout=sys.stderr)

    # 5. The mask, in vstack.
    open_in_vstack(args.headless, str(mask), "--at", "z=8")


if __name__ == "__main__":
    main()
