#!/usr/bin/env python3
"""A neighbour's keep-alive flood against the proxy: prints who still gets in. Asserts nothing.

The flood opens connections from one or more loopback addresses (127.0.0.1, 127.0.0.2, …),
sends one request on each, reads the answer and then holds the connection open in
keep-alive; a connection the proxy closes is opened again at once, as a flood tool keeps
its hold (`--once`: not). Meanwhile, every `--every` seconds, from 127.0.0.1 and from an address outside
the flood (127.0.0.250): a new player asks for a channel and reads its first 64 KiB, and
/api/health is asked. A player that started before the flood keeps reading throughout.

Printed: of each kind of newcomer, how many got in and how many were reset, and the
longest time none got in; the watching player's bytes and longest stall; how many
connections the flood held, and its reconnects.

    python tests/bench/flood_keepalive.py                              # 1,024 from 127.0.0.1, 20 s
    python tests/bench/flood_keepalive.py --addresses 8 --per-address 128
    python tests/bench/flood_keepalive.py --port 6878 --seconds 600    # against a proxy already running

Without `--port` it starts `python -m desktop serve --demo` from this tree under
`ulimit -n 1024` (the common default), so the caps are what most machines get.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.processes import listening, serve
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
CHANNEL = "94c2fd8fb9bc8f2fc71a2cbe9d4b866f227a0209"
OUTSIDER = "127.0.0.250"
TIMEOUT = 5.0  # s a newcomer waits for its answer before it counts as locked out


@dataclass
class Tally:
    """One kind of newcomer: each attempt's time and whether it got in."""

    attempts: list[tuple[float, bool]] = field(default_factory=list)

    def add(self, at: float, ok: bool) -> None:
        self.attempts.append((at, ok))

    def summary(self) -> str:
        good = sum(ok for _, ok in self.attempts)
        longest, since = 0.0, None
        for at, ok in self.attempts:
            if not ok and since is None:
                since = at
            elif ok and since is not None:
                longest, since = max(longest, at - since), None
        if since is not None and self.attempts:
            longest = max(longest, self.attempts[-1][0] - since)
        refused = len(self.attempts) - good
        return f"{good:>4}/{len(self.attempts):<4} got in, {refused:>4} reset; locked out ≤ {longest:5.1f} s"


@dataclass
class Flood:
    held: int = 0  # connections answered and now idle in keep-alive
    most_held: int = 0
    connects: int = 0
    failures: int = 0


async def _read_answer(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            await reader.readexactly(int(line.split(b":", 1)[1]))
    return head


async def hold_one(port: int, address: str, flood: Flood, stop_at: float, reconnect: bool) -> None:
    """One flood connection, held until `stop_at` and (with `reconnect`) re-opened whenever it is closed."""
    request = f"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    first = True
    while time.monotonic() < stop_at and (reconnect or first):
        first = False
        flood.connects += 1
        held = False
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))
            try:
                writer.write(request)
                await asyncio.wait_for(_read_answer(reader), TIMEOUT)
                flood.held += 1
                held = True
                flood.most_held = max(flood.most_held, flood.held)
                with contextlib.suppress(TimeoutError):  # held until closed, or the flood's end
                    await asyncio.wait_for(reader.read(1), max(0.0, stop_at - time.monotonic()))
            finally:
                writer.close()
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            flood.failures += 1
            await asyncio.sleep(0.05)  # refused: try again soon, as a flood tool does
        finally:
            if held:
                flood.held -= 1


async def newcomer(port: int, address: str, path: str, want: int) -> bool:
    """A new connection asking `path`: True when it is answered 200 and `want` body bytes arrive."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))
    except OSError:
        return False
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        async with asyncio.timeout(TIMEOUT):
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                return False
            await reader.readexactly(want)
        return True
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
        return False
    finally:
        writer.close()


async def watch(port: int, playing: asyncio.Event, done: asyncio.Event) -> tuple[int, float, bool]:
    """The player already watching: bytes read, its longest wait for data, and whether it was cut off."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /ace/getstream?id={CHANNEL} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    await reader.readuntil(b"\r\n\r\n")
    playing.set()
    received, stall, last = 0, 0.0, time.monotonic()
    try:
        while not done.is_set():
            data = await asyncio.wait_for(reader.read(65536), 30)
            if not data:
                return received, stall, True
            received += len(data)
            stall, last = max(stall, time.monotonic() - last), time.monotonic()
    except (OSError, TimeoutError):
        return received, max(stall, time.monotonic() - last), True
    finally:
        writer.close()
    return received, stall, False


