#!/usr/bin/env python3
"""On-demand measurement of players that never read: prints figures, asserts nothing.

Against `acetray serve --demo` (a fresh config, the default settings), with
plain blocking sockets:

  cap    16 players that never read, 8 from 127.0.0.2 and 8 from 127.0.0.3,
         each on its own channel, fill the channel cap (16). From then on
         127.0.0.1 asks for a 17th channel every half second: the figure is
         the time until it gets its channel (HTTP 200), and how many
         channels are open afterwards (the cap stays where it is).
  stall  two players on one channel; one reads all along, the other reads
         1 MB and then stops reading (as a paused player does): the figure
         is the time from its last read until the proxy drops it (it leaves
         /api/streams), and whether the reading one is still there.

Issue 18, item 7: a third address gets its channel within 20 s; a stalled
player is dropped after the stale timeout (30 s by default).

    python tests/bench/bench_hogs.py
    python tests/bench/bench_hogs.py --only stall
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from desktop.streaming.live.registry import MAX_CHANNELS
from tests.bench.processes import listening, serve
from tests.ports import free_port

GIVE_UP = 180.0  # s: a figure past this is reported as "more than"


def channel(n: int) -> str:
    return f"{n:040x}"


def ask(port: int, content_id: str, source: str = "127.0.0.1") -> socket.socket:
    """A player's request; the answer is left unread."""
    sock = socket.create_connection(("127.0.0.1", port), source_address=(source, 0), timeout=30)
    sock.sendall(f"GET /ace/getstream?id={content_id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    return sock


def status_line(sock: socket.socket) -> str:
    head = b""
    while b"\r\n" not in head:
        data = sock.recv(4096)
        if not data:
            break
        head += data
    return head.split(b"\r\n", 1)[0].decode("latin-1")


def streams(port: int) -> list[dict]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET /api/streams HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while data := sock.recv(65536):
            answer += data
    return json.loads(answer.split(b"\r\n\r\n", 1)[1])["streams"]


def wait_for(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("the proxy did not get there in time")
        time.sleep(0.1)


def cap(port: int) -> None:
    hogs = [ask(port, channel(n + 1), f"127.0.0.{2 + n // (MAX_CHANNELS // 2)}") for n in range(MAX_CHANNELS)]
    try:
        # Filled: every channel is open and has sent its never-reading player something.
        wait_for(
            lambda: (
                len(open_ := streams(port)) == MAX_CHANNELS
                and all(any(c["bytes_sent"] for c in s["clients"]) for s in open_)
            )
        )
        filled = time.monotonic()
        refused = 0
        while (waited := time.monotonic() - filled) < GIVE_UP:
            with ask(port, channel(MAX_CHANNELS + 1)) as third:
                line = status_line(third)
            if " 200 " in line + " ":
                print(
                    f"cap    a third address got its channel {waited:.1f} s after the cap filled "
                    f"({refused} refusals first); channels open now: {len(streams(port))}"
                )
                return
            refused += 1
            time.sleep(0.5)
        print(f"cap    a third address had no channel after {GIVE_UP:.0f} s ({refused} refusals)")
    finally:
        for sock in hogs:
            sock.close()


def stall(port: int) -> None:
    content = channel(99)
    reading, stalling = ask(port, content), ask(port, content)
    stop_reading = threading.Event()

    def keep_reading() -> None:
        while not stop_reading.is_set() and reading.recv(65536):
            pass

    reader = threading.Thread(target=keep_reading, daemon=True)
    reader.start()
    try:
        got = 0
        while got < 1_000_000:
            got += len(stalling.recv(65536))
        stopped = time.monotonic()
        mine = f"127.0.0.1:{stalling.getsockname()[1]}"
        theirs = f"127.0.0.1:{reading.getsockname()[1]}"

        def addresses() -> set[str]:
            return {c["address"] for s in streams(port) for c in s["clients"]}

        while (waited := time.monotonic() - stopped) < GIVE_UP:
            present = addresses()
            if mine not in present:
                still = "still plays" if theirs in present else "is gone too"
                print(f"stall  the stalled player was dropped {waited:.1f} s after its last read; the other {still}")
                return
            time.sleep(0.25)
        print(f"stall  the stalled player was still there after {GIVE_UP:.0f} s")
    finally:
        stop_reading.set()
        reading.shutdown(socket.SHUT_RDWR)  # its reader thread sees the end, then the sockets close
        reader.join(5)
        reading.close()
        stalling.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("cap", "stall"), help="one measurement only")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as config_dir, listening((serve(port, config_dir, "--demo"), port)):
        if args.only in (None, "cap"):
            cap(port)
        if args.only in (None, "stall"):
            wait_for(lambda: not streams(port), timeout=60)  # the cap's channels have closed
            stall(port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
