"""A big guide is read as a stream: the memory it takes does not grow with its size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DESC = "An episode. " * 8

# Runs in a fresh interpreter so its peak (VmHWM) is this reading's alone.
CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import psutil
from desktop.streaming.guide.parse import GuideReader, open_guide
from desktop.streaming.guide.store import GuideStore
source = Path(sys.argv[1])
before = psutil.Process().memory_info().rss
with open_guide(source) as stream:
    stored = GuideStore(Path(sys.argv[2])).build(str(source), GuideReader(stream, "g"), now=0)
peak = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(stored.programmes, peak - before)
"""


def write_guide(path: Path, channels: int, programmes: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("<tv>\n")
        for n in range(channels):
            out.write(f'<channel id="c{n}.t"><display-name>Channel {n}</display-name></channel>\n')
        for n in range(channels):
            out.writelines(
                f'<programme start="2026{(k // 48) % 12 + 1:02d}01{(k // 2) % 24:02d}{k % 2 * 30:02d}00 +0000" '
                f'channel="c{n}.t"><title>Show {k} on channel {n}</title><desc>{DESC}</desc></programme>\n'
                for k in range(programmes)
            )
        out.write("</tv>\n")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads VmHWM from /proc")
def test_a_guide_ten_times_larger_takes_no_more_memory_to_read(tmp_path: Path) -> None:
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    write_guide(small, 100, 200)  # ~4 MB
    write_guide(large, 1000, 200)  # ~40 MB

    def added(path: Path) -> tuple[int, int]:
        command = [sys.executable, "-c", CHILD, str(path), str(tmp_path / path.stem), str(ROOT)]
        programmes, peak = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
        return int(programmes), int(peak)

    (small_count, small_peak), (large_count, large_peak) = added(small), added(large)
    assert (small_count, large_count) == (20_000, 200_000)
    assert large.stat().st_size > 35_000_000
    # A tree of the large guide would take several times its 40 MB; a stream takes what one
    # programme does, plus the few channels' index: the same few MB for both guides.
    assert large_peak < small_peak + 8_000_000, (small_peak, large_peak)
