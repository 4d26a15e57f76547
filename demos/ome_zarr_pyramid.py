#!/usr/bin/env python3
"""An OME-Zarr pyramid with channel names, physical scales and a segmentation.

What it shows: what a typical analysis pipeline hands you -- an OME-Zarr image
written by ome-zarr-py (`write_image`): 3 channels, a z-stack and two coarser
levels, pixel sizes in micrometres, `omero` channel names and colours -- plus a
label image (`write_labels`) that segments the nuclei into integer ids.  vstack
reads the names, colours and scales from the metadata and draws the labels over
the image with `--labels nuclei`.

Run it:
    python3 demos/ome_zarr_pyramid.py                 # write, then open the viewer (L cycles labels)
    python3 demos/ome_zarr_pyramid.py --dir /tmp/ome  # keep the data in /tmp/ome
    python3 demos/ome_zarr_pyramid.py --headless      # print one frame with the labels and exit
"""
import sys

import numpy as np
import zarr
from ome_zarr.io import parse_url
from ome_zarr.writer import write_image, write_labels

sys.dont_write_bytecode = True   # write nothing outside --dir, not even demos/__pycache__
from _common import data_dir, open_in_vstack, parser

SHAPE = (3, 24, 256, 256)                       # c, z, y, x
PIXEL_UM = {"c": 1.0, "z": 1.0, "y": 0.4, "x": 0.4}   # a 1 µm z step over 0.4 µm pixels


def cells(seed=3, n=60):
    """The three channels and the nuclei's label image (numpy only, deterministic).

    Each cell is an ellipsoid: channel 0 (DAPI) is its bright nucleus, channel 1
    (GFP) a shell around it, channel 2 (mCherry) a spot in a third of the cells.
    The label image gives every nucleus its own id 1..n, 0 is background."""
    rng = np.random.default_rng(seed)
    _, nz, ny, nx = SHAPE
    z, y, x = np.ogrid[:nz, :ny, :nx]
    image = np.zeros(SHAPE, np.float32)
    labels = np.zeros(SHAPE[1:], np.uint16)
    for cell_id in range(1, n + 1):
        cz, cy, cx = rng.uniform(0.15, 0.85, 3) * (nz, ny, nx)
        r = rng.uniform(10, 20)                 # radius in y/x pixels; z pixels are 2.5x longer
        d = np.sqrt(((z - cz) * 2.5 / r) ** 2 + ((y - cy) / r) ** 2 + ((x - cx) / r) ** 2)
        nucleus = d < 1
        labels[nucleus & (labels == 0)] = cell_id
        image[0] += 2000 * np.exp(-2 * d ** 2)
        image[1] += 1200 * np.exp(-((d - 1.4) / 0.25) ** 2)
        if cell_id % 3 == 0:
            image[2] += 3000 * np.exp(-8 * d ** 2)
    image += rng.normal(120, 15, SHAPE)
    return np.clip(image, 0, 65535).astype(np.uint16), labels


def main():
    args = parser(__doc__).parse_args()
    path = data_dir(args.dir, "ome") / "cells.ome.zarr"
    image, labels = cells()

    # 1. An OME-Zarr group; ome-zarr-py's default format (0.5 on zarr-python 3) picks the Zarr version.
    group = zarr.open_group(parse_url(str(path), mode="w").store, mode="w")

    # 2. The image: 3 levels (y/x halved twice), physical pixel sizes and units, channel metadata.
    omero = {"channels": [
        {"label": "DAPI", "color": "0000FF", "window": {"start": 100, "end": 2200, "min": 0, "max": 65535}},
        {"label": "GFP", "color": "00FF00", "window": {"start": 100, "end": 1400, "min": 0, "max": 65535}},
        {"label": "mCherry", "color": "FF00FF", "window": {"start": 100, "end": 3000, "min": 0, "max": 65535}},
    ]}
    write_image(image, group=group, axes="czyx", scale_factors=[2, 4],
                scale=PIXEL_UM, axes_units={"z": "micrometer", "y": "micrometer", "x": "micrometer"},
                storage_options={"chunks": (1, 8, 128, 128)}, omero=omero)

    # 3. The segmentation, under labels/nuclei, with the same pyramid and scales (no channel axis).
    write_labels(labels, group=group, name="nuclei", axes="zyx", scale_factors=[2, 4],
                 scale={k: PIXEL_UM[k] for k in "zyx"},
                 axes_units={"z": "micrometer", "y": "micrometer", "x": "micrometer"})
    print(f"wrote {path}: image {SHAPE} uint16, labels/nuclei with {labels.max()} nuclei", file=sys.stderr, flush=True)

    # 4. Open it: all channels blended with their omero colours, the nuclei drawn as outlines.
    open_in_vstack(args.headless, str(path), "--composite", "--labels", "nuclei", "--label-mode", "outline")


if __name__ == "__main__":
    main()
