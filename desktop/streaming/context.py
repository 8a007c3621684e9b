"""CoreContext: what streams and the registry may use — never their owners.

Modelled on uvicorn's `ServerState`: a child gets the current settings plus
a small state object, so a stream never calls back into the registry or the
service that made it, and imports point one way (down). ProxyService owns
the one context for its whole life and is its only writer: it attaches the
engine client and HTTP session when it starts, detaches them when it stops,
and swaps config and engine in one place (`update`) when settings change.
Readers always read the attribute at the moment they need it, so a change
reaches running streams at their next use, without telling them.
"""

from __future__ import annotations

import asyncio
import itertools
import logging

import aiohttp

from desktop.streaming.config import ProxyConfig
from desktop.streaming.engine import EngineClient, EngineError, EngineSession
from desktop.streaming.events import EventSink

log = logging.getLogger(__name__)


class CoreStopped(RuntimeError):
    """The engine client or HTTP session was asked for while the proxy is not running."""


class Counters:
    """Running totals over the service's life, for diagnostics and tests (core loop only)."""

    def __init__(self) -> None:
        self._client_ids = itertools.count(1)
        self.stale_evictions = 0  # players dropped for taking nothing
        self.sessions_started = 0  # channels opened (each one an engine session)

    def next_client_id(self) -> int:
        """Unique over the service's life, so the window never confuses a new player with a gone one."""
        return next(self._client_ids)


class SessionStopper:
    """Sends the engine's `method=stop` for finished sessions in the background, tracked.

    A closing stream must not wait for the engine (its players are told at
    once), but a shutdown must, briefly: otherwise the engine keeps a session
    running that nobody reads. So stops run as tasks kept here, and `wait`
    gives them a bounded time.
    """

    def __init__(self) -> None:
        self._pending: set[asyncio.Task[None]] = set()

    def stop_later(self, engine: EngineClient, session: EngineSession) -> None:
        if not session.command_url:
            return  # the engine gave no way to stop it (minimal answers): it times out on its own
        task = asyncio.get_running_loop().create_task(self._stop(engine, session.command_url))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` s for the stops under way; True when all of them finished."""
        if not self._pending:
            return True
        _, not_done = await asyncio.wait(set(self._pending), timeout=timeout)
        return not not_done

    @staticmethod
    async def _stop(engine: EngineClient, command_url: str) -> None:
        try:
            await engine.stop(command_url)
        except EngineError as exc:
            log.warning("could not stop engine session: %s", exc)


class CoreContext:
    """The current config, engine client, HTTP session, event sink, counters and session stopper."""

    __slots__ = ("_engine", "_http", "config", "counters", "events", "sessions")

    def __init__(self, config: ProxyConfig, events: EventSink) -> None:
        self.config = config  # replaced whole, only by `update`
        self.events = events
        self.counters = Counters()
        self.sessions = SessionStopper()
        self._engine: EngineClient | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def engine(self) -> EngineClient:
        """The engine new sessions start on (running sessions keep the one they started on)."""
        if self._engine is None:
            raise CoreStopped("the proxy is not running")
        return self._engine

    @property
    def http(self) -> aiohttp.ClientSession:
        """The shared client session for everything the core fetches from the engine."""
        if self._http is None:
            raise CoreStopped("the proxy is not running")
        return self._http

    @property
    def attached(self) -> bool:
        return self._http is not None

    def attach(self, http: aiohttp.ClientSession, engine: EngineClient) -> None:
        """The proxy started: this session and engine serve from now on."""
        self._http, self._engine = http, engine

    def detach(self) -> None:
        """The proxy stopped (the owner closes the HTTP session itself)."""
        self._http = self._engine = None

    def update(self, config: ProxyConfig, engine: EngineClient | None = None) -> None:
        """New settings (and, when the engine moved, its client) for everything that reads them next."""
        self.config = config
        if engine is not None:
            self._engine = engine
