"""Measure the frozen build: bundle and .deb size, start time of `serve --demo` and of the tray.

    .venv/bin/python packaging/measure.py [--runs 5] [--bundle dist/acetray]

Cold runs drop the page cache first (`/proc/sys/vm/drop_caches`, root only); otherwise the
runs are warm and reported as such. The tray is timed under Xvfb + trayer (skipped when
they are missing) until its icon window exists. Prints a small Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import smoke_frozen

ROOT = Path(__file__).resolve().parent.parent


def drop_caches() -> bool:
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as handle:
            handle.write("3\n")
        return True
    except OSError:
        return False


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def time_serve(exe: Path, cold: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        port = smoke_frozen.free_port()
        if cold:
            drop_caches()
        proc = smoke_frozen.start_serve(exe, port, smoke_frozen.isolated_env(Path(tmp)), subprocess.DEVNULL)
        try:
            return smoke_frozen.wait_listening(proc, port)
        finally:
            smoke_frozen.stop(proc)


def time_tray(exe: Path, display: str, cold: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        if cold:
            drop_caches()
        proc = subprocess.Popen(
            [str(exe), "--port", str(smoke_frozen.free_port())],
            env=smoke_frozen.tray_env(Path(tmp), display),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            return smoke_frozen.wait_tray_icon(proc, display)
        finally:
            smoke_frozen.stop(proc, timeout=15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "acetray")
    args = parser.parse_args()
    exe = args.bundle / ("acetray.exe" if sys.platform == "win32" else "acetray")
    cold = drop_caches()
    kind = "cold (page cache dropped)" if cold else "warm"
    rows = [("bundle (unpacked)", f"{tree_size(args.bundle) / 2**20:.1f} MiB")]
    for deb in sorted((args.bundle.parent).glob("acetray_*.deb")):
        rows.append((deb.name, f"{deb.stat().st_size / 2**20:.1f} MiB"))
    serve = [time_serve(exe, cold) for _ in range(args.runs)]
    rows.append(
        (
            f"serve --demo to listening, {kind}",
            f"median {statistics.median(serve):.2f} s (min {min(serve):.2f}, max {max(serve):.2f}, n={len(serve)})",
        )
    )
    if all(shutil.which(t) for t in ("Xvfb", "trayer", "xdotool")):
        with smoke_frozen.TrayDisplay() as display:
            tray = [time_tray(exe, display, cold) for _ in range(args.runs)]
        rows.append(
            (
                f"tray app to tray icon, {kind}",
                f"median {statistics.median(tray):.2f} s (min {min(tray):.2f}, max {max(tray):.2f}, n={len(tray)})",
            )
        )
    print("| what | figure |\n| --- | --- |")
    for what, figure in rows:
        print(f"| {what} | {figure} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
