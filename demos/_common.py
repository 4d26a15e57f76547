"""Helpers shared by the demos: find vstack, pick the data folder, and hand over to vstack.

Nothing here downloads anything; the demos only write under the folder given by --dir.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def vstack_bin() -> str:
    """$VSTACK_BIN, else `vstack` on PATH, else the repository's release, else its debug build."""
    if os.environ.get("VSTACK_BIN"):
        return os.environ["VSTACK_BIN"]
    on_path = shutil.which("vstack")
    if on_path:
        return on_path
    for build in ("release", "debug"):
        candidate = REPO / ".build" / build / "vstack"
        if candidate.exists():
            return str(candidate)
    sys.exit("vstack not found: set VSTACK_BIN, put vstack on PATH, or build it (swift build)")


def parser(description: str) -> argparse.ArgumentParser:
    """An argparse parser with the options every demo takes: --dir and --headless."""
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", type=Path, default=None,
                   help="folder to write the data into (default: a fresh temporary directory)")
    p.add_argument("--headless", action="store_true",
                   help="render one 100x30 frame to stdout with `vstack render` and exit")
    return p


def data_dir(arg: Path | None, prefix: str) -> Path:
    """The folder the demo writes into: --dir (created if needed) or a new temporary one."""
    if arg is None:
        return Path(tempfile.mkdtemp(prefix=f"vstack-demo-{prefix}-"))
    arg.mkdir(parents=True, exist_ok=True)
    return arg.resolve()


def vstack_args(headless: bool, path: str, *options: str) -> list[str]:
    """The vstack command line: `render … --size 100x30` when headless, else the viewer."""
    if headless:
        return [vstack_bin(), "render", path, *options, "--size", "100x30"]
    return [vstack_bin(), "view", path, *options]


def open_in_vstack(headless: bool, path: str, *options: str) -> None:
    """Replace this process with vstack (the viewer, or one rendered frame)."""
    args = vstack_args(headless, path, *options)
    print("$", " ".join(args), file=sys.stderr, flush=True)
    sys.stdout.flush()
    os.execvp(args[0], args)


def run_vstack(headless: bool, path: str, *options: str) -> int:
    """Run vstack as a child process (when something must be cleaned up afterwards)."""
    args = vstack_args(headless, path, *options)
    print("$", " ".join(args), file=sys.stderr, flush=True)
    return subprocess.call(args)
