"""Connection limits, so one machine cannot lock the house out: who gets in, and who gives way.

Every accepted socket (a `GuardedConnection`, see `guarded_site.py`) is admitted here
and tells the guard where it is in its life:

    waiting ──its first request head──▶ busy ──its answer written──▶ kept alive ──a request──▶ busy …

- busy: inside a request (a player streaming, an answer still being written). Never
  closed to make room.
- waiting: connected, no complete request head yet (a flood tool's silent socket, or a
  newcomer whose request is on its way). Closed after `head_timeout`.
- kept alive: answered, idling until the next request on the same connection.

Caps hold per client address and in total. A newcomer that finds its address (or the
total) at the cap gets in by closing an idle connection: a kept-alive one first (it has
been served; a newcomer has not), the oldest first, then a waiting one, the oldest
first, but never one so fresh that the loop has not yet read what it sent. At the total
cap it is taken from the address holding the most idle connections, so a flood gives
way before a neighbour does. Only when none is idle is the newcomer refused. Under
pressure (half a cap in use), keep-alive is short: connections idle longer than
`keepalive_under_pressure` are closed as newcomers arrive.

The guard learns of requests through `middleware`, which must wrap the app
(`GuardedSite` checks it does); an answer counts as written when aiohttp's task for
the request ends, after its last byte went to the socket.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from desktop.streaming.logs import RateLimitedLog

log = logging.getLogger(__name__)

PRESSURE = 0.5  # the share of a cap in use from which keep-alive is short
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ConnectionLimits:
    total: int = 900  # below the common 1,024 open-files limit, leaving room for engine sockets and files
    per_address: int = 128  # a household device opens a few; the benchmark's 50 players fit
    head_timeout: float = 10.0  # s to send a complete first request head
    keepalive: float = 75.0  # s an answered connection may idle before the next request (aiohttp's own timer)
    keepalive_under_pressure: float = 5.0  # s, once half a cap is in use


class State(enum.Enum):
    WAITING = "waiting"
    BUSY = "busy"
    KEPT_ALIVE = "kept alive"
    CLOSED = "closed"


class Tracked:
    """One admitted connection in the guard's books; its socket is closed through `abort`."""

    __slots__ = ("abort", "fresh", "home", "protocol", "requests", "state")

    def __init__(self, home: _Address, protocol: object, abort: Callable[[], None]) -> None:
        self.home = home
        self.protocol = protocol  # aiohttp's handler for this connection: what a request names
        self.abort = abort
        self.state = State.WAITING
        self.requests = 0
        self.fresh = True  # admitted, and the loop has not yet read what it sent


@dataclass(eq=False)
class _Address:
    """One client address's connections: how many are open, and its idle ones, oldest first."""

    name: str
    open: int = 0
    waiting: OrderedDict[Tracked, None] = field(default_factory=OrderedDict)
    kept_alive: OrderedDict[Tracked, None] = field(default_factory=OrderedDict)

    @property
    def idle(self) -> int:
        return len(self.waiting) + len(self.kept_alive)

    def first_to_go(self) -> Tracked | None:
        """The connection this address gives up first: its oldest kept-alive one, else its oldest waiting one.

        A waiting connection so fresh that the loop has not yet read what it sent is not
        one to give up: a burst of connections from the same address must not push out
        a newcomer whose request is already there, unread.
        """
        for tracked in self.kept_alive:
            return tracked
        for tracked in self.waiting:
            return None if tracked.fresh else tracked
        return None


