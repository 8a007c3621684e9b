#!/usr/bin/env python3
"""On-demand benchmark of guessing the LAN access token: prints figures, asserts nothing.

Two processes: the proxy (a `ProxyService` with an access token, on 127.0.0.1 so
nothing leaves this machine; the token rule is the same as with LAN sharing on)
and this one, which sends `--guesses` wrong tokens from one address over
`--connections` keep-alive connections at once, as fast as the proxy answers.

  judged     guesses the proxy compared with its token (answered 401)
  slowed     guesses it refused to judge (429 with Retry-After)
  guesses/s  judged guesses per second of the run: how fast a token can be guessed
  right      while the guessing runs, the right token from another address
             (127.0.0.2): its status and time to answer

    python tests/bench/bench_token_guess.py
    python tests/bench/bench_token_guess.py --guesses 20000 --connections 50
    python tests/bench/bench_token_guess.py --seconds 70      # the slowed rate, sustained
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.processes import QUIET, listening
from tests.ports import free_port

PATH = "/api/health"


async def serve(port: int, token: str) -> None:
    from desktop.streaming.config import ProxyConfig
    from desktop.streaming.service import ProxyService

    service = ProxyService(ProxyConfig(host="127.0.0.1", port=port, token=token, demo=True))
    await service.start()
    try:
        await asyncio.Event().wait()
    finally:
        await service.stop()


async def guess(port: int, token: str, guesses: int, connections: int, seconds: float) -> None:
    statuses: Counter[int] = Counter()
    deadline = time.perf_counter() + seconds
    sent = 0

    def more() -> bool:
        return time.perf_counter() < deadline if seconds else sent < guesses

    connector = aiohttp.TCPConnector(limit=connections, local_addr=("127.0.0.1", 0))
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            nonlocal sent
            while more():
                sent += 1
                async with http.get(f"http://127.0.0.1:{port}{PATH}?token={secrets.token_urlsafe(18)}") as resp:
                    await resp.read()
                    statuses[resp.status] += 1

        async def right_from_elsewhere() -> tuple[int, float]:
            await asyncio.sleep(0.5)  # while the guessing is in full flow
            other = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
            async with aiohttp.ClientSession(connector=other) as elsewhere:
                began = time.perf_counter()
                async with elsewhere.get(f"http://127.0.0.1:{port}{PATH}?token={token}") as resp:
                    await resp.read()
                    return resp.status, time.perf_counter() - began

        began = time.perf_counter()
        right = asyncio.create_task(right_from_elsewhere())
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
        right_status, right_time = await right
    judged = statuses[401]
    print(f"{sent} wrong tokens from 127.0.0.1 over {connections} connections in {elapsed:.2f} s")
    print(f"  judged     {judged:>7}  (401)")
    print(f"  slowed     {statuses[429]:>7}  (429, not judged)")
    other = {code: n for code, n in statuses.items() if code not in (401, 429)}
    if other:
        print(f"  other      {other}")
    print(f"  guesses/s  {judged / elapsed:>10.1f}")
    print(f"  requests/s {sent / elapsed:>10.1f}")
    print(f"  right token from 127.0.0.2 meanwhile: {right_status} in {right_time * 1000:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guesses", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=0.0, help="guess for this long instead (0: --guesses)")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the proxy's own process
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.token))
        return 0
    port, token = free_port(), secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory() as config_dir:
        env = dict(os.environ, ACETRAY_CONFIG_DIR=config_dir)
        proxy = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port), "--token", token], cwd=ROOT, env=env, **QUIET
        )
        with listening((proxy, port)):
            asyncio.run(guess(port, token, args.guesses, args.connections, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
