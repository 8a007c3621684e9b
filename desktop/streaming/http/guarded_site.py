"""The proxy's listening socket, with every connection passing through a `ConnectionGuard` first.

A `GuardedConnection` wraps aiohttp's protocol for one accepted socket. It asks the
guard to admit it (see `connection_guard.py` for who gives way), and until the first
request head is complete it watches the bytes itself:

- a head not complete within `head_timeout` is cut off (slowloris: a header one byte at a time);
- a head larger than any player's is answered 431 and closed;
- anything but HTTP/1.0 and HTTP/1.1 is answered 505 here, so aiohttp never echoes an
  odd version back in its status line.

After that it only passes bytes and flow control through, so a streaming player pays one
attribute check per read and nothing per write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import cast

from aiohttp import web

from desktop.streaming.http.connection_guard import ConnectionGuard, Tracked

MAX_HEAD_BYTES = 32 * 1024  # a request head larger than this is not a player's


def _answer(status: str, text: str) -> bytes:
    body = text.encode() + b"\r\n"
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


_VERSION_NOT_SUPPORTED = _answer("505 HTTP Version Not Supported", "AceTray speaks HTTP/1.0 and HTTP/1.1.")
_HEAD_TOO_LARGE = _answer("431 Request Header Fields Too Large", "The request's headers are too large.")


class GuardedConnection(asyncio.Protocol):
    """One accepted socket: admitted by the guard, then handed to aiohttp's handler."""

    __slots__ = ("_guard", "_head", "_head_done", "_inner", "_timer", "_tracked", "_transport")

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol) -> None:
        self._guard = guard
        self._inner = inner
        self._transport: asyncio.Transport | None = None
        self._tracked: Tracked | None = None  # None: refused, or closed and released
        self._head_done = False
        self._head = b""
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but behave as one.
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        self._tracked = self._guard.admit(address, self._inner, self.abort)
        if self._tracked is None:
            self._transport.abort()
            return
        self._timer = asyncio.get_running_loop().call_later(self._guard.limits.head_timeout, self._head_overdue)
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if not self._head_done and not self._watch_head(data):
            return
        self._inner.data_received(data)

    def _watch_head(self, data: bytes) -> bool:
        """Watch the first request's head; False when the connection was answered and closed here."""
        head = self._head + data
        if head.find(b"\r\n") != -1:
            version = head.split(b"\r\n", 1)[0].rsplit(b" ", 1)[-1]
            if version not in (b"HTTP/1.1", b"HTTP/1.0"):
                return self._refuse(_VERSION_NOT_SUPPORTED)
        if head.find(b"\r\n\r\n") != -1:
            self._head_done = True
            self._head = b""
            self._cancel_timer()
            if self._tracked is not None:
                self._guard.head_received(self._tracked)
            return True
        if len(head) >= MAX_HEAD_BYTES:
            return self._refuse(_HEAD_TOO_LARGE)
        self._head = head
        return True

    def _refuse(self, answer: bytes) -> bool:
        assert self._transport is not None
        self._transport.write(answer)
        self._transport.close()
        self._head_done = True  # nothing more is read
        self._head = b""
        self._cancel_timer()
        return False

    def _head_overdue(self) -> None:
        self._timer = None
        if not self._head_done:
            self._guard.timed_out += 1
            self._guard.report.warning(
                "slow-head",
                "closed a connection from %s: no complete request within %g s",
                self._peer(),
                self._guard.limits.head_timeout,
            )
            self.abort()

    def _peer(self) -> str:
        return self._tracked.home.name if self._tracked is not None else "?"

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._tracked is not None else None

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        tracked, self._tracked = self._tracked, None
        if tracked is not None:  # admitted: released here, unless the guard closed it to make room
            self._guard.release(tracked)
            self._inner.connection_lost(exc)


class GuardedSite(web.BaseSite):
    """A TCP listening socket whose connections pass through `guard` (see the module docstring).

    The runner's app must have `guard.middleware`: it is how the guard learns that a
    connection finished a request and idles in keep-alive.
    """

    def __init__(self, runner: web.BaseRunner, host: str, port: int, guard: ConnectionGuard) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port
        self.guard = guard
        self._listening: asyncio.Server | None = None  # BaseSite's _server, with its concrete type

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) the socket is bound to (the port the system chose for port 0)."""
        sockets = self._listening.sockets if self._listening is not None else ()
        if not sockets:
            return self._host, self._port
        bound = sockets[0].getsockname()
        return str(bound[0]), int(bound[1])

    async def start(self) -> None:
        app = getattr(self._runner, "app", None)
        if isinstance(app, web.Application) and self.guard.middleware not in app.middlewares:
            raise RuntimeError("the app must include the connection guard's middleware")
        await super().start()
        server = self._runner.server
        assert server is not None
        self._server = self._listening = await asyncio.get_running_loop().create_server(
            self._protocol_factory(server), self._host, self._port, backlog=self._backlog, reuse_address=True
        )

    def _protocol_factory(self, inner: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        return lambda: GuardedConnection(self.guard, inner())
