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

import itertools
from collections.abc import Callable

import aiohttp

from desktop.streaming.config import ProxyConfig
from desktop.streaming.engine.client import EngineClient
from desktop.streaming.events import EventSink
from desktop.streaming.ids import ChannelKey
from desktop.streaming.live.requests import RequestRecord
from desktop.streaming.live.session_stopper import SessionStopper
from desktop.streaming.runtime.clocks import Clock, MonotonicClock
from desktop.streaming.sources.failover import HealthBook
from desktop.streaming.sources.health import HealthStore
from desktop.streaming.sources.lineup import ChannelSources

Lineup = Callable[[ChannelKey], ChannelSources]  # the channel a key is a source of, with its sources

__all__ = ["CoreContext", "CoreStopped", "Counters", "SessionStopper"]


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


class CoreContext:
    """The current config, engine client, HTTP session, event sink, counters, session stopper, clock
    and the record of players' requests; the channels' sources (`lineup`) and what is known of their
    health (`health`)."""

    __slots__ = (
        "_engine", "_http", "clock", "config", "counters", "events", "health", "lineup", "requests", "sessions",
    )  # fmt: skip

    def __init__(
        self,
        config: ProxyConfig,
        events: EventSink,
        clock: Clock | None = None,
        *,
        lineup: Lineup = ChannelSources.alone,
        health: HealthBook | None = None,
    ) -> None:
        self.config = config  # replaced whole, only by `update`
        self.events = events
        # Read when a channel opens: the playlists' grouping at that moment (a channel of one source without).
        self.lineup = lineup
        # Kept in memory alone unless the service gives its own (kept in health.json, the link check's too).
        self.health: HealthBook = health if health is not None else HealthStore()
        # Seconds, monotonic: when players took data, when channels were left, how long they linger,
        # the housekeeping tick and the stat polls. One clock for all of it, so tests move it on
        # instead of waiting (network deadlines keep the loop's real time).
        self.clock: Clock = clock or MonotonicClock()
        self.counters = Counters()
        self.sessions = SessionStopper()
        self.requests = RequestRecord()  # each channel's last few player requests (Open in player asks)
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

    def update(
        self, config: ProxyConfig, engine: EngineClient | None = None
    ) -> tuple[ProxyConfig, EngineClient | None]:
        """New settings (and, when the engine moved, its client) for everything that reads them next.
        Returns the config and engine it replaced (a refused settings change puts them back)."""
        replaced = self.config, self._engine
        self.config = config
        if engine is not None:
            self._engine = engine
        return replaced
