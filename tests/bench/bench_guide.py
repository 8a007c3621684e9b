#!/usr/bin/env python3
"""On-demand benchmark of the guide (/epg.xml): prints figures, asserts nothing.

1. Merge: a generated guide of ~100 MB and 1 M programmes (2,000 channels) read as
   AceTray reads a fetched guide (stream parse into its stored copy), then matched
   to 500 channels and written as /epg.xml. In a process of its own, so its figures
   are its own: wall time of each step, and the peak RSS the merge added to the
   process (VmHWM after, less the RSS before).
2. Serving: `acetray serve` with that guide and 50 unpaced players on one channel,
   while 5 clients fetch /epg.xml at the same moment (TV apps refreshing their
   guide), then while they fetch it back to back (a worst case); the proxy's CPU-s
   per GB the players got, beside tests/bench/bench_proxy.py's figure for the same
   50 players without the guide, measured in the same run.

    python tests/bench/bench_guide.py                 # both
    python tests/bench/bench_guide.py --only merge    # or serving
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import multiprocessing
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_proxy import CONTENT_ID, players_with_data, run_scenario
from tests.bench.processes import demo_and_serve

GUIDE_CHANNELS = 2000
PROGRAMMES_PER_CHANNEL = 500  # 1 M programmes
LISTED = 500  # AceTray channels; half matched by tvg-id, half by name


def xmltv_time(seconds: float) -> str:
    return time.strftime("%Y%m%d%H%M%S +0000", time.gmtime(seconds))


def write_guide(path: Path, now: float) -> None:
    start = now - 12 * 3600
    with path.open("wb") as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<tv generator-info-name="bench">\n')
        for n in range(GUIDE_CHANNELS):
            out.write(f'<channel id="c{n}.b"><display-name>Bench Channel {n}</display-name></channel>\n'.encode())
        times = [xmltv_time(start + k * 1800) for k in range(PROGRAMMES_PER_CHANNEL + 1)]
        for n in range(GUIDE_CHANNELS):
            channel = f'channel="c{n}.b"'
            rows = [
                f'<programme start="{times[k]}" stop="{times[k + 1]}" {channel}><title>S {k}</title></programme>\n'
                for k in range(PROGRAMMES_PER_CHANNEL)
            ]
            out.write("".join(rows).encode())
        out.write(b"</tv>\n")


def write_playlist(path: Path) -> None:
    lines = ["#EXTM3U"]
    for n in range(LISTED):
        content_id = CONTENT_ID if n == 0 else f"{n:040x}"
        tvg = f' tvg-id="c{n}.b"' if n % 2 == 0 else ""
        lines += [f"#EXTINF:-1{tvg},Bench Channel {n} HD", f"acestream://{content_id}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def vm_hwm() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def merge_child(guide: Path, playlist: Path, folder: Path) -> None:
    """Runs in its own process (a fresh interpreter): the merge's figures, one per line."""
    from desktop.streaming.channels.catalog import Catalog
    from desktop.streaming.channels.m3u import parse
    from desktop.streaming.guide.host import GuideHost

    parsed = parse(playlist.read_bytes())
    catalog = Catalog.merge([parsed.channels])

    async def run() -> None:
        host = GuideHost(
            interval_hours=6, run_sources=[str(guide)], config_folder=folder / "c", cache_folder=folder / "k"
        )
        host.set_catalog(catalog)
        await host.open()
        rss_before = psutil.Process().memory_info().rss
        t0 = time.perf_counter()
        (state,) = await host.refresh_all()
        t1 = time.perf_counter()
        output = await host.output()
        t2 = time.perf_counter()
        await host.close()
        matched = sum(1 for m in host.view.matches.values() if m.ref is not None)
        print(f"guide read and stored    {t1 - t0:7.1f} s   ({state.programmes:,} programmes, {state.error or 'ok'})")
        print(
            f"matched and written      {t2 - t1:7.1f} s   ({matched} of {len(catalog)} channels matched, "
            f"{output.counts.programmes:,} programmes, {output.plain.stat().st_size / 1e6:.0f} MB, "
            f"gzip {output.packed.stat().st_size / 1e6:.1f} MB)"
        )
        print(f"merge wall time          {t2 - t0:7.1f} s")
        print(
            f"peak RSS added           {(vm_hwm() - rss_before) / 1e6:7.1f} MB (RSS before {rss_before / 1e6:.0f} MB)"
        )

    asyncio.run(run())


