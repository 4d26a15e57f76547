"""The command line itself: mistyped commands, repeated --at axes, help texts.

Every error is one `vstack:` line on stderr with exit 2 (a usage error).
"""
import re
import subprocess

import pytest

from conftest import FIXTURES, VSTACK_BIN, describe, run_vstack

COMMANDS = [[], ["view"], ["demo"], ["info"], ["export"], ["render"], ["keys"], ["operators"], ["bench"]] + \
    [["bench", b] for b in ["decode", "render", "scrub", "plane", "filter", "zoom"]]


def usage_error(proc):
    assert proc.returncode == 2, describe(proc)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("vstack: "), proc.stderr
    return lines[0]


@pytest.mark.parametrize("args,want", [
    (["rendr", "x.zarr"], "vstack: unknown command 'rendr'; did you mean render?"),
    (["rendr"], "vstack: unknown command 'rendr'; did you mean render?"),
    (["inof", "demo:"], "vstack: unknown command 'inof'; did you mean info?"),
    (["exprot", "demo:", "-o", "x.npy"], "vstack: unknown command 'exprot'; did you mean export?"),
    (["bench", "scrb", "demo:"], "vstack: unknown command 'bench scrb'; did you mean bench scrub?"),
])
def test_mistyped_command_suggests_the_right_one(tmp_path, args, want):
    assert usage_error(run_vstack(*args)) == want


def test_a_word_far_from_every_command_keeps_the_usual_error(tmp_path):
    line = usage_error(run_vstack("zzzzzz", "x.zarr"))
    assert "did you mean" not in line, line
    proc = run_vstack("qqqqqq")  # opened as a dataset by the default command
    assert proc.returncode == 1 and "no such file or directory" in proc.stderr, describe(proc)


def test_an_existing_path_is_never_taken_for_a_typo(tmp_path):
    """A file named like a typo is opened as the dataset (the default command)."""
    path = tmp_path / "rendr"
    path.write_bytes(b"not data")
    proc = run_vstack("info", path)
    assert proc.returncode == 1 and "did you mean" not in proc.stderr, describe(proc)
    proc = subprocess.run([str(VSTACK_BIN), "rendr"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 1 and "did you mean" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("at,axis", [
    ("z=1,z=2", "z"),
    ("z=1,2=5", "z"),  # z is axis 2 of demo:'s c,t,z,y,x
    ("0=1,c=2", "c"),
    ("t=3,1=3", "t"),
])
@pytest.mark.parametrize("command", ["export", "render", "bench-plane"])
def test_an_axis_given_twice_is_refused(tmp_path, at, axis, command):
    if command == "bench-plane":
        args = ["bench", "plane", "demo:", "--at", at]
    elif command == "export":
        args = ["export", "demo:", "--at", at, "-o", tmp_path / "x.npy"]
    else:
        args = ["render", "demo:", "--at", at, "--size", "20x5"]
    line = usage_error(run_vstack(*args))
    assert f"axis {axis} is given twice" in line, line
    assert not (tmp_path / "x.npy").exists()


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) or "vstack" for c in COMMANDS])
def test_help_prints_each_default_once(command):
    proc = run_vstack(*command, "--help")
    assert proc.returncode == 0, describe(proc)
    # One entry a line-start option (or subcommand), its wrapped lines joined.
    entries = re.split(r"\n  (?=-|[a-z])", proc.stdout)
    for entry in entries:
        text = " ".join(entry.split())
        assert len(re.findall(r"\bdefault\b", text)) <= 1, f"default printed twice in `vstack {' '.join(command)} --help`: {text}"


def test_top_level_help_lists_the_formats_read():
    out = " ".join(run_vstack("--help").stdout.split())
    for name in ["Zarr v2", "v3", "OME-Zarr", "TIFF", "BigTIFF", "TIFF series", ".npy", "demo:"]:
        assert name in out, f"{name!r} missing from vstack --help"
    # Each listed format opens: a fixture of each kind gives `info`.
    for path in [FIXTURES / "npy" / "c-uint16.npy", FIXTURES / "tiff" / "plain_pages.tif", FIXTURES / "tiff" / "lightsheet",
                 FIXTURES / "ome" / "omezarrpy-0.5.ome.zarr", "demo:"]:
        proc = run_vstack("info", path)
        assert proc.returncode == 0, describe(proc)
