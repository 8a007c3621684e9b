"""Test helpers for the desktop app: a background asyncio loop for the fake engine and
players, players that check what they receive, and small fakes for OS glue."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

from tests.fake_engine import PACKET, TRAILER_MAGIC, TRAILER_SIZE, sequence_breaks

T = TypeVar("T")


def port_accepts(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on the port (what a player would find)."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class BackgroundLoop:
    """An asyncio loop in its own thread: the fake engine and the players live here,
    apart from both the UI thread and the app's core thread, as in real life."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="test-background", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def submit(self, coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[return-value]

    def close(self) -> None:
        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            self.run(cancel_all(), timeout=5)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
            self.loop.close()


@dataclass
class PlayerStats:
    """What one player received, checked packet by packet as it arrives."""

    bytes: int = 0
    packets: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    breaks: list[tuple[int, int]] = field(default_factory=list)  # (packet index, seq) out of order
    damaged: int = 0  # packets without sync byte or trailer (framing lost)
    status: int | None = None
    error: str | None = None


class SequenceChecker:
    """Follows the fake engine's packet sequence numbers across arbitrary read sizes."""

    def __init__(self, stats: PlayerStats, period: int) -> None:
        self._stats = stats
        self._period = period
        self._rest = b""

    def feed(self, data: bytes) -> None:
        stats = self._stats
        stats.bytes += len(data)
        buffer = self._rest + data
        whole = len(buffer) - len(buffer) % PACKET
        self._rest = buffer[whole:]
        seqs: list[int] = []
        for pos in range(0, whole, PACKET):
            if buffer[pos] != 0x47 or buffer[pos + PACKET - TRAILER_SIZE : pos + PACKET - 6] != TRAILER_MAGIC:
                stats.damaged += 1
                continue
            seqs.append(int.from_bytes(buffer[pos + PACKET - 6 : pos + PACKET - 2], "big"))
        if not seqs:
            return
        if stats.last_seq is not None:
            seqs_with_prev = [stats.last_seq] + seqs
            offset = stats.packets - 1
        else:
            stats.first_seq = seqs[0]
            seqs_with_prev = seqs
            offset = 0
        stats.breaks += [(offset + i, s) for i, s in sequence_breaks(seqs_with_prev, self._period)]
        stats.packets += len(seqs)
        stats.last_seq = seqs[-1]


async def play(
    url: str, stats: PlayerStats, *, period: int, user_agent: str = "TestPlayer/1.0", stop: asyncio.Event | None = None
) -> None:
    """A player: read the stream until `stop` is set (or the server ends it)."""
    checker = SequenceChecker(stats, period)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=30)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, auto_decompress=False) as http,
            http.get(url, headers={"User-Agent": user_agent}) as response,
        ):
            stats.status = response.status
            if response.status != 200:
                stats.error = await response.text()
                return
            reader = asyncio.ensure_future(_read(response, checker))
            waiter = asyncio.ensure_future(stop.wait()) if stop else None
            done, pending = await asyncio.wait([t for t in (reader, waiter) if t], return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if reader in done and reader.exception() is not None:
                raise reader.exception()  # type: ignore[misc]
    except (TimeoutError, aiohttp.ClientError) as exc:
        stats.error = f"{type(exc).__name__}: {exc}"


async def _read(response: aiohttp.ClientResponse, checker: SequenceChecker) -> None:
    async for chunk in response.content.iter_any():
        checker.feed(chunk)


class PlayerGroup:
    """Several players on the background loop, stopped together."""

    def __init__(self, background: BackgroundLoop) -> None:
        self._background = background
        self._stop: asyncio.Event = background.run(_make_event())
        self.stats: list[PlayerStats] = []
        self._futures: list = []

    def start(self, url: str, count: int, *, period: int, user_agent: str = "TestPlayer/1.0") -> list[PlayerStats]:
        started = []
        for _ in range(count):
            stats = PlayerStats()
            self._futures.append(
                self._background.submit(play(url, stats, period=period, user_agent=user_agent, stop=self._stop))
            )
            started.append(stats)
        self.stats += started
        return started

    def stop(self, timeout: float = 10.0) -> None:
        self._background.loop.call_soon_threadsafe(self._stop.set)
        for future in self._futures:
            future.result(timeout)


async def _make_event() -> asyncio.Event:
    return asyncio.Event()


@dataclass
class FakeAutostart:
    """Start-on-login without touching the OS."""

    supported: bool = True
    enabled: bool = False
    fail_with: str | None = None
    commands: list[Sequence[str]] = field(default_factory=list)

    def is_enabled(self) -> bool:
        return self.enabled

    def set_enabled(self, enabled: bool, command: Sequence[str]) -> None:
        from desktop.autostart import AutostartError

        if self.fail_with:
            raise AutostartError(self.fail_with)
        self.enabled = enabled
        self.commands.append(list(command))
