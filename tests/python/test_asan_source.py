"""Which Debian source version the AddressSanitizer build fetches (Fuzz/CLibs/pick_source.py, issue 26).

A security update moves the installed libtiff6 (say to +deb12u5) before the registry serves its
source; build.sh then takes the newest fetchable version of the same upstream release. The index
here (data/sources-security-moved.txt) is a small Sources file in Debian's format: tiff at
+deb12u2, +deb12u4 and +deb12u10 of upstream 4.5.0, plus 4.5.1-1 and 4.5.0~rc3-1 (other upstream
releases), a package whose name starts with "tiff", and c-blosc.
"""
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

PICK = REPO / "Fuzz" / "CLibs" / "pick_source.py"
INDEX = Path(__file__).parent / "data" / "sources-security-moved.txt"
sys.path.insert(0, str(PICK.parent))
import pick_source  # noqa: E402


def pick(package, installed, index=INDEX):
    return subprocess.run([sys.executable, str(PICK), package, installed], input=Path(index).read_text(),
                          capture_output=True, text=True)


def test_installed_version_listed_comes_first():
    proc = pick("tiff", "4.5.0-6+deb12u4")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["4.5.0-6+deb12u4", "4.5.0-6+deb12u10", "4.5.0-6+deb12u2"]


def test_installed_version_missing_takes_newest_of_same_upstream():
    # u5 is installed, the index lacks it: u10 (numeric order, not text order), then u4, then u2;
    # never 4.5.1-1 or 4.5.0~rc3-1, never the package "tiffy".
    proc = pick("tiff", "4.5.0-6+deb12u5")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["4.5.0-6+deb12u10", "4.5.0-6+deb12u4", "4.5.0-6+deb12u2"]


def test_single_version_package():
    proc = pick("c-blosc", "1.21.3+ds-1")
    assert proc.returncode == 0 and proc.stdout.split() == ["1.21.3+ds-1"]


def test_no_version_of_the_upstream_release_is_one_line_and_exit_1():
    proc = pick("tiff", "4.6.0-1")
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "tiff 4.6.0" in lines[0] and "4.6.0-1" in lines[0], proc.stderr


def test_empty_index_is_refused():
    proc = subprocess.run([sys.executable, str(PICK), "tiff", "4.5.0-6+deb12u5"], input="",
                          capture_output=True, text=True)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1


PAIRS = [
    ("4.5.0-6+deb12u4", "4.5.0-6+deb12u5"), ("4.5.0-6+deb12u10", "4.5.0-6+deb12u9"),
    ("4.5.0-6", "4.5.0-6+deb12u1"), ("4.5.0~rc3-1", "4.5.0-1"), ("1.0", "1.0-0"), ("1:0.9", "2.0"),
    ("1.21.3+ds-1", "1.21.3-1"), ("1.0~~", "1.0~"), ("1.0a", "1.0+"), ("1.0", "1.0.0"),
    ("2.30-12", "2.30-9"), ("0:1.2", "1.2"), ("1.2-3", "1.2-3"), ("1.2-a", "1.2-A"), ("7.0-1+b1", "7.0-1"),
]


@pytest.mark.parametrize("a,b", PAIRS)
def test_version_order_is_dpkgs(a, b):
    """pick_source's order against dpkg's own, both ways round."""
    for x, y in ((a, b), (b, a)):
        ours = pick_source.compare_versions(x, y)
        dpkg = {rel: subprocess.run(["dpkg", "--compare-versions", x, rel, y]).returncode == 0
                for rel in ("lt", "eq", "gt")}
        assert dpkg[{-1: "lt", 0: "eq", 1: "gt"}[ours]], (x, y, ours, dpkg)
