#!/usr/bin/env python3
"""A folder of TIFF stacks named the way a microscope writes them.

What it shows: acquisition software often writes one TIFF z-stack per channel
and timepoint, with the indices in the file name, e.g.
`scan_ch1_stack0002_488nm_0012345msec.tif`.  vstack opens the whole folder as
one c,t,z,y,x array from a pattern with `{c}` and `{t}` fields (each matches a
run of digits; `*` matches the rest), reading only the file and page on screen.

Run it:
    python3 demos/tiff_series.py                  # 2 channels x 3 timepoints, then the viewer
    python3 demos/tiff_series.py --dir /tmp/tif   # keep the files in /tmp/tif
    python3 demos/tiff_series.py --headless       # print one frame (c=1, t=2) and exit
"""
import sys

import numpy as np
import tifffile

sys.dont_write_bytecode = True   # write nothing outside --dir, not even demos/__pycache__
from _common import data_dir, open_in_vstack, parser

CHANNELS = {0: "488nm", 1: "561nm"}
TIMEPOINTS = 3
Z, Y, X = 16, 128, 160


def stack(c, t, seed=5):
    """One z-stack: bright beads that drift right over time, one set per channel, plus noise."""
    rng = np.random.default_rng([seed, c])
    z, y, x = np.ogrid[:Z, :Y, :X]
    img = np.zeros((Z, Y, X), np.float32)
    for _ in range(25):
        cz, cy, cx = rng.uniform(0, 1, 3) * (Z, Y, X)
        cx += 6 * t                                   # the drift: scrub t to see it
        img += 3000 * np.exp(-(((z - cz) / 2) ** 2 + ((y - cy) / 5) ** 2 + ((x - cx) / 5) ** 2))
    img += np.random.default_rng([seed, c, t]).normal(200, 20, img.shape)
    return np.clip(img, 0, 65535).astype(np.uint16)


def main():
    args = parser(__doc__).parse_args()
    folder = data_dir(args.dir, "tiff") / "raw"
    folder.mkdir(exist_ok=True)

    # 1. One ImageJ-style TIFF per (channel, timepoint); the names carry the indices and
    #    things vstack must skip over (the laser line, a time stamp).
    for t in range(TIMEPOINTS):
        for c, laser in CHANNELS.items():
            name = f"scan_ch{c}_stack{t:04d}_{laser}_{t * 4200:07d}msec.tif"
            tifffile.imwrite(folder / name, stack(c, t), imagej=True,
                             resolution=(1 / 0.65, 1 / 0.65),        # 0.65 µm pixels
                             metadata={"axes": "ZYX", "spacing": 2.0, "unit": "um"})
    print(f"wrote {len(CHANNELS) * TIMEPOINTS} stacks of {Z}x{Y}x{X} to {folder}", file=sys.stderr, flush=True)

    # 2. The pattern: {c} and {t} become axes; files missing from the grid would read as zeros.
    pattern = str(folder / "scan_ch{c}_stack{t}_*.tif")
    open_in_vstack(args.headless, pattern, "--at", "c=1,t=2")


if __name__ == "__main__":
    main()
