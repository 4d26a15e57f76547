#!/usr/bin/env python3
"""Chooses which Debian source version of a package the AddressSanitizer build fetches.

    apt-cache showsrc tiff | Fuzz/CLibs/pick_source.py tiff 4.5.0-6+deb12u5

Reads Sources stanzas (deb822, as in a signed Sources index or `apt-cache showsrc`)
on standard input and prints, one a line, the versions of PACKAGE to try, best first:

1. the installed version, when the index lists it;
2. then every other listed version of the same upstream release (the version
   without its Debian revision, epoch included), newest first.

build.sh fetches them in that order and takes the first that downloads: a Debian
security update moves the installed binary version before its source is always
fetchable, and the previous revision of the same upstream release builds the same
library code. Versions of another upstream release are never chosen. Exit 1, with
one line on standard error, when no version of the upstream release is listed.

Version order is dpkg's (deb-version(7)); tests/python/test_asan_source.py checks
it against `dpkg --compare-versions`. Standard library only: this runs before the
venv exists.
"""
from __future__ import annotations

import functools
import re
import sys


def _order(c: str) -> int:
    """dpkg's weight of one non-digit character: ~ sorts before everything, letters before the rest."""
    if c == "~":
        return -1
    if c.isalpha():
        return ord(c)
    return ord(c) + 256


def _compare_part(a: str, b: str) -> int:
    """Compares an upstream version or a Debian revision the way dpkg's verrevcmp does."""
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = _order(a[i]) if i < len(a) and not a[i].isdigit() else 0
            bc = _order(b[j]) if j < len(b) and not b[j].isdigit() else 0
            if ac != bc:
                return -1 if ac < bc else 1
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return -1 if first_diff < 0 else 1
    return 0


def split_version(v: str) -> tuple[int, str, str]:
    """(epoch, upstream, revision) of a Debian version string."""
    epoch = 0
    if ":" in v:
        e, v = v.split(":", 1)
        epoch = int(e)
    upstream, _, revision = v.rpartition("-") if "-" in v else (v, "", "")
    return epoch, upstream, revision


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as Debian version a sorts before, equal to or after b."""
    ea, ua, ra = split_version(a)
    eb, ub, rb = split_version(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return _compare_part(ua, ub) or _compare_part(ra, rb)


def upstream_release(v: str) -> tuple[int, str]:
    """The epoch and upstream part: versions that share it differ only in Debian's packaging."""
    epoch, upstream, _ = split_version(v)
    return epoch, upstream


def listed_versions(sources_text: str, package: str) -> list[str]:
    """The Version of every stanza whose Package is `package` (duplicates across indexes once)."""
    versions: list[str] = []
    for stanza in re.split(r"\n\s*\n", sources_text):
        fields = dict(m.groups() for m in re.finditer(r"^([A-Za-z0-9-]+):[ \t]*(.*)$", stanza, re.M))
        if fields.get("Package") == package and fields.get("Version") and fields["Version"] not in versions:
            versions.append(fields["Version"])
    return versions


def candidates(sources_text: str, package: str, installed: str) -> list[str]:
    """The versions to try, best first (see the module docstring)."""
    same_release = [v for v in listed_versions(sources_text, package)
                    if upstream_release(v) == upstream_release(installed)]
    ordered = sorted(same_release, key=functools.cmp_to_key(compare_versions), reverse=True)
    if installed in ordered:
        ordered.remove(installed)
        ordered.insert(0, installed)
    return ordered


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: pick_source.py PACKAGE INSTALLED_VERSION < Sources", file=sys.stderr)
        return 2
    package, installed = argv[1], argv[2]
    found = candidates(sys.stdin.read(), package, installed)
    if not found:
        _, upstream = upstream_release(installed)
        print(f"asan-c: the Sources index lists no version of {package} {upstream} (installed {installed})",
              file=sys.stderr)
        return 1
    print("\n".join(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