class ConnectionGuard:
    """The bookkeeping shared by every connection of the proxy's listening sockets."""

    def __init__(self, limits: ConnectionLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._addresses: dict[str, _Address] = {}
        self._by_protocol: dict[object, Tracked] = {}
        self._kept_alive: OrderedDict[Tracked, float] = OrderedDict()  # idle since, oldest first
        self._fresh: list[Tracked] = []  # admitted since the loop last settled a batch
        self.open_count = 0
        self.refused = 0
        self.evicted = 0
        self.expired = 0  # closed early in keep-alive, under pressure
        self.timed_out = 0
        self.report = RateLimitedLog(log)

    # --- a connection's life -----------------------------------------------------------------
    def admit(self, address: str, protocol: object, abort: Callable[[], None]) -> Tracked | None:
        """Book a new connection, making room for it if a cap is reached; None: refuse it."""
        home = self._addresses.get(address) or _Address(address)
        self._expire_under_pressure(home)
        if home.open >= self.limits.per_address and not self._make_room(home):
            self._refuse(f"more than {self.limits.per_address} connections from {address}")
            return None
        if self.open_count >= self.limits.total and not self._make_room(self._most_idle()):
            self._refuse(f"more than {self.limits.total} connections")
            return None
        self._addresses[address] = home
        tracked = Tracked(home, protocol, abort)
        home.open += 1
        home.waiting[tracked] = None
        self.open_count += 1
        self._by_protocol[protocol] = tracked
        if not self._fresh:
            asyncio.get_running_loop().call_soon(self._settle_later)
        self._fresh.append(tracked)
        return tracked

    def _settle_later(self) -> None:
        # Two turns of the loop: the next one polls the sockets admitted in this batch and
        # reads their requests (asyncio queues those reads after this callback; uvloop polls first).
        batch, self._fresh = self._fresh, []
        asyncio.get_running_loop().call_soon(self._settle, batch)

    @staticmethod
    def _settle(batch: list[Tracked]) -> None:
        for tracked in batch:
            tracked.fresh = False

    def head_received(self, tracked: Tracked) -> None:
        """The first request head is complete: the connection is busy from now until its answer is written."""
        self._move(tracked, State.BUSY)

    def release(self, tracked: Tracked) -> None:
        """Forget a connection (idempotent: one closed to make room is released before its socket closes)."""
        if tracked.state is State.CLOSED:
            return
        self._move(tracked, State.CLOSED)
        del self._by_protocol[tracked.protocol]
        home = tracked.home
        home.open -= 1
        self.open_count -= 1
        if not home.open:
            del self._addresses[home.name]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Busy from here until the request's task ends (its answer written), then kept alive."""
        tracked = self._by_protocol.get(request.protocol)
        task = asyncio.current_task()
        if tracked is not None and task is not None:
            tracked.requests += 1
            self._move(tracked, State.BUSY)
            task.add_done_callback(functools.partial(self._answered, tracked, tracked.requests))
        return await handler(request)

    def _answered(self, tracked: Tracked, request_number: int, _task: object) -> None:
        # A pipelined next request may already have begun (its task starts as this one ends).
        if tracked.state is State.BUSY and tracked.requests == request_number:
            self._move(tracked, State.KEPT_ALIVE)

    # --- who gives way -----------------------------------------------------------------------
    def _make_room(self, address: _Address | None) -> bool:
        victim = address.first_to_go() if address is not None else None
        if victim is None:
            return False
        self.evicted += 1
        self.report.warning("evict", "closed an idle connection from %s to make room", victim.home.name)
        self._close(victim)
        return True

    def _most_idle(self) -> _Address | None:
        """The address holding the most idle connections, among those with one to give up."""
        candidates = (a for a in self._addresses.values() if a.first_to_go() is not None)
        return max(candidates, key=lambda a: a.idle, default=None)

    def _expire_under_pressure(self, home: _Address) -> None:
        limits = self.limits
        if home.open < limits.per_address * PRESSURE and self.open_count < limits.total * PRESSURE:
            return
        horizon = self._clock() - limits.keepalive_under_pressure
        closed = 0
        while self._kept_alive:
            tracked, since = next(iter(self._kept_alive.items()))
            if since > horizon:
                break
            self._close(tracked)
            closed += 1
        if closed:
            self.expired += closed
            self.report.warning(
                "expire",
                "closed %d connections idle in keep-alive for over %g s: many connections are open",
                closed,
                limits.keepalive_under_pressure,
            )

    def _refuse(self, why: str) -> None:
        self.refused += 1
        self.report.warning("refuse", "refused a connection: %s", why)

    def _close(self, tracked: Tracked) -> None:
        tracked.abort()
        self.release(tracked)  # now: its connection_lost comes a loop turn later

    def _move(self, tracked: Tracked, state: State) -> None:
        home, was = tracked.home, tracked.state
        if was is state or was is State.CLOSED:
            return
        if was is State.WAITING:
            del home.waiting[tracked]
        elif was is State.KEPT_ALIVE:
            del home.kept_alive[tracked]
            del self._kept_alive[tracked]
        tracked.state = state
        if state is State.KEPT_ALIVE:
            home.kept_alive[tracked] = None
            self._kept_alive[tracked] = self._clock()


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
