"""Writes the unrepaired vstack wheel: the release executable as the wheel's one script.

    make_wheel.py EXECUTABLE VERSION OUTDIR

The wheel holds vstack-VERSION.data/scripts/vstack (an ELF file) and its metadata, tagged
py3-none-linux_x86_64; `auditwheel repair` (scripts/dist.sh) then grafts the shared libraries it
needs, moves the executable into platlib with a shim that execs it, and sets the manylinux tag.
"""

import sys
from pathlib import Path

from wheel.wheelfile import WheelFile

executable, version, outdir = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
outdir.mkdir(parents=True, exist_ok=True)
name = f"vstack-{version}"
path = outdir / f"{name}-py3-none-linux_x86_64.whl"
metadata = f"""Metadata-Version: 2.1
Name: vstack
Version: {version}
Summary: A terminal viewer for huge lazy microscopy arrays (Zarr, OME-Zarr, N5, TIFF, HDF5)
Requires-Python: >=3.7
"""
wheel_info = """Wheel-Version: 1.0
Generator: vstack scripts/make_wheel.py
Root-Is-Purelib: false
Tag: py3-none-linux_x86_64
"""
with WheelFile(path, "w") as wf:
    wf.write(str(executable), f"{name}.data/scripts/vstack")  # keeps the executable bit
    wf.writestr(f"{name}.dist-info/METADATA", metadata)
    wf.writestr(f"{name}.dist-info/WHEEL", wheel_info)
print(path)
