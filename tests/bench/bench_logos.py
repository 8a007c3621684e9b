#!/usr/bin/env python3
"""On-demand benchmark of the core's logos: prints figures, asserts nothing.

1. Six logo servers trickle a byte a second (issue 18's case), then a page of
   good logos is asked for: how long the good ones take, and when the trickles
   are cut (the fetch deadline).
2. Logos already in the disk cache: how many a second the store gives.
3. The logo index of a big playlist (every channel its own logo): build time
   and memory, paid once per playlist change on the core's loop.

    python tests/bench/bench_logos.py
    python tests/bench/bench_logos.py --good 50 --cached 2000 --channels 100000
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from desktop.streaming.channels import Catalog, Channel
from desktop.streaming.logos import LogoDiskCache, LogoError, LogoRef, LogoStore, logo_id
from tests.local_site import local_site
from tests.logo_site import png


async def trickle(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "image/png"})
    await response.prepare(request)
    try:
        for byte in png() * 100:
            await response.write(bytes([byte]))
            await asyncio.sleep(request.app["every"])
    except ConnectionResetError:
        pass  # cut by the store's deadline: what is measured
    return response


async def good(_request: web.Request) -> web.Response:
    return web.Response(body=png(), content_type="image/png")


async def trickles_and_good_logos(good_count: int, every: float) -> None:
    app = web.Application()
    app["every"] = every
    app.router.add_get("/trickle/{n}", trickle)
    app.router.add_get("/good/{n}", good)
    async with local_site(app, shutdown_timeout=0.1) as base:
        store = LogoStore(None)

        async def timed(url: str) -> float | str:
            started = time.perf_counter()
            try:
                await store.get(logo_id(url), LogoRef(url=url))
            except LogoError as exc:
                return f"{type(exc).__name__} after {time.perf_counter() - started:.1f} s"
            return time.perf_counter() - started

        started = time.perf_counter()
        trickles = [asyncio.ensure_future(timed(f"{base}/trickle/{n}")) for n in range(6)]
        await asyncio.sleep(0.2)  # the trickles are under way first, as when their rows come first
        goods = await asyncio.gather(*(timed(f"{base}/good/{n}") for n in range(good_count)))
        all_good = time.perf_counter() - started
        cut = await asyncio.gather(*trickles)
        times = [t for t in goods if isinstance(t, float)]
        print(f"6 trickling servers (a byte every {every:g} s), then {good_count} good logos:")
        print(f"  good logos: {len(times)}/{good_count} in {all_good:.2f} s from the start, slowest {max(times):.3f} s")
        print(f"  trickles: {', '.join(str(c) for c in cut)}")
        await store.close()


async def from_disk(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        cache = LogoDiskCache(Path(folder))
        urls = [f"http://logos.example/{n}.png" for n in range(count)]
        for url in urls:
            cache.write(logo_id(url), png())
        store = LogoStore(cache)
        askers = asyncio.Semaphore(32)  # a page's worth of <img> at once

        async def ask(url: str) -> None:
            async with askers:
                await store.get(logo_id(url), LogoRef(url=url))

        started = time.perf_counter()
        await asyncio.gather(*(ask(u) for u in urls))
        took = time.perf_counter() - started
    print(f"{count} logos from the disk cache, 32 asked at a time: {took:.2f} s ({count / took:,.0f} a second)")


def index(channels: int) -> None:
    made = tuple(
        Channel(f"Channel {n}", "", f"https://logos.example/{n}.png", "", "id", f"{n:040x}", "http://l.example/a.m3u")
        for n in range(channels)
    )
    took = merge = float("inf")
    for _ in range(3):  # the best of three: a shared machine's noise is all on one side
        started = time.perf_counter()
        catalog = Catalog.merge([made])  # for comparison: the merge the core already does at each change
        merge = min(merge, time.perf_counter() - started)
        started = time.perf_counter()
        logos = catalog.logos
        took = min(took, time.perf_counter() - started)
    fresh = Catalog.merge([made])  # its index not built yet
    tracemalloc.start()  # apart: tracing makes the build several times slower
    _ = fresh.logos
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"logo index of {channels:,} channels, each its own logo: {took * 1000:.0f} ms, {peak / 1e6:.1f} MB"
        f" (the catalog's merge: {merge * 1000:.0f} ms)"
    )
    assert len(logos) == channels  # the figure is for what it claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--good", type=int, default=20, help="good logos asked after the trickles (default 20)")
    parser.add_argument("--every", type=float, default=1.0, help="seconds between a trickle's bytes (default 1)")
    parser.add_argument("--cached", type=int, default=500, help="logos read from the disk cache (default 500)")
    parser.add_argument("--channels", type=int, default=50_000, help="channels in the index (default 50,000)")
    args = parser.parse_args()
    asyncio.run(trickles_and_good_logos(args.good, args.every))
    asyncio.run(from_disk(args.cached))
    index(args.channels)


if __name__ == "__main__":
    main()
