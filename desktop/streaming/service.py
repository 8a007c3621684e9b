"""ProxyService: the one object the UI and the CLI drive.

It owns the HTTP listener, the channel registry, the shared aiohttp client
session, an engine health check and (in demo mode) the built-in demo engine.
It also owns the one `CoreContext` its streams read, and is its only writer:
settings reach running streams through `_use`, nowhere else. Routes get a
`RouteContext` (this run's registry and the snapshot function), not the
service. The named channels (`channels`: playlists, favourites, the refresh
schedule) live as long as the service, across stops and starts; their names
go into snapshots and events. All methods run on the loop the service was
started on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import logging
import time
from collections.abc import Callable

import aiohttp
from aiohttp import web

from desktop.streaming.channels.host import ChannelsHost, ChannelsView
from desktop.streaming.config import ProxyConfig
from desktop.streaming.connection_guard import GuardedSite, limits_for, open_files_limit
from desktop.streaming.context import CoreContext
from desktop.streaming.engine import EngineClient, EngineError
from desktop.streaming.events import EventHandler, EventSink
from desktop.streaming.registry import StreamRegistry
from desktop.streaming.route_context import RouteContext
from desktop.streaming.server import build_app
from desktop.streaming.snapshot import ProxySnapshot, StreamSnapshot

log = logging.getLogger(__name__)

HEALTH_INTERVAL = 5.0  # s between engine get_version checks
SHUTDOWN_GRACE = 1.5  # s to wait for engine stop commands when stopping


class ProxyStartError(Exception):
    """The proxy could not start; str() is a sentence for the user (e.g. port in use)."""


class EngineCheckError(Exception):
    """The engine did not answer get_version properly; str() is for the user."""


class ProxyService:
    def __init__(
        self,
        config: ProxyConfig,
        *,
        on_event: EventHandler | None = None,
        on_channels: Callable[[ChannelsView], None] | None = None,
    ) -> None:
        self._events = EventSink(on_event, log, namer=self._name_for_id)
        self.channels = ChannelsHost(
            interval_hours=config.playlist_refresh_hours,
            run_playlists=config.playlists,
            on_view=on_channels,
            on_event=self._events.emit,
        )
        self._context = CoreContext(config, self._events)  # holds the one current config
        self.registry: StreamRegistry | None = None  # this run's channels; None while stopped
        self._http: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._site: GuardedSite | None = None
        self._health_task: asyncio.Task[None] | None = None
        self._demo = None  # a running DemoEngine in demo mode
        self._engine_url = config.engine_url
        self._engine_reachable: bool | None = None
        self._engine_version: str | None = None
        self._error: str | None = None

    # --- properties ----------------------------------------------------------------------
    @property
    def config(self) -> ProxyConfig:
        return self._context.config

    @property
    def context(self) -> CoreContext:
        """What streams read (config, engine, counters...); for diagnostics and tests."""
        return self._context

    @property
    def running(self) -> bool:
        return self._site is not None

    @property
    def engine_url(self) -> str:
        """The engine actually in use (the demo engine's address in demo mode)."""
        return self._engine_url

    @property
    def listen_url(self) -> str | None:
        if self._site is None or self._runner is None:
            return None
        host, port = self._bound_address()
        return f"http://{host}:{port}"

    def _bound_address(self) -> tuple[str, int]:
        assert self._runner is not None
        for address in self._runner.addresses:
            if isinstance(address, tuple):
                return str(address[0]), int(address[1])
        return self.config.host, self.config.port

    # --- start / stop --------------------------------------------------------------------
    async def start(self) -> None:
        """Bind and serve. Raises ProxyStartError with a readable reason."""
        if self.running:
            return
        self._error = None
        # Channels first: the saved ones are there even when the port is taken.
        await self.channels.start_schedule()
        try:
            await self._start_engine_side()
            await self._start_listener(self.config)
        except ProxyStartError as exc:
            self._error = str(exc)
            await self.stop()
            self._error = str(exc)
            raise
        self._health_task = asyncio.get_running_loop().create_task(self._watch_engine())
        self._events.emit("info", f"Proxy listening on {self.listen_url}, engine {self._engine_url}")

    async def _start_engine_side(self) -> None:
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=True),
            auto_decompress=False,
            trust_env=False,  # a desktop proxy variable must never reroute engine traffic
        )
        if self.config.demo:
            from desktop.streaming.demo.engine import DemoEngine, load_demo_clip

            self._demo = DemoEngine(load_demo_clip())
            await self._demo.start()
            self._engine_url = self._demo.url
        else:
            self._engine_url = self.config.engine_url
        self._context.attach(self._http, EngineClient(self._engine_url, self._http))
        self.registry = StreamRegistry(self._context)

    async def _start_listener(self, config: ProxyConfig) -> None:
        if self._runner is None:
            assert self.registry is not None
            channels = self.channels
            app = build_app(
                RouteContext(registry=self.registry, snapshot=self.snapshot, channels=lambda: channels.state)
            )
            self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
            await self._runner.setup()
        site = GuardedSite(self._runner, config.host, config.port, limits_for(open_files_limit()))
        try:
            await site.start()
        except OSError as exc:
            raise ProxyStartError(_bind_problem(config, exc)) from exc
        self._site = site

    async def stop(self) -> None:
        """Stop every stream (engine `method=stop`), close the listener. Idempotent."""
        was_running = self.running
        await self.channels.stop_schedule()
        if self._health_task is not None:
            self._health_task.cancel()
            self._health_task = None
        if self.registry is not None:
            self.registry.close_all("AceTray proxy stopped")
            await self._context.sessions.wait(SHUTDOWN_GRACE)
            self.registry = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._site = None
        if self._demo is not None:
            await self._demo.stop()
            self._demo = None
        self._context.detach()
        if self._http is not None:
            await self._http.close()
            self._http = None
        self._engine_reachable = None
        if was_running:
            self._events.emit("info", "Proxy stopped")

    async def close(self) -> None:
        """Stop, and let the channels finish their last write (the end of a `serve` run)."""
        await self.stop()
        await self.channels.close()

    async def apply(self, config: ProxyConfig) -> None:
        """Switch to new settings, disturbing running players as little as possible.

        Tunables (queue size, timeouts, linger) apply at once. A new port or
        host gets a new listening socket while players already connected keep
        their connections. A new engine serves new sessions; running channels
        keep their session and move over when they next need a new one. Demo
        mode on/off restarts everything.
        """
        old = self.config
        self.channels.set_interval(config.playlist_refresh_hours)
        if not self.running or config.demo != old.demo:
            self._use(config)
            if self.running:
                await self.stop()
                await self.start()
            return
        engine = None
        if config.engine_url != old.engine_url and not config.demo:
            engine = EngineClient(config.engine_url, self._context.http)
        # All but the listener applies now; the new address only once its socket is bound,
        # so a failed bind leaves the config as it is, with nothing to roll back.
        self._use(dataclasses.replace(config, host=old.host, port=old.port), engine)
        if engine is not None:
            self._engine_url = config.engine_url
            self._engine_reachable = self._engine_version = None
            self._events.emit("info", f"Engine is now {config.engine_url}")
        if (config.host, config.port) != (old.host, old.port):
            old_site = self._site
            await self._start_listener(config)  # ProxyStartError: still listening where it was
            self._use(config)
            if old_site is not None:
                await old_site.stop()  # stops accepting; connected players keep streaming
            self._events.emit("info", f"Proxy now listening on {self.listen_url}")

    def _use(self, config: ProxyConfig, engine: EngineClient | None = None) -> None:
        """The one place settings change: running streams read them from the context at next use."""
        self._context.update(config, engine)

    # --- engine health -------------------------------------------------------------------
    async def _watch_engine(self) -> None:
        while True:
            await self._check_health()
            await asyncio.sleep(HEALTH_INTERVAL)

    async def _check_health(self) -> None:
        if not self._context.attached:
            return
        try:
            version = await self._context.engine.version(timeout=3.0)
        except EngineError as exc:
            if self._engine_reachable is not False:
                self._events.emit("error", f"{exc}. Start AceStream, or check the engine URL in Settings.")
            self._engine_reachable, self._engine_version = False, None
            return
        if self._engine_reachable is not True:
            self._events.emit("info", f"AceStream engine {version} reachable at {self._engine_url}")
        self._engine_reachable, self._engine_version = True, version

    async def check_engine(self, engine_url: str | None = None) -> str:
        """The engine's version string, or EngineCheckError with the reason."""
        url = engine_url or self._engine_url
        async with aiohttp.ClientSession(trust_env=False) as http:
            try:
                return await EngineClient(url, http).version(timeout=5.0)
            except EngineError as exc:
                raise EngineCheckError(str(exc)) from exc

    # --- pictures ------------------------------------------------------------------------
    def snapshot(self) -> ProxySnapshot:
        return ProxySnapshot(
            running=self.running,
            listen_url=self.listen_url,
            engine_url=self._engine_url,
            engine_reachable=self._engine_reachable,
            engine_version=self._engine_version,
            streams=tuple(map(self._named, self.registry.snapshot())) if self.registry else (),
            taken_at=time.time(),
            error=self._error,
            demo_engine=self._demo is not None,
        )

    def _named(self, stream: StreamSnapshot) -> StreamSnapshot:
        channel = self.channels.channel_for(stream.kind, stream.content_id)
        if channel is None:
            return stream
        return dataclasses.replace(
            stream, name=channel.name or None, group=channel.group or None, logo=channel.logo or None
        )

    def _name_for_id(self, content_id: str) -> str | None:
        return self.channels.name_for_id(content_id)

    def stream_url(self, content_id: str, host: str | None = None) -> str:
        """http://<host>:<port>/ace/getstream?id=<id> for a player."""
        if host is None:
            host = "127.0.0.1" if self.config.host in ("0.0.0.0", "::", "") else self.config.host
        port = self._bound_address()[1] if self.running else self.config.port
        return f"http://{host}:{port}/ace/getstream?id={content_id}"


def _bind_problem(config: ProxyConfig, exc: OSError) -> str:
    where = f"{config.host}:{config.port}"
    if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
        return f"Port {config.port} is already in use by another program. Choose another port in Settings."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"Not allowed to listen on {where}. Choose a port above 1024 in Settings."
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{config.host} is not an address of this computer. Check the listen address."
    return f"Could not listen on {where}: {exc.strerror or exc}"
