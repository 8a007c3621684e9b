"""The proxy's listening socket and the aiohttp runner behind it.

A settings change can move it (another port, or LAN sharing turned on or off)
without cutting anyone off: closing a listening socket leaves the connections
it accepted open, so players already streaming keep their streams.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from desktop.streaming.http.connection_guard import ConnectionGuard, limits_for, open_files_limit
from desktop.streaming.http.guarded_site import GuardedSite
from desktop.streaming.http.server_log import ServerLog

log = logging.getLogger(__name__)

AppFactory = Callable[[ConnectionGuard], web.Application]  # the app, with the guard's middleware in it
# A port this listener has just let go of can stay taken for a moment: a program started at that
# instant (a player, the engine finder's commands) holds a copy of every open socket between its
# fork and its exec, the listening one too. Milliseconds, more on a loaded machine: so binding it
# again is retried for this long before "in use by another program" is believed.
RELEASED_PORT_WAIT = 1.0  # s
RELEASED_PORT_RETRY = 0.02  # s between tries
_IN_USE = (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1))


class Listener:
    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._guard: ConnectionGuard | None = None  # this run's connection caps, shared by its sockets
        self._site: GuardedSite | None = None

    @property
    def listening(self) -> bool:
        return self._site is not None

    @property
    def address(self) -> tuple[str, int] | None:
        """(host, port) of the socket new connections come to; None while none listens."""
        return self._site.address if self._site is not None else None

    async def open(self, make_app: AppFactory, host: str, port: int) -> None:
        """Serve the app `make_app` builds around this run's connection guard at host:port;
        OSError when that cannot be bound (then none listens)."""
        if self._runner is None:
            self._guard = ConnectionGuard(limits_for(open_files_limit()))
            self._runner = web.AppRunner(
                make_app(self._guard),
                handler_cancellation=True,
                access_log=None,
                logger=ServerLog(),  # a malformed request is one rate-limited line, not an ERROR with a traceback
                keepalive_timeout=self._guard.limits.keepalive,
            )
            await self._runner.setup()
        self._site = await self._bind(host, port)

    async def move(self, host: str, port: int) -> Move:
        """Listen at host:port from now on; OSError (and nothing changed) when it cannot be bound.

        The old socket keeps listening until `keep`. The same port on another
        address cannot be bound while the old socket holds it: then the old one is
        closed first, and opened again if the new bind fails or the move is undone.
        """
        old = self._site
        assert old is not None, "move() is for a listener that listens"
        was = old.address
        if port != was[1]:
            self._site = await self._bind(host, port)
            return Move(self._site, old, was)
        self._site = None
        await old.stop()
        try:
            self._site = await self._bind_released(host, port)
        except OSError:
            self._site = await self._bind_released(*was)
            raise
        return Move(self._site, None, was)

    async def keep(self, move: Move) -> None:
        """The move stays: the old socket stops accepting (players connected through it keep streaming)."""
        if move.old is not None:
            await move.old.stop()

    async def undo(self, move: Move) -> None:
        """Back where it was; OSError when another program took that port meanwhile (then none listens)."""
        await move.new.stop()
        if move.old is not None:
            self._site = move.old
            return
        self._site = None
        self._site = await self._bind_released(*move.was)

    async def close(self) -> None:
        """Stop listening and end every connection."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._guard = None
        self._site = None

    async def _bind_released(self, host: str, port: int) -> GuardedSite:
        """Bind a port this listener has just closed (see RELEASED_PORT_WAIT)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RELEASED_PORT_WAIT
        while True:
            try:
                return await self._bind(host, port)
            except OSError as exc:
                if exc.errno not in _IN_USE or loop.time() >= deadline:
                    raise
                log.debug("port %d still held a moment after closing it; trying again", port)
                await asyncio.sleep(RELEASED_PORT_RETRY)

    async def _bind(self, host: str, port: int) -> GuardedSite:
        assert self._runner is not None and self._guard is not None
        site = GuardedSite(self._runner, host, port, self._guard)
        try:
            await site.start()
        except OSError:
            await site.stop()  # a site that never listened must not stay on the runner's list
            raise
        return site


@dataclass(frozen=True)
class Move:
    """A move under way, for `Listener.keep` or `Listener.undo`."""

    new: GuardedSite
    old: GuardedSite | None  # still listening; None when it was let go to bind the same port
    was: tuple[str, int]  # where it listened before
