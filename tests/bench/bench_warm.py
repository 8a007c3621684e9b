#!/usr/bin/env python3
"""On-demand benchmark of warm zapping (favourites kept ready): prints figures, asserts nothing.

Processes as in bench_zap.py: the demo engine, the proxy (`acetray serve
--warm N`, its favourites written to a fresh config folder first) and this
one, timing with plain blocking sockets.

  zap      request → first body byte, through the proxy, with the engine taking
           `--prebuffer` s (3 by default) from a session's start to its first byte:
             warm  a favourite kept ready (no player on it before the zap)
             cold  a channel nobody has opened (a fresh content id each time)
  cost     the proxy's CPU (user + system, as a share of one core) and peak RSS
           with N favourites kept ready and nobody watching, each channel at
           `--rate` bytes/s (1 MB/s by default), for N = 0 (the proxy alone), 1, 4, 8

    python tests/bench/bench_warm.py
    python tests/bench/bench_warm.py --zaps 40 --cold 10 --seconds 30 --counts 1,2,4,8
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_zap import _figures, _json_answer, _request, _until_body, zap_new
from tests.bench.processes import demo_and_serve

FAVOURITES = [f"f{n:039x}" for n in range(1, 9)]  # eight content ids, starred in this order


@contextmanager
def running(favourites: int, warm: int, rate: float, prebuffer: float) -> Iterator[tuple[int, subprocess.Popen]]:
    """The demo engine and `acetray serve --warm <warm>` with the first `favourites` ids starred: (port, proxy)."""
    with tempfile.TemporaryDirectory() as config_dir:
        starred = [["id", content_id] for content_id in FAVOURITES[:favourites]]
        Path(config_dir, "favourites.json").write_text(json.dumps({"format": 1, "favourites": starred}))
        engine_flags = ("--rate", str(rate), "--prebuffer", str(prebuffer))
        unbuffered = {"PYTHONUNBUFFERED": "1"}
        with demo_and_serve(engine_flags, ("--warm", str(warm)), config_dir=config_dir, env=unbuffered) as served:
            yield served.port, served.proxy


def streams(port: int) -> dict[str, dict]:
    return {s["content_id"]: s for s in _json_answer(port, "/api/streams")["streams"]}


def until_ready(port: int, content_ids: list[str], timeout: float = 60.0) -> None:
    """Poll (once every 50 ms) until every one of `content_ids` is kept ready with no player on it."""
    deadline = time.monotonic() + timeout
    while True:
        shown = streams(port)
        if all(shown.get(c, {}).get("state") == "ready" for c in content_ids):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"not ready after {timeout:g} s: {[shown.get(c, {}).get('state') for c in content_ids]}")
        time.sleep(0.05)


def zap_warm(port: int, content_id: str) -> float:
    until_ready(port, [content_id])  # the previous zap's player has gone: nobody on it
    begin = time.perf_counter()
    with _request(port, f"/ace/getstream?id={content_id}") as sock:
        _until_body(sock)
        return time.perf_counter() - begin


def measure_zaps(args: argparse.Namespace) -> tuple[list[float], list[float]]:
    with running(2, 2, args.rate, args.prebuffer) as (port, _proxy):
        until_ready(port, FAVOURITES[:2], timeout=30 + args.prebuffer)
        warm = []
        for index in range(args.zaps):
            warm.append(zap_warm(port, FAVOURITES[index % 2]))
            time.sleep(args.pause)
        cold = []
        for index in range(args.cold):
            cold.append(zap_new(port, index))  # a fresh id from an address of its own (no quota refusals)
            time.sleep(args.pause)
    return warm, cold


def measure_cost(count: int, args: argparse.Namespace) -> tuple[float, float, float]:
    """(MB/s read from the engine, proxy CPU % of one core, peak RSS MB) with `count` favourites kept ready."""
    with running(count, count, args.rate, 0.0) as (port, proxy):
        until_ready(port, FAVOURITES[:count])
        time.sleep(2.0)  # settle: every channel past its start and first rate estimate
        process = psutil.Process(proxy.pid)
        read0, cpu0, start = sum(s["bytes_in"] for s in streams(port).values()), process.cpu_times(), time.monotonic()
        time.sleep(args.seconds)
        read1, cpu1 = sum(s["bytes_in"] for s in streams(port).values()), process.cpu_times()
        elapsed = time.monotonic() - start
        cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
        with open(f"/proc/{proxy.pid}/status") as status:  # the kernel's own peak (VmHWM)
            peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    return (read1 - read0) / elapsed / 1e6, 100 * cpu / elapsed, peak / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zaps", type=int, default=20, help="zaps to a warm favourite")
    parser.add_argument("--cold", type=int, default=5, help="zaps to a cold channel (each waits the prebuffer)")
    parser.add_argument("--prebuffer", type=float, default=3.0, help="the engine's s from session start to data")
    parser.add_argument("--rate", type=float, default=1_000_000, help="each channel's bytes per second")
    parser.add_argument("--pause", type=float, default=0.3, help="s between zaps")
    parser.add_argument("--seconds", type=float, default=20.0, help="s of CPU measured per count")
    parser.add_argument("--counts", default="0,1,4,8", help="favourites kept ready, comma-separated (at most 8)")
    args = parser.parse_args()

    warm, cold = measure_zaps(args)
    print(f"zap: request → first body byte (ms); engine prebuffer {args.prebuffer:g} s, {args.rate / 1e6:g} MB/s")
    print(f"{'kind':<8} {'median':>8} {'p90':>8} {'min':>8} {'max':>8}  zaps")
    print(f"{_figures('warm', warm)}  {len(warm)}")
    print(f"{_figures('cold', cold)}  {len(cold)}")
    print(f"warm favourite vs cold channel (medians): {statistics.median(cold) / statistics.median(warm):,.0f}x sooner")
    print()
    print(f"cost: favourites kept ready, nobody watching, {args.rate / 1e6:g} MB/s each, {args.seconds:g} s each")
    print(f"{'kept':>4} {'read MB/s':>10} {'CPU %':>7} {'CPU % each':>11} {'peak RSS MB':>12}")
    base = None
    for count in (int(c) for c in args.counts.split(",")):
        mb_s, cpu, rss = measure_cost(count, args)
        base = cpu if count == 0 else base
        each = "" if count == 0 or base is None else f"{(cpu - base) / count:>11.2f}"
        print(f"{count:>4} {mb_s:>10.2f} {cpu:>7.2f} {each:>11} {rss:>12.1f}")
    print("CPU %: user + system of `acetray serve`, as a share of one core; 'each': above N = 0, per channel")
    return 0


if __name__ == "__main__":
    sys.exit(main())
