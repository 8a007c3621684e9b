#!/usr/bin/env python3
"""On-demand benchmark of channels with several sources: prints figures, asserts nothing.

The core on its own loop in this process, in front of the demo engine (the
fake engine's synthetic stream), as the core tests run it:

  switch   a channel of three sources whose first goes silent after 300 kB:
           how long its player waits between the first source's last byte and
           the second's first (the stall timeout, plus the engine's start)
  cost     the CPU a channel of three sources costs per GB delivered against a
           channel of one, unpaced, with N players reading as fast as they can
           (the difference is the failover's read path: the last frame held
           back, a copy of each chunk)

    python tests/bench/bench_failover.py
    python tests/bench/bench_failover.py --stall 10 --runs 3 --players 20
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from desktop.streaming.config import ProxyConfig
from desktop.streaming.service import ProxyService
from tests.fake_engine import running_engine

SOURCES = tuple(f"{n:040x}" for n in (0x51, 0x52, 0x53))


def playlist(count: int) -> str:
    lines = ["#EXTM3U"]
    for n, source in enumerate(SOURCES[:count]):
        lines += [f"#EXTINF:-1,Sport 1{' HD' * n}", f"acestream://{source}"]
    return "\n".join(lines) + "\n"


async def proxy_for(engine_url: str, folder: Path, count: int, **fields: float) -> ProxyService:
    # A config folder of its own each time: never the person's playlists, and no verdict of a run before.
    os.environ["ACETRAY_CONFIG_DIR"] = tempfile.mkdtemp(dir=folder)
    service = ProxyService(ProxyConfig(engine_url=engine_url, port=0, linger=0.5, **fields))  # type: ignore[arg-type]
    await service.start()
    path = folder / f"sport{count}.m3u"
    path.write_text(playlist(count), encoding="utf-8")
    await service.channels.add(str(path))
    return service


async def one_switch(stall: float, folder: Path) -> tuple[float, float]:
    """(the player's wait across the switch, s from the first source's silence to the switch event)."""
    async with running_engine() as engine:
        engine.set_faults(stall_after_bytes=300_000, stall_seconds=3600, stall_ids=frozenset({SOURCES[0]}))
        service = await proxy_for(engine.url, folder, 3, stall_timeout=stall)
        arrivals: list[tuple[float, int]] = []
        try:
            async with aiohttp.ClientSession() as http:
                url = f"{service.listen_url}/ace/getstream?id={SOURCES[0]}"
                async with http.get(url) as resp:
                    total = 0
                    async for piece in resp.content.iter_any():
                        arrivals.append((time.monotonic(), total))
                        total += len(piece)
                        snapshot = service.snapshot().streams
                        if snapshot and snapshot[0].switches and total > 600_000:
                            break
        finally:
            await service.stop()
            await service.channels.close()
    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(arrivals)]
    wait = max(gaps)
    return wait, wait - stall


async def delivered_cost(count: int, players: int, seconds: float, folder: Path) -> tuple[float, float]:
    """(MB/s delivered to all players, CPU-s per GB) for a channel of `count` sources, unpaced."""
    async with running_engine(bytes_per_second=None, write_size=65536) as engine:
        service = await proxy_for(engine.url, folder, count)
        got = [0] * players
        try:
            async with aiohttp.ClientSession() as http:
                url = f"{service.listen_url}/ace/getstream?id={SOURCES[0]}"

                async def player(n: int) -> None:
                    async with http.get(url) as resp:
                        async for piece in resp.content.iter_chunked(1 << 20):
                            got[n] += len(piece)

                tasks = [asyncio.create_task(player(n)) for n in range(players)]
                await asyncio.sleep(1.0)  # every player joined, the reader at its pace
                start_bytes, start_cpu, start = sum(got), time.process_time(), time.monotonic()
                await asyncio.sleep(seconds)
                moved, cpu, took = sum(got) - start_bytes, time.process_time() - start_cpu, time.monotonic() - start
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            await service.stop()
            await service.channels.close()
    return moved / took / 1e6, cpu / (moved / 1e9)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stall", type=float, default=2.0, help="the stall timeout, s (the setting's default is 10)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--players", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]} on {sys.platform}\n")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        print(f"switch: a channel of 3 sources, the first silent after 300 kB; stall timeout {args.stall:g} s")
        runs = [await one_switch(args.stall, folder) for _ in range(args.runs)]
        waits = [wait for wait, _ in runs]
        extra = [over for _, over in runs]
        print(f"  the player's wait across the switch  median {statistics.median(waits):.2f} s, max {max(waits):.2f} s")
        print(f"  beyond the stall timeout             median {statistics.median(extra) * 1000:.0f} ms\n")
        print(f"cost: {args.players} players, unpaced, {args.seconds:g} s each")
        for count in (1, 3):
            rate, per_gb = await delivered_cost(count, args.players, args.seconds, folder)
            label = "one source   " if count == 1 else "three sources"
            print(f"  {label}  {rate:8.1f} MB/s delivered  {per_gb:6.2f} CPU-s/GB (this process: core and players)")


if __name__ == "__main__":
    asyncio.run(main())