async def run(port: int, addresses: list[str], per_address: int, seconds: float, every: float, reconnect: bool) -> None:
    tallies = {
        name: Tally() for name in ("player 127.0.0.1", "health 127.0.0.1", f"player {OUTSIDER}", f"health {OUTSIDER}")
    }
    flood = Flood()
    playing, done = asyncio.Event(), asyncio.Event()
    watching = asyncio.create_task(watch(port, playing, done))
    await asyncio.wait_for(playing.wait(), 30)  # before the flood, as a person watching TV would be
    warm = time.monotonic() + 3
    checks_end = warm + seconds
    stop_at = checks_end + TIMEOUT  # the flood holds until the last newcomer has its answer
    holders = [
        asyncio.create_task(hold_one(port, address, flood, stop_at, reconnect))
        for address in addresses
        for _ in range(per_address)
    ]
    await asyncio.sleep(max(0.0, warm - time.monotonic()))  # the flood takes its hold
    print(f"flood holds {flood.held} keep-alive connections after 3 s ({flood.connects} connects)", flush=True)
    kinds = [
        ("player", f"/ace/getstream?id={CHANNEL}", 65536),
        ("health", "/api/health", 0),
    ]
    checks: list[asyncio.Task[None]] = []

    async def check(name: str, address: str, path: str, want: int) -> None:
        at = time.monotonic()
        tallies[f"{name} {address}"].add(at, await newcomer(port, address, path, want))

    while time.monotonic() < checks_end:
        for name, path, want in kinds:
            for address in ("127.0.0.1", OUTSIDER):
                checks.append(asyncio.create_task(check(name, address, path, want)))
        await asyncio.sleep(every)
    await asyncio.gather(*checks)
    done.set()
    received, stall, cut = await watching
    await asyncio.gather(*holders, return_exceptions=True)
    print(
        f"flood: {len(addresses)} address(es) × {per_address}{'' if reconnect else ', once'}; "
        f"held at most {flood.most_held}; "
        f"{flood.connects} connects, {flood.failures} refused or reset"
    )
    for name, tally in tallies.items():
        print(f"  {name:<22} {tally.summary()}")
    fate = "CUT OFF" if cut else "kept playing"
    print(f"  watching player        {received / 1e6:.1f} MB, longest stall {stall:.2f} s, {fate}")


def _limit_open_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))  # `ulimit -n 1024` for the proxy only


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, help="flood a proxy already listening here (default: start one)")
    parser.add_argument("--addresses", type=int, default=1, help="flood from 127.0.0.1 … 127.0.0.N")
    parser.add_argument("--per-address", type=int, default=1024)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the flood holds")
    parser.add_argument("--every", type=float, default=0.5, help="s between newcomers")
    parser.add_argument("--once", action="store_true", help="open each flood connection once, not again when closed")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the flood's own sockets
    addresses = [f"127.0.0.{n}" for n in range(1, args.addresses + 1)]
    if args.port:
        asyncio.run(run(args.port, addresses, args.per_address, args.seconds, args.every, not args.once))
        return 0
    port = free_port()
    with tempfile.TemporaryDirectory() as config_dir, open(Path(config_dir) / "serve.log", "w+") as log:
        proxy = serve(port, config_dir, "--demo", stderr=log, preexec_fn=_limit_open_files)
        with listening((proxy, port)):
            asyncio.run(run(port, addresses, args.per_address, args.seconds, args.every, not args.once))
        log.seek(0)
        lines = log.read().splitlines()
    warnings = [line for line in lines if "WARNING" in line or "ERROR" in line]
    print(f"proxy log: {len(lines)} lines, {len(warnings)} warnings or errors; the last few:")
    for line in warnings[-4:]:
        print("   ", line[:160])
    return 0


if __name__ == "__main__":
    sys.exit(main())
