#!/usr/bin/env python3
"""On-demand benchmark of the AceTray proxy: prints figures, asserts nothing.

Three processes, so each is measured alone: the demo engine (paced or
unpaced), the proxy under test (`acetray serve`, or the tray app with the
core on its own thread or on qasync), and this process with N players
reading through the proxy. Reported per scenario:

  delivered MB/s · proxy CPU-s per GB delivered · joiner time-to-first-byte
  p50 · /api/streams latency p50/p99 under load · proxy peak RSS

Targets (2-core machine): ≤ 1.0 CPU-s/GB, TTFB p50 ≤ 50 ms, status p99 ≤ 25 ms
with 50 unpaced players, peak RSS ≤ 80 MB with 50 players.

    python tests/bench/bench_proxy.py                   # default scenarios
    python tests/bench/bench_proxy.py --players 50 --seconds 15 --mode unpaced
    python tests/bench/bench_proxy.py --target app-thread,app-qasync
    python tests/bench/bench_proxy.py --mode paced --rate 1000000 --players 10 --no-probes  # realistic load
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.processes import QUIET, demo_engine, listening, serve
from tests.ports import free_port

CONTENT_ID = "b0a1e2d3c4b5a6978877665544332211aabbccdd"
READ_BUFFER = 256 * 1024


@dataclass
class Result:
    target: str
    mode: str
    players: int
    seconds: float
    delivered_mb_s: float
    cpu_s_per_gb: float
    kernel_share: float  # of the proxy's CPU, the part spent in the kernel (mostly sending)
    proxy_cpu_percent: float
    ttfb_p50_ms: float
    ttfb_max_ms: float
    status_p50_ms: float
    status_p99_ms: float
    peak_rss_mb: float
    complete_players: int


class Player(asyncio.BufferedProtocol):
    """A player that reads as fast as it can into one reused buffer (no allocation per read)."""

    def __init__(self) -> None:
        self.buffer = bytearray(READ_BUFFER)
        self.received = 0
        self.first_byte: float | None = None
        self.closed = asyncio.get_running_loop().create_future()
        self.header_done = False

    def get_buffer(self, sizehint: int) -> bytearray:
        return self.buffer

    def buffer_updated(self, nbytes: int) -> None:
        if self.first_byte is None:
            self.first_byte = time.perf_counter()
        self.received += nbytes

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(exc)


async def open_player(port: int, path: str) -> tuple[asyncio.Transport, Player]:
    loop = asyncio.get_running_loop()
    transport, player = await loop.create_connection(Player, "127.0.0.1", port)
    transport.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n\r\n".encode())
    return transport, player


async def players_with_data(port: int, count: int, path: str) -> list[tuple[asyncio.Transport, Player]]:
    """`count` players of `path`, once every one has had its first bytes (60 s at most)."""
    conns = [await open_player(port, path) for _ in range(count)]
    deadline = time.monotonic() + 60
    while any(p.first_byte is None for _, p in conns):
        if time.monotonic() > deadline:
            raise RuntimeError("players got no data within 60 s")
        await asyncio.sleep(0.05)
    return conns


def probe(port: int, seconds: float, path: str | None) -> dict[str, list[float]]:
    """Runs in its own process, so its timings do not include the busy players' loop:
    /api/streams every 50 ms and, unless `path` is None, a joiner of `path` (time to
    first byte) every 500 ms."""
    status_times: list[float] = []
    ttfbs: list[float] = []
    request = "GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    t0 = time.perf_counter()
    next_join = t0
    while time.perf_counter() - t0 < seconds:
        start = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(request.format("/api/streams").encode())
            while sock.recv(65536):
                pass
        status_times.append(time.perf_counter() - start)
        if path is not None and start >= next_join:
            next_join = start + 0.5
            begin = time.perf_counter()
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(request.format(path).encode())
                head = b""
                while b"\r\n\r\n" not in head:  # headers come with the first chunk
                    head += sock.recv(65536)
                ttfbs.append(time.perf_counter() - begin)
        time.sleep(max(0.0, start + 0.05 - time.perf_counter()))
    return {"status": status_times, "ttfb": ttfbs}


async def load(port: int, players: int, seconds: float, proxy: psutil.Process, probes: bool = True) -> dict[str, float]:
    path = f"/ace/getstream?id={CONTENT_ID}"
    conns = await players_with_data(port, players, path)  # warm-up: the engine session starts
    await asyncio.sleep(1.0)

    peak_rss = 0
    cpu0 = proxy.cpu_times()
    bytes0 = sum(p.received for _, p in conns)
    t0 = time.perf_counter()
    if probes:
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            probing = asyncio.wrap_future(pool.submit(probe, port, seconds, path))
            while not probing.done():
                peak_rss = max(peak_rss, proxy.memory_info().rss)
                await asyncio.wait({probing}, timeout=0.1)
            probed = probing.result()
    else:  # the players alone: what the proxy costs without status requests and joiners
        while time.perf_counter() - t0 < seconds:
            peak_rss = max(peak_rss, proxy.memory_info().rss)
            await asyncio.sleep(0.5)
        probed = {"status": [float("nan")], "ttfb": [float("nan")]}
    status_times, ttfbs = sorted(probed["status"]), probed["ttfb"]
    elapsed = time.perf_counter() - t0
    delivered = sum(p.received for _, p in conns) - bytes0
    cpu1 = proxy.cpu_times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    kernel = cpu1.system - cpu0.system
    try:
        with open(f"/proc/{proxy.pid}/status") as status_file:  # kernel's own peak (VmHWM)
            for line in status_file:
                if line.startswith("VmHWM:"):
                    peak_rss = max(peak_rss, int(line.split()[1]) * 1024)
    except OSError:
        pass
    alive = sum(1 for _, p in conns if not p.closed.done())
    for transport, _ in conns:
        transport.close()
    return {
        "delivered_mb_s": delivered / elapsed / 1e6,
        "cpu_s_per_gb": cpu / (delivered / 1e9) if delivered else float("inf"),
        "kernel_share": kernel / cpu if cpu else 0.0,
        "proxy_cpu_percent": 100 * cpu / elapsed,
        "ttfb_p50_ms": 1000 * statistics.median(ttfbs),
        "ttfb_max_ms": 1000 * max(ttfbs),
        "status_p50_ms": 1000 * statistics.median(status_times),
        "status_p99_ms": 1000 * status_times[min(len(status_times) - 1, int(len(status_times) * 0.99))],
        "peak_rss_mb": peak_rss / 1e6,
        "complete_players": alive,
        "seconds": elapsed,
    }


def start_proxy(target: str, engine_port: int, port: int, config_dir: str, queue: int) -> subprocess.Popen:
    engine = f"http://127.0.0.1:{engine_port}"
    if target == "serve":
        return serve(port, config_dir, "--engine", engine, "--queue-size", str(queue), env={"PYTHONUNBUFFERED": "1"})
    # the tray app, headless, with the core on its own thread or on qasync
    env = dict(os.environ, ACETRAY_CONFIG_DIR=config_dir, PYTHONUNBUFFERED="1")
    env.update(QT_QPA_PLATFORM="offscreen", ACETRAY_CORE_LOOP=target.split("-", 1)[1])
    cmd = [sys.executable, "-m", "desktop", "--engine", engine, "--port", str(port)]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, **QUIET)


def run_scenario(
    target: str, mode: str, players: int, seconds: float, queue: int, rate: float | None = None, probes: bool = True
) -> Result:
    engine_port, port = free_port(), free_port()
    engine_flags: list[str] = []
    if mode == "unpaced":
        engine_flags.append("--unpaced")
    elif rate:
        engine_flags += ["--rate", str(rate)]  # a paced channel at this many bytes per second
    with tempfile.TemporaryDirectory() as config_dir, listening((demo_engine(engine_port, *engine_flags), engine_port)):
        proxy = start_proxy(target, engine_port, port, config_dir, queue)
        with listening((proxy, port)):
            figures = asyncio.run(load(port, players, seconds, psutil.Process(proxy.pid), probes))
    return Result(target=target, mode=mode, players=players, **figures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="serve", help="serve, app-thread, app-qasync (comma-separated)")
    parser.add_argument("--mode", default="paced,unpaced", help="paced, unpaced (comma-separated)")
    parser.add_argument("--players", default="10,50", help="player counts (comma-separated)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--queue-size", type=int, default=64)
    parser.add_argument("--rate", type=float, help="paced mode at this many bytes/s (default: the demo clip's own)")
    parser.add_argument(
        "--no-probes",
        action="store_true",
        help="no status requests or joiners meanwhile: the players' own cost (realistic load)",
    )
    args = parser.parse_args()
    print(
        f"{'target':<11} {'mode':<8} {'players':>7} {'MB/s':>8} {'CPU-s/GB':>9} {'kernel':>6} {'CPU%':>5} "
        f"{'TTFB p50':>9} {'max':>7} {'status p50':>10} {'p99':>7} {'peak RSS':>9} {'alive':>6}"
    )
    for target in args.target.split(","):
        for mode in args.mode.split(","):
            for players in (int(n) for n in args.players.split(",")):
                r = run_scenario(target, mode, players, args.seconds, args.queue_size, args.rate, not args.no_probes)
                print(
                    f"{r.target:<11} {r.mode:<8} {r.players:>7} {r.delivered_mb_s:>8.1f} "
                    f"{r.cpu_s_per_gb:>9.3f} {r.kernel_share:>6.0%} {r.proxy_cpu_percent:>5.1f} "
                    f"{r.ttfb_p50_ms:>7.1f}ms "
                    f"{r.ttfb_max_ms:>5.0f}ms {r.status_p50_ms:>8.1f}ms {r.status_p99_ms:>5.1f}ms "
                    f"{r.peak_rss_mb:>7.1f}MB {r.complete_players:>3}/{r.players}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
