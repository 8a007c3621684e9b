#!/usr/bin/env python3
"""On-demand soak of `acetray serve`: players join and leave channels while the engine misbehaves.

Prints, every interval, what the proxy process holds (RSS, open files,
threads, sockets) next to what the players saw (joins, refusals, bytes,
misaligned bytes) and what the engine saw (sessions running, stops), and at
the end whether every engine session was stopped after SIGTERM. Asserts
nothing: a flat RSS and open-files column is the result to look for.

The engine is the project's demo engine, in this process, playing the
bundled demo clip at its own rate exactly as `acetray serve --demo` does;
it runs here rather than inside the proxy so that its faults can be toggled
while the proxy runs (`serve --demo` has no way to reach its engine's
faults, on purpose). `--plain-demo` runs `acetray serve --demo` itself
instead, without faults.

    python tests/bench/soak.py --minutes 2
    python tests/bench/soak.py --minutes 20 --players 30 --channels 3
    python tests/bench/soak.py --minutes 5 --plain-demo
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from desktop.streaming.demo.engine import DemoEngine, EngineFaults, load_demo_clip
from tests.bench.processes import serve
from tests.ports import free_port

PACKET = 188


@dataclass
class Tally:
    joins: int = 0
    leaves: int = 0
    active: int = 0
    bytes: int = 0
    misaligned: int = 0  # bytes that do not sit where 188-byte packets starting with 0x47 put them
    statuses: Counter[int] = field(default_factory=Counter)  # non-200 answers
    failures: Counter[str] = field(default_factory=Counter)  # connections that broke
    faults: Counter[str] = field(default_factory=Counter)


async def wait_for_health(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"acetray serve exited with {proc.returncode}")
            try:
                async with http.get(f"http://127.0.0.1:{port}/api/health") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("acetray serve did not answer /api/health")


async def player(http: aiohttp.ClientSession, port: int, channels: list[str], tally: Tally, stop: float) -> None:
    """Join a random channel, watch for a few seconds, leave, pause; until the soak ends."""
    rng = random.Random()
    while time.monotonic() < stop:
        url = f"http://127.0.0.1:{port}/ace/getstream?id={rng.choice(channels)}"
        watch = rng.uniform(2.0, 25.0)
        try:
            async with http.get(url, timeout=aiohttp.ClientTimeout(total=None, sock_read=90)) as resp:
                if resp.status != 200:
                    tally.statuses[resp.status] += 1
                    await asyncio.sleep(rng.uniform(1.0, 3.0))
                    continue
                tally.joins += 1
                tally.active += 1
                try:
                    await watch_stream(resp, watch, tally)
                finally:
                    tally.active -= 1
                    tally.leaves += 1
        except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
            tally.failures[type(exc).__name__] += 1
        await asyncio.sleep(rng.uniform(0.0, 3.0))


async def watch_stream(resp: aiohttp.ClientResponse, seconds: float, tally: Tally) -> None:
    offset = 0  # position in the stream, to check that every packet starts with a sync byte
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        data = await resp.content.read(65536)
        if not data:
            return
        first = (-offset) % PACKET
        tally.misaligned += sum(1 for i in range(first, len(data), PACKET) if data[i] != 0x47)
        offset += len(data)
        tally.bytes += len(data)


FAULTS = {
    "stall 5 s": {"stall_after_bytes": 0, "stall_seconds": 5.0},
    "EOF mid-stream": {"eof_after_bytes": 400_000},
    "session vanishes": {"vanish_after_bytes": 300_000},
    "slow start 3 s": {"start_delay": 3.0},
    "start errors": {"start_error": "failed to load content"},
    "prebuffer 4 s": {"prebuffer_delay": 4.0},
}


async def toggle_faults(engine: DemoEngine, every: float, tally: Tally, stop: float) -> None:
    """Every `every` s one fault for a third of the time (or the engine offline for a few seconds)."""
    rng = random.Random(1)
    while time.monotonic() + every < stop:
        await asyncio.sleep(every * 2 / 3)
        name = rng.choice([*FAULTS, "engine offline 5 s"])
        tally.faults[name] += 1
        if name == "engine offline 5 s":
            await engine.go_offline()
            await asyncio.sleep(5.0)
            await engine.come_online()
        else:
            engine.set_faults(**FAULTS[name])
            await asyncio.sleep(every / 3)
            engine.set_faults(EngineFaults())


def sample(proc: psutil.Process) -> dict[str, float]:
    with proc.oneshot():
        files = proc.num_fds() if hasattr(proc, "num_fds") else proc.num_handles()
        return {
            "rss_mb": proc.memory_info().rss / 1e6,
            "files": files,
            "threads": proc.num_threads(),
            "sockets": len(proc.net_connections(kind="tcp")),
        }


async def soak(args: argparse.Namespace, config: str, log_file: IO[bytes]) -> None:
    channels = [f"{random.Random(n).getrandbits(160):040x}" for n in range(args.channels)]
    port = free_port()
    engine: DemoEngine | None = None
    if args.plain_demo:
        flags = ["--demo"]
    else:
        engine = DemoEngine(load_demo_clip(), port=free_port(), session_idle_stop=60.0)
        await engine.start()
        flags = ["--engine", engine.url]
    proc = await asyncio.to_thread(serve, port, config, *flags, stderr=log_file)
    try:
        await wait_for_health(port, proc)
        await run_load(args, port, channels, psutil.Process(proc.pid), engine)
    finally:
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, timeout=30)
        print(f"\nSIGTERM → exit {proc.returncode} in {time.monotonic() - began:.2f} s")
        log_file.seek(0)
        log = log_file.read().decode(errors="replace")
        print(
            f"proxy log: {log.count(chr(10))} lines, {log.count('Traceback')} tracebacks, "
            f"{log.count('ERROR')} ERROR lines"
        )
        if engine is not None:
            print(
                f"engine after the proxy stopped: {engine.active_sessions} sessions running, "
                f"{engine.counters.sessions_started} started, {engine.counters.sessions_stopped} stopped "
                f"by command, {engine.counters.sessions_idle_stopped} by idle stop"
            )
            await engine.stop()


async def run_load(
    args: argparse.Namespace, port: int, channels: list[str], proc: psutil.Process, engine: DemoEngine | None
) -> None:
    tally = Tally()
    stop = time.monotonic() + args.minutes * 60
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=True))
    tasks = [asyncio.create_task(player(http, port, channels, tally, stop)) for _ in range(args.players)]
    if engine is not None and args.fault_every > 0:
        tasks.append(asyncio.create_task(toggle_faults(engine, args.fault_every, tally, stop)))
    print(f"{args.players} players on {len(channels)} channels for {args.minutes:g} min; proxy pid {proc.pid}")
    print(
        f"{'t s':>5} {'RSS MB':>7} {'files':>5} {'thr':>3} {'socks':>5} {'watch':>5} {'joins':>6} "
        f"{'MB in':>8} {'misal':>5} {'refused':>8} {'broken':>6} {'eng.sess':>8}"
    )
    began = time.monotonic()
    figures = []
    try:
        while time.monotonic() < stop:
            await asyncio.sleep(min(args.interval, max(0.0, stop - time.monotonic())))
            figures.append(now := sample(proc))
            sessions = engine.active_sessions if engine is not None else "-"
            print(
                f"{time.monotonic() - began:5.0f} {now['rss_mb']:7.1f} {now['files']:5.0f} {now['threads']:3.0f} "
                f"{now['sockets']:5.0f} {tally.active:5d} {tally.joins:6d} {tally.bytes / 1e6:8.1f} "
                f"{tally.misaligned:5d} {sum(tally.statuses.values()):8d} {sum(tally.failures.values()):6d} "
                f"{sessions:>8}",
                flush=True,
            )
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await http.close()
    rss = [f["rss_mb"] for f in figures]
    files = [f["files"] for f in figures]
    print(
        f"\nRSS {rss[0]:.1f} → {rss[-1]:.1f} MB (max {max(rss):.1f}); open files {files[0]:.0f} → {files[-1]:.0f} "
        f"(max {max(files):.0f}); threads max {max(f['threads'] for f in figures):.0f}"
    )
    print(
        f"joins {tally.joins}, leaves {tally.leaves}, {tally.bytes / 1e6:.0f} MB delivered, "
        f"{tally.misaligned} misaligned packets"
    )
    print(f"refusals by status {dict(tally.statuses)}; broken connections {dict(tally.failures)}")
    print(f"faults toggled {dict(tally.faults)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--players", type=int, default=20, help="players joining and leaving at once")
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--interval", type=float, default=10.0, help="s between samples")
    parser.add_argument("--fault-every", type=float, default=20.0, help="s between engine faults (0: none)")
    parser.add_argument("--plain-demo", action="store_true", help="run `acetray serve --demo` itself, no faults")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as config, open(Path(config) / "serve.log", "w+b") as log_file:
        # The log goes to a file, not a pipe: a pipe nobody drains would stall the proxy once full.
        asyncio.run(soak(args, config, log_file))


if __name__ == "__main__":
    main()