def fetch_guides(port: int, seconds: float, clients: int, once: bool) -> tuple[int, int, float]:
    """In its own process: `clients` threads fetching /epg.xml at the same moment, once (as TV apps
    refreshing their guide), or back to back for `seconds`. (fetches, bytes, longest s)."""
    import threading

    counts, sizes, longest = [0] * clients, [0] * clients, [0.0] * clients
    end = time.monotonic() + seconds
    go = threading.Barrier(clients)

    def client(i: int) -> None:
        go.wait()
        while True:
            begin = time.monotonic()
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(b"GET /epg.xml HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                while chunk := sock.recv(1 << 20):
                    sizes[i] += len(chunk)
            counts[i] += 1
            longest[i] = max(longest[i], time.monotonic() - begin)
            if once or time.monotonic() >= end:
                return

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts), sum(sizes), max(longest)


async def players_with_guide_clients(
    port: int, players: int, seconds: float, proxy: psutil.Process, once: bool
) -> dict[str, float]:
    conns = await players_with_data(port, players, f"/ace/getstream?id={CONTENT_ID}")
    await asyncio.sleep(1.0)
    cpu0, bytes0, t0 = proxy.cpu_times(), sum(p.received for _, p in conns), time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        fetched, served, longest = await asyncio.wrap_future(pool.submit(fetch_guides, port, seconds, 5, once))
    await asyncio.sleep(max(0.0, t0 + seconds - time.perf_counter()))  # the same window either way
    elapsed = time.perf_counter() - t0
    delivered = sum(p.received for _, p in conns) - bytes0
    cpu1 = proxy.cpu_times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    for transport, _ in conns:
        transport.close()
    await asyncio.sleep(0.5)  # the players are gone before the next round
    return {
        "mb_s": delivered / elapsed / 1e6,
        "cpu_s_per_gb": cpu / (delivered / 1e9),
        "guides": fetched,
        "guide_mb": served / 1e6,
        "longest": longest,
    }


def serving(guide: Path, playlist: Path, players: int, seconds: float) -> None:
    baseline = run_scenario("serve", "unpaced", players, seconds, 64, probes=False)
    with demo_and_serve(("--unpaced",), ("--playlist", str(playlist), "--guide", str(guide))) as served:
        port = served.port
        wait_for_merged_guide(port)
        process = psutil.Process(served.proxy.pid)
        burst = asyncio.run(players_with_guide_clients(port, players, seconds, process, once=True))
        flood = asyncio.run(players_with_guide_clients(port, players, seconds, process, once=False))
    alone = f"{baseline.delivered_mb_s:8.1f} MB/s  {baseline.cpu_s_per_gb:.3f} CPU-s/GB"
    print(f"{players} players alone (bench_proxy)              {alone}")
    for what, figures in (("5 fetch /epg.xml at once", burst), ("5 fetch /epg.xml nonstop", flood)):
        print(
            f"{players} players, {what}  {figures['mb_s']:8.1f} MB/s  {figures['cpu_s_per_gb']:.3f} CPU-s/GB"
            f"   ({figures['guides']:.0f} guides, {figures['guide_mb']:.0f} MB, longest {figures['longest']:.2f} s)"
        )


def wait_for_merged_guide(port: int, timeout: float = 300.0) -> None:
    """The guide file is read in the background: wait until /epg.xml carries its programmes."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/epg.xml", timeout=60) as resp:
            if b"<title>S " in resp.read():
                return
        time.sleep(1.0)
    raise RuntimeError("the guide was not merged in time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("merge", "serving"))
    parser.add_argument("--players", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--merge-child", nargs=3, metavar=("GUIDE", "PLAYLIST", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.merge_child:
        merge_child(*(Path(p) for p in args.merge_child))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        guide, playlist = work / "guide.xml", work / "list.m3u"
        started = time.perf_counter()
        write_guide(guide, time.time())
        write_playlist(playlist)
        programmes, took = GUIDE_CHANNELS * PROGRAMMES_PER_CHANNEL, time.perf_counter() - started
        print(
            f"generated guide          {guide.stat().st_size / 1e6:7.0f} MB, {programmes:,} programmes, "
            f"{GUIDE_CHANNELS:,} channels ({took:.1f} s); {LISTED} AceTray channels"
        )
        if args.only in (None, "merge"):
            child = [sys.executable, __file__, "--merge-child", str(guide), str(playlist), str(work / "merge")]
            subprocess.run(child, check=True, cwd=ROOT)
        if args.only in (None, "serving"):
            serving(guide, playlist, args.players, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
