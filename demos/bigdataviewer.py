#!/usr/bin/env python3
"""A BigDataViewer / BigStitcher dataset: an XML beside an HDF5 file, as Fiji writes it.

What it shows: BigStitcher and BigDataViewer store light-sheet data as
`dataset.xml` (views, timepoints, voxel sizes) plus `dataset.h5`, where every
view (setup) and timepoint is a multiscale pyramid of gzip-chunked blocks:
`t00000/s00/0/cells` is full resolution, `s00/resolutions` and
`s00/subdivisions` give each level's factors and chunks. uint16 data is stored
as int16 (HDF5 has no unsigned 16-bit in BDV's writer). vstack opens the XML:
setups become the channel axis `c`, timepoints `t`, the levels a pyramid, the
voxel size the scales; the zoom picks the level, as BigDataViewer does.

The files are written here with h5py by the published layout (bdv-core's
Hdf5ImageLoader), the layout Fiji's "Export Current Image as XML/HDF5" writes.

Run it:
    python3 demos/bigdataviewer.py                  # 2 setups x 3 timepoints x 3 levels, then the viewer
    python3 demos/bigdataviewer.py --dir /tmp/bdv   # keep the files in /tmp/bdv
    python3 demos/bigdataviewer.py --headless       # print one frame (setup 1, t=2) and exit
"""
import sys

import h5py
import numpy as np

sys.dont_write_bytecode = True   # write nothing outside --dir, not even demos/__pycache__
from _common import data_dir, open_in_vstack, parser

SETUPS = {0: "488nm nuclei", 1: "561nm membranes"}
TIMEPOINTS = 3
X, Y, Z = 256, 192, 32                     # BDV sizes are xyz
VOXEL = (0.4, 0.4, 2.0)                    # µm, xyz
RESOLUTIONS = [(1, 1, 1), (2, 2, 1), (4, 4, 2)]       # per level, xyz factors
SUBDIVISIONS = [(64, 64, 8), (64, 64, 8), (32, 32, 8)]  # per level, xyz block sizes


def volume(setup, t):
    """One view at one time: nuclei (setup 0) or their outlines (setup 1) drifting in x with t."""
    rng = np.random.default_rng(11)
    z, y, x = np.ogrid[:Z, :Y, :X]
    img = np.zeros((Z, Y, X), np.float32)
    for _ in range(40):
        cz, cy, cx = rng.uniform(0, 1, 3) * (Z, Y, X)
        cx += 8 * t
        d = np.sqrt(((z - cz) / 2.5) ** 2 + ((y - cy) / 9) ** 2 + ((x - cx) / 9) ** 2)
        img += 4000 * (np.exp(-d ** 2) if setup == 0 else np.exp(-((d - 1) / 0.25) ** 2))
    img += np.random.default_rng([setup, t]).normal(300, 30, img.shape)
    return np.clip(img, 0, 65535).astype(np.uint16)


def level(data, factors):
    """Block means, the downsampling BigDataViewer's exporter uses."""
    fx, fy, fz = factors
    zz, yy, xx = (s // f for s, f in zip(data.shape, (fz, fy, fx)))
    d = data[:zz * fz, :yy * fy, :xx * fx].astype(np.float64)
    return d.reshape(zz, fz, yy, fy, xx, fx).mean(axis=(1, 3, 5)).round().astype(np.uint16)


XML = """<?xml version="1.0" encoding="UTF-8"?>
<SpimData version="0.2">
  <BasePath type="relative">.</BasePath>
  <SequenceDescription>
    <ImageLoader format="bdv.hdf5">
      <hdf5 type="relative">dataset.h5</hdf5>
    </ImageLoader>
    <ViewSetups>
{setups}
      <Attributes name="channel">
{channels}
      </Attributes>
    </ViewSetups>
    <Timepoints type="range">
      <first>0</first>
      <last>{last}</last>
    </Timepoints>
  </SequenceDescription>
  <ViewRegistrations>
  </ViewRegistrations>
</SpimData>
"""


def main():
    args = parser(__doc__).parse_args()
    folder = data_dir(args.dir, "bdv")

    # 1. The HDF5 file: per setup its levels' factors and block sizes, per timepoint and
    #    setup one dataset a level, stored as int16 (the bits of the uint16 values).
    with h5py.File(folder / "dataset.h5", "w") as f:
        for s in SETUPS:
            f.create_dataset(f"s{s:02d}/resolutions", data=np.array(RESOLUTIONS, "f8"))
            f.create_dataset(f"s{s:02d}/subdivisions", data=np.array(SUBDIVISIONS, "i4"))
        for t in range(TIMEPOINTS):
            for s in SETUPS:
                full = volume(s, t)
                for l, (factors, blocks) in enumerate(zip(RESOLUTIONS, SUBDIVISIONS)):
                    f.create_dataset(f"t{t:05d}/s{s:02d}/{l}/cells", data=level(full, factors).view("i2"),
                                     chunks=tuple(reversed(blocks)), compression="gzip")

    # 2. The XML: the views, their sizes and voxel sizes, the timepoints.
    setups = "\n".join(
        f"      <ViewSetup><id>{s}</id><name>{name}</name><size>{X} {Y} {Z}</size>"
        f"<voxelSize><unit>µm</unit><size>{VOXEL[0]} {VOXEL[1]} {VOXEL[2]}</size></voxelSize>"
        f"<attributes><channel>{s}</channel></attributes></ViewSetup>" for s, name in SETUPS.items())
    channels = "\n".join(f"        <Channel><id>{s}</id><name>{s}</name></Channel>" for s in SETUPS)
    (folder / "dataset.xml").write_text(XML.format(setups=setups, channels=channels, last=TIMEPOINTS - 1), encoding="utf-8")
    print(f"wrote {folder / 'dataset.xml'} and dataset.h5: {len(SETUPS)} setups x {TIMEPOINTS} timepoints x "
          f"{len(RESOLUTIONS)} levels of {X}x{Y}x{Z}", file=sys.stderr, flush=True)

    # 3. Open the XML: c = setup, t = timepoint; the zoom picks the level.
    open_in_vstack(args.headless, str(folder / "dataset.xml"), "--at", "c=1,t=2")


if __name__ == "__main__":
    main()
