"""Writes the unrepaired vstack wheel: the release executable inside a tiny Python package.

    make_wheel.py EXECUTABLE VERSION OUTDIR

The wheel holds vstack/bin/vstack (the ELF executable), vstack/__init__.py whose main() execs it,
and a console-script entry point `vstack = vstack:main`, tagged py3-none-linux_x86_64. The entry
point finds the executable next to its own file, so every installer works: a venv, `pip install
--user`, pipx, `uv tool install` (an executable in .data/scripts would need auditwheel's shim,
which looks in the interpreter's platlib and misses --user installs). `auditwheel repair`
(scripts/dist.sh) then grafts the shared libraries the executable needs into vstack.libs/, sets
its RUNPATH relative to itself, and gives the manylinux tag.
"""

import sys
from pathlib import Path

from wheel.wheelfile import WheelFile

executable, version, outdir = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
outdir.mkdir(parents=True, exist_ok=True)
path = outdir / f"vstack-{version}-py3-none-linux_x86_64.whl"
init = f'''"""vstack {version}: a terminal viewer for huge lazy microscopy arrays (the executable in bin/)."""
import os
import sys

EXECUTABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "vstack")


def main():
    os.execv(EXECUTABLE, [EXECUTABLE] + sys.argv[1:])
'''
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
    wf.write(str(executable), "vstack/bin/vstack")  # keeps the executable bit
    wf.writestr("vstack/__init__.py", init)
    wf.writestr("vstack/__main__.py", "from vstack import main\n\nmain()\n")
    wf.writestr(f"vstack-{version}.dist-info/METADATA", metadata)
    wf.writestr(f"vstack-{version}.dist-info/WHEEL", wheel_info)
    wf.writestr(f"vstack-{version}.dist-info/entry_points.txt", "[console_scripts]\nvstack = vstack:main\n")
print(path)
