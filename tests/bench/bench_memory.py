#!/usr/bin/env python3
"""On-demand: where `acetray serve`'s resident memory goes, layer by layer. Prints, asserts nothing.

Each layer is a fresh interpreter that imports one more piece of the stack
and reports its resident size (RSS: what `top` shows, shared library pages
included; anon: the process's own heap and stacks). The last rows are the
proxy itself, idle and listening against the demo engine. Peak RSS under
load is bench_proxy.py's last column (50 unpaced players).

    python tests/bench/bench_memory.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.processes import demo_and_serve

LAYERS = [
    ("Python alone", "pass"),
    ("+ asyncio (loads OpenSSL via ssl)", "import asyncio"),
    ("+ aiohttp client", "import asyncio, aiohttp"),
    ("+ aiohttp server", "import asyncio, aiohttp, aiohttp.web"),
    ("+ uvloop", "import asyncio, aiohttp, aiohttp.web, uvloop"),
    ("+ AceTray's core and serve", "import asyncio, aiohttp, aiohttp.web, uvloop, desktop.serve"),
]
REPORT = (
    "import re; s = open('/proc/self/status').read(); "
    "print(*(int(re.search(k + r':\\s+(\\d+)', s).group(1)) for k in ('VmRSS', 'RssAnon')))"
)


def layer(statement: str) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", f"{statement}\n{REPORT}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    return int(out[0]) / 1024, int(out[1]) / 1024


def idle_serve() -> tuple[float, float]:
    """`acetray serve` listening, engine reachable, no player yet."""
    with demo_and_serve() as served:
        status = Path(f"/proc/{served.proxy.pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["RssAnon"].split()[0]) / 1024


def main() -> int:
    print(f"{'layer':<38} {'RSS':>8} {'step':>7} {'anon':>8}")
    previous = 0.0
    for name, statement in LAYERS:
        rss, anon = layer(statement)
        print(f"{name:<38} {rss:>6.1f}MB {rss - previous:>+6.1f} {anon:>6.1f}MB")
        previous = rss
    rss, anon = idle_serve()
    print(f"{'acetray serve, idle, listening':<38} {rss:>6.1f}MB {rss - previous:>+6.1f} {anon:>6.1f}MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
