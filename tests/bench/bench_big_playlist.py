#!/usr/bin/env python3
"""On-demand: what a huge playlist costs `acetray serve`. Prints figures, asserts nothing.

Writes a playlist of 176,820 AceStream channels, 20.8 MB (under the 20 MiB
download limit): the size of the biggest list seen in the field. Starts
`acetray serve --playlist` on it in a fresh config folder. Once the playlist
is imported it reads `/api/channels` whole, as the page does, and reports the
process's resident memory after the import and its peak (VmHWM) after the
answer, the answer's size, and how long the import and the answer took.

    python tests/bench/bench_big_playlist.py
    python tests/bench/bench_big_playlist.py --channels 50000
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.processes import listening, serve
from tests.ports import free_port

IMPORTED = re.compile(r"playlist .*: (\d+) channels")


def make_playlist(channels: int, seed: int = 1) -> bytes:
    """`channels` entries of ~117 bytes each, as in the big lists seen in the field."""
    rng = random.Random(seed)
    lines = ["#EXTM3U"]
    for n in range(channels):
        lines.append(f'#EXTINF:-1 tvg-id="c{n}" group-title="Group {n % 50}",Channel {n}')
        lines.append(f"acestream://{rng.getrandbits(160):040x}")
    return ("\n".join(lines) + "\n").encode()


def status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak) of a process, in MB."""
    text = Path(f"/proc/{pid}/status").read_text()
    return {key: int(re.search(rf"{key}:\s+(\d+)", text).group(1)) / 1024 for key in ("VmRSS", "VmHWM")}  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels", type=int, default=176_820)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        playlist = Path(folder) / "big.m3u"
        data = make_playlist(args.channels)
        playlist.write_bytes(data)
        port = free_port()
        nowhere = f"http://127.0.0.1:{free_port()}"  # no engine needed to list channels
        flags = ("--playlist", str(playlist), "--engine", nowhere)
        proxy = serve(port, Path(folder) / "config", *flags, stderr=subprocess.PIPE, text=True)
        imported = threading.Event()
        kept: list[int] = []

        def watch_log() -> None:
            assert proxy.stderr is not None
            for line in proxy.stderr:
                if found := IMPORTED.search(line):
                    kept.append(int(found.group(1)))
                    imported.set()

        threading.Thread(target=watch_log, daemon=True).start()
        started = time.perf_counter()
        with listening((proxy, port)):
            if not imported.wait(300):
                raise RuntimeError("the playlist was not imported within 300 s")
            import_s = time.perf_counter() - started
            after_import = status(proxy.pid)

            started = time.perf_counter()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/channels", timeout=300) as answer:
                first_byte_s = time.perf_counter() - started
                size = 0
                while chunk := answer.read(256 * 1024):
                    size += len(chunk)
            answer_s = time.perf_counter() - started
            after_answer = status(proxy.pid)

    print(f"playlist: {len(data) / 1e6:.1f} MB, {args.channels:,} channels; {kept[0]:,} kept")
    print(f"import (start to channels listed): {import_s:6.2f} s")
    rss, peak = after_import["VmRSS"], after_import["VmHWM"]
    print(f"RSS after import:                  {rss:6.1f} MB (peak so far {peak:.1f} MB)")
    print(f"/api/channels: {size / 1e6:.1f} MB, first byte {first_byte_s * 1000:.0f} ms, whole {answer_s:.2f} s")
    print(f"peak RSS (VmHWM) after /api/channels: {after_answer['VmHWM']:6.1f} MB")


if __name__ == "__main__":
    main()
