#!/usr/bin/env python3
"""On-demand benchmark: N HLS players beside N TS players on one paced channel. Prints, asserts nothing.

Three processes, as in bench_proxy.py: the demo engine at the clip's own rate
(a live channel), `acetray serve`, and this process with the players. An HLS
player behaves like a real one: it reloads the playlist about once a target
duration (half of one when nothing new was listed, RFC 8216 §6.3.4), starts
three segments from the live edge and fetches every new segment once, each
player with its own connections and user agent. A TS player reads its one
endless connection. Reported per scenario, over the measured seconds:

  delivered MB/s · proxy CPU % of one core · CPU-s per GB · proxy peak RSS ·
  requests/s · `/api/streams` p50/p99 (probed from a process of its own, as in
  bench_proxy.py) · players still complete

    python tests/bench/bench_hls_players.py                      # 50 HLS, then 50 TS
    python tests/bench/bench_hls_players.py --players 10,50 --seconds 30 --kind hls
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import multiprocessing
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_proxy import CONTENT_ID, players_with_data, probe
from tests.bench.processes import demo_and_serve

START_AT_EDGE = 3  # segments from the end of the first playlist a player starts at (as hls.js, AVPlayer)


@dataclass
class Figures:
    kind: str
    players: int
    seconds: float
    delivered_mb_s: float
    cpu_percent: float
    cpu_s_per_gb: float
    peak_rss_mb: float
    requests_per_s: float
    status_p50_ms: float
    status_p99_ms: float
    complete: int


class HlsPlayer:
    """Reloads the playlist and fetches new segments like a player; counts bytes and requests."""

    def __init__(self, base: str, n: int) -> None:
        self.base = base
        self.agent = f"bench-hls-{n}"
        self.received = 0
        self.requests = 0
        self.segments = 0
        self.errors = 0
        self._next_seq: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        connector = aiohttp.TCPConnector(limit=2)
        async with aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.agent}) as http:
            while not stop.is_set():
                target, listed = await self._reload(http)
                fresh = [(seq, uri) for seq, uri in listed if self._next_seq is None or seq >= self._next_seq]
                if self._next_seq is None:
                    fresh = fresh[-START_AT_EDGE:]
                for seq, uri in fresh:
                    await self._fetch(http, uri)
                    self._next_seq = seq + 1
                try:
                    await asyncio.wait_for(stop.wait(), target if fresh else target / 2)
                except TimeoutError:
                    pass

    async def _reload(self, http: aiohttp.ClientSession) -> tuple[float, list[tuple[int, str]]]:
        self.requests += 1
        async with http.get(f"{self.base}/ace/manifest.m3u8?id={CONTENT_ID}") as resp:
            text = await resp.text()
            if resp.status != 200:
                self.errors += 1
                return 1.0, []
        target, listed = 2.0, []
        for line in text.splitlines():
            if line.startswith("#EXT-X-TARGETDURATION:"):
                target = float(line.split(":", 1)[1])
            elif line and not line.startswith("#"):
                listed.append((int(line.rsplit("/", 1)[1].removesuffix(".ts")), line))
        return target, listed

    async def _fetch(self, http: aiohttp.ClientSession, uri: str) -> None:
        self.requests += 1
        async with http.get(f"{self.base}/ace/{uri}") as resp:
            if resp.status != 200:
                self.errors += 1
                await resp.read()
                return
            async for data in resp.content.iter_any():
                self.received += len(data)
        self.segments += 1


def kernel_peak_rss(pid: int) -> int:
    """The kernel's own peak resident size of the process (VmHWM), in bytes."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


async def measure(proxy: psutil.Process, port: int, seconds: float, delivered, requests) -> dict[str, float]:  # type: ignore[no-untyped-def]
    cpu0 = proxy.cpu_times()
    bytes0, requests0 = delivered(), requests()
    t0 = time.perf_counter()
    # The measuring window is the status probe's run (a status request every 50 ms, in its own process).
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        probed = await asyncio.wrap_future(pool.submit(probe, port, seconds, None))
    status_times = sorted(probed["status"])
    elapsed = time.perf_counter() - t0
    cpu1 = proxy.cpu_times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    moved = delivered() - bytes0
    peak_rss = max(proxy.memory_info().rss, kernel_peak_rss(proxy.pid))
    return {
        "seconds": elapsed,
        "delivered_mb_s": moved / elapsed / 1e6,
        "cpu_percent": 100 * cpu / elapsed,
        "cpu_s_per_gb": cpu / (moved / 1e9) if moved else float("inf"),
        "peak_rss_mb": peak_rss / 1e6,
        "requests_per_s": (requests() - requests0) / elapsed,
        "status_p50_ms": 1000 * statistics.median(status_times),
        "status_p99_ms": 1000 * status_times[min(len(status_times) - 1, int(len(status_times) * 0.99))],
    }


async def hls_load(port: int, players: int, seconds: float, proxy: psutil.Process) -> Figures:
    base = f"http://127.0.0.1:{port}"
    stop = asyncio.Event()
    crowd = [HlsPlayer(base, n) for n in range(players)]
    tasks = [asyncio.create_task(p.run(stop)) for p in crowd]
    deadline = time.monotonic() + 60
    while any(p.segments == 0 for p in crowd):  # warm-up: the channel starts, everyone has a segment
        if time.monotonic() > deadline:
            raise RuntimeError("HLS players got no segment within 60 s")
        await asyncio.sleep(0.1)
    figures = await measure(
        proxy, port, seconds, lambda: sum(p.received for p in crowd), lambda: sum(p.requests for p in crowd)
    )
    stop.set()
    await asyncio.gather(*tasks)
    complete = sum(1 for p in crowd if not p.errors)
    return Figures("HLS", players, complete=complete, **figures)


async def ts_load(port: int, players: int, seconds: float, proxy: psutil.Process) -> Figures:
    conns = await players_with_data(port, players, f"/ace/getstream?id={CONTENT_ID}")
    await asyncio.sleep(1.0)  # past the join burst
    figures = await measure(proxy, port, seconds, lambda: sum(p.received for _, p in conns), lambda: 0)
    complete = sum(1 for _, p in conns if not p.closed.done())
    for transport, _ in conns:
        transport.close()
    return Figures("TS", players, complete=complete, **figures)


def run_scenario(kind: str, players: int, seconds: float) -> Figures:
    load = hls_load if kind == "hls" else ts_load
    with demo_and_serve() as served:
        return asyncio.run(load(served.port, players, seconds, psutil.Process(served.proxy.pid)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", default="hls,ts", help="hls, ts (comma-separated)")
    parser.add_argument("--players", default="50", help="player counts (comma-separated)")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    print(
        f"{'kind':<5} {'players':>7} {'MB/s':>7} {'CPU %':>6} {'CPU-s/GB':>9} {'peak RSS':>9} "
        f"{'req/s':>7} {'status p50':>10} {'p99':>7} {'complete':>9}"
    )
    for players in (int(n) for n in args.players.split(",")):
        for kind in args.kind.split(","):
            f = run_scenario(kind, players, args.seconds)
            print(
                f"{f.kind:<5} {f.players:>7} {f.delivered_mb_s:>7.2f} {f.cpu_percent:>6.1f} "
                f"{f.cpu_s_per_gb:>9.2f} {f.peak_rss_mb:>7.1f}MB {f.requests_per_s:>7.1f} "
                f"{f.status_p50_ms:>8.1f}ms {f.status_p99_ms:>5.1f}ms "
                f"{f.complete:>4}/{f.players}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
