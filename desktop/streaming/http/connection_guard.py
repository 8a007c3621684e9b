"""Connection limits in front of the HTTP server, so one machine cannot lock the house out.

Every accepted socket passes through a `GuardedConnection` before aiohttp's
request handler sees it. The guard:

- caps connections in total and per client address; when a cap is reached the
  oldest connection that has not yet sent a complete request head is closed
  to make room (an idle flood gives way to a real request), and only when
  every held connection is busy is the newcomer refused;
- closes a connection that has not sent a complete request head within
  `head_timeout` (slowloris: a header one byte at a time);
- answers anything but HTTP/1.0 and HTTP/1.1 with 505 itself, so aiohttp never
  echoes an odd version back in its status line.

Players already streaming have sent complete requests, so they are never
evicted. It wraps the protocol instead of subclassing aiohttp's handler: only
a connection's first bytes are looked at, and flow control is passed through.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from aiohttp import web

from desktop.streaming.logs import RateLimitedLog

log = logging.getLogger(__name__)

MAX_HEAD_BYTES = 32 * 1024  # a request head larger than this is not a player's
_VERSION_NOT_SUPPORTED = (
    b"HTTP/1.1 505 HTTP Version Not Supported\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\nContent-Length: 40\r\n\r\nAceTray speaks HTTP/1.0 and HTTP/1.1.\r\n\r\n"
)


@dataclass(frozen=True)
class ConnectionLimits:
    total: int = 900  # below the common 1,024 open-files limit, leaving room for engine sockets and files
    per_address: int = 128  # a household device opens a few; the benchmark's 50 players fit
    head_timeout: float = 10.0  # s to send a complete request head


class ConnectionGuard:
    """The bookkeeping shared by all connections of one listening socket."""

    def __init__(self, limits: ConnectionLimits, loop: asyncio.AbstractEventLoop) -> None:
        self.limits = limits
        self._loop = loop
        self._open: OrderedDict[GuardedConnection, None] = OrderedDict()  # oldest first
        self._by_address: dict[str, int] = {}
        self.refused = 0
        self.evicted = 0
        self.timed_out = 0
        self.report = RateLimitedLog(log)

    def protocol_factory(self, inner_factory: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        return lambda: GuardedConnection(self, inner_factory())

    @property
    def open_count(self) -> int:
        return len(self._open)

    def admit(self, connection: GuardedConnection) -> bool:
        """Make room for `connection` if its address or the total is at the cap; False: refuse it."""
        address = connection.address
        if self._by_address.get(address, 0) >= self.limits.per_address and not self._evict_idle(address):
            self._refuse(f"more than {self.limits.per_address} connections from {address}")
            return False
        if len(self._open) >= self.limits.total and not self._evict_idle(None):
            self._refuse(f"more than {self.limits.total} connections")
            return False
        self._open[connection] = None
        self._by_address[address] = self._by_address.get(address, 0) + 1
        return True

    def release(self, connection: GuardedConnection) -> None:
        """Forget a connection (idempotent: an evicted one is released before its socket closes)."""
        if connection not in self._open:
            return
        del self._open[connection]
        remaining = self._by_address[connection.address] - 1
        if remaining:
            self._by_address[connection.address] = remaining
        else:
            del self._by_address[connection.address]

    def _evict_idle(self, address: str | None) -> bool:
        for connection in self._open:
            if not connection.head_complete and (address is None or connection.address == address):
                self.evicted += 1
                self.report.warning("evict", "closed an idle connection from %s to make room", connection.address)
                connection.abort()
                self.release(connection)  # now: its connection_lost comes a loop turn later
                return True
        return False

    def _refuse(self, why: str) -> None:
        self.refused += 1
        self.report.warning("refuse", "refused a connection: %s", why)

    def close_all(self) -> None:
        for connection in list(self._open):
            connection.abort()


class GuardedConnection(asyncio.Protocol):
    """One accepted socket: admitted by the guard, then handed to aiohttp's handler."""

    __slots__ = ("_admitted", "_guard", "_head", "_inner", "_timer", "_transport", "address", "head_complete")

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol) -> None:
        self._guard = guard
        self._inner = inner
        self._transport: asyncio.Transport | None = None
        self.address = "?"
        self.head_complete = False
        self._head = b""
        self._timer: asyncio.TimerHandle | None = None
        self._admitted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if not self._guard.admit(self):
            self._transport.abort()
            return
        self._admitted = True
        self._timer = asyncio.get_running_loop().call_later(self._guard.limits.head_timeout, self._head_overdue)
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if not self.head_complete and not self._check_head(data):
            return
        self._inner.data_received(data)

    def _check_head(self, data: bytes) -> bool:
        """Watch the first request's head; False when the connection was answered and closed here."""
        head = self._head + data
        if head.find(b"\r\n") != -1 or len(head) >= MAX_HEAD_BYTES:
            version = head.split(b"\r\n", 1)[0].rsplit(b" ", 1)[-1]
            if version not in (b"HTTP/1.1", b"HTTP/1.0"):
                assert self._transport is not None
                self._transport.write(_VERSION_NOT_SUPPORTED)
                self._transport.close()
                self._head = b""
                return False
        if head.find(b"\r\n\r\n") != -1 or len(head) >= MAX_HEAD_BYTES:
            # Complete (or too large for aiohttp, which answers 400 itself): no longer idle.
            self.head_complete = True
            self._head = b""
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        else:
            self._head = head
        return True

    def _head_overdue(self) -> None:
        self._timer = None
        if not self.head_complete:
            self._guard.timed_out += 1
            self._guard.report.warning(
                "slow-head",
                "closed a connection from %s: no complete request within %g s",
                self.address,
                self._guard.limits.head_timeout,
            )
            self.abort()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._admitted else None

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._admitted:
            self._admitted = False
            self._guard.release(self)
            self._inner.connection_lost(exc)


class GuardedSite(web.BaseSite):
    """A TCP listening socket whose connections pass through a ConnectionGuard (see the module docstring)."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, limits: ConnectionLimits) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port
        self._limits = limits
        self.guard: ConnectionGuard | None = None
        self._listening: asyncio.Server | None = None  # BaseSite's _server, with its concrete type

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        sockets = self._listening.sockets if self._listening is not None else ()
        return int(sockets[0].getsockname()[1]) if sockets else self._port

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        self.guard = ConnectionGuard(self._limits, loop)
        self._server = self._listening = await loop.create_server(
            self.guard.protocol_factory(server), self._host, self._port, backlog=self._backlog, reuse_address=True
        )


def open_files_limit() -> int | None:
    """The soft open-files limit, or None where there is none to speak of."""
    try:
        import resource
    except ImportError:
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else int(soft)


def raise_open_files_limit() -> int | None:
    """Lift the soft open-files limit to the hard one (where the OS has such limits); the soft limit after."""
    try:
        import resource
    except ImportError:  # Windows: no per-process descriptor limit of this kind
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError) as exc:
            log.info("could not raise the open-files limit from %d: %s", soft, exc)
    return None if soft == resource.RLIM_INFINITY else int(soft)


def limits_for(open_files: int | None, reserve: int = 128) -> ConnectionLimits:
    """Caps that leave `reserve` descriptors for engine sockets, logs and files."""
    default = ConnectionLimits()
    if open_files is None:
        return default
    total = max(64, min(default.total, open_files - reserve))
    return ConnectionLimits(total=total, per_address=min(default.per_address, total))
