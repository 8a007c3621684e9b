"""ProxyService: the one object the UI and the CLI drive.

It owns the HTTP listener, the channel registry, the shared aiohttp client
session, an engine health check, (in demo mode) the built-in demo engine and
the engine AceTray runs itself when the settings say so (`engine_owner.py`).
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
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from desktop.streaming.channels.host import ChannelsHost, ChannelsView
from desktop.streaming.config import LOOPBACK, ProxyConfig, is_all_interfaces
from desktop.streaming.engine.client import EngineClient, EngineError
from desktop.streaming.engine.owner import EngineOwner
from desktop.streaming.engine_host import OsAccess, SupervisorPolicy
from desktop.streaming.events import EventHandler, EventSink
from desktop.streaming.http.access import AccessPolicy, machine_names, policy_for, resolve_machine_names
from desktop.streaming.http.connection_guard import ConnectionGuard, limits_for, open_files_limit
from desktop.streaming.http.guarded_site import GuardedSite
from desktop.streaming.http.route_context import RouteContext
from desktop.streaming.http.server import build_app
from desktop.streaming.http.server_log import ServerLog
from desktop.streaming.http.token_guesses import TokenGuesses, slowed_sentence
from desktop.streaming.live.context import CoreContext
from desktop.streaming.live.registry import StreamRegistry
from desktop.streaming.service_errors import EngineCheckError, ProxyStartError, bind_problem
from desktop.streaming.snapshot import ProxySnapshot

if TYPE_CHECKING:
    from desktop.streaming.demo.engine import DemoEngine

log = logging.getLogger(__name__)

HEALTH_INTERVAL = 5.0  # s between engine get_version checks
SHUTDOWN_GRACE = 1.5  # s to wait for engine stop commands when stopping
NAMES_WAIT = 2.0  # s to wait for the resolver's name of this machine at start (a broken DNS must not delay us)


class ProxyService:
    def __init__(
        self,
        config: ProxyConfig,
        *,
        on_event: EventHandler | None = None,
        on_channels: Callable[[ChannelsView], None] | None = None,  # the window's channel list
        engine_access: OsAccess | None = None,
        engine_policy: SupervisorPolicy | None = None,  # tests fake these
    ) -> None:
        self._events = EventSink(on_event, log, namer=lambda content_id: self.channels.name_for_id(content_id))
        self.channels = ChannelsHost.for_config(config, on_view=on_channels, on_event=self._events.emit)
        self._owner = EngineOwner(self._events, access=engine_access, policy=engine_policy)
        self._context = CoreContext(config, self._events)  # holds the one current config
        self.registry: StreamRegistry | None = None  # this run's channels; None while stopped
        self._http: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._site: GuardedSite | None = None
        self._guard: ConnectionGuard | None = None  # this run's connection caps, shared by its listening sockets
        self._health_task: asyncio.Task[None] | None = None
        self._demo: DemoEngine | None = None  # a running DemoEngine in demo mode
        self._engine_url = config.engine_url
        self._engine_reachable: bool | None = None
        self._engine_version: str | None = None
        self._error: str | None = None
        self._machine_names = machine_names(resolve=False)  # the resolver's FQDN joins at start
        self._access = policy_for(self._machine_names, config.host, config.token)

    # --- properties ----------------------------------------------------------------------
    @property
    def config(self) -> ProxyConfig:
        return self._context.config

    @property
    def context(self) -> CoreContext:
        """What streams read (config, engine, counters...); for diagnostics and tests."""
        return self._context

    @property
    def engine_owner(self) -> EngineOwner:
        """The engine AceTray runs itself (Settings → Engine), started and stopped with the proxy."""
        return self._owner

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
        await self.channels.start_schedule()  # first: the saved channels are there even if the port is taken
        await self._learn_machine_names()
        try:
            await self._start_engine_side()
            await self._start_listener(self.config)
        except ProxyStartError as exc:
            self._error = str(exc)
            await self.stop()
            self._error = str(exc)
            raise
        self._health_task = asyncio.get_running_loop().create_task(self._watch_engine())
        self._events.emit("info", f"Proxy listening on {self._where()} ({self._engine_name()})")
        await self._owner.begin(self.config)  # with the proxy, or on the first play

    async def _start_engine_side(self) -> None:
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=True),
            auto_decompress=False,
            trust_env=False,  # a desktop proxy variable must never reroute engine traffic
        )
        self._demo = await _start_demo() if self.config.demo else None
        self._engine_url = self._demo.url if self._demo else self.config.engine_url
        self._context.attach(self._http, self._owner.client(self._engine_url, self._http))
        self.registry = StreamRegistry(self._context)

    async def _start_listener(self, config: ProxyConfig) -> None:
        if self._runner is None:
            assert self.registry is not None
            self._guard = ConnectionGuard(limits_for(open_files_limit()))
            app = build_app(
                RouteContext(
                    registry=self.registry,
                    snapshot=self.snapshot,
                    config=lambda: self._context.config,
                    access=self._access_policy,
                    channels=lambda: self.channels.state,
                    set_favourite=self.channels.set_favourite,
                    logo=self.channels.logo,
                    token_guesses=TokenGuesses(
                        on_slowed=lambda who: self._events.emit("warning", slowed_sentence(who))
                    ),
                ),
                self._guard,
            )
            # ServerLog: a malformed request is one rate-limited line, not an ERROR with a traceback.
            self._runner = web.AppRunner(
                app,
                handler_cancellation=True,
                access_log=None,
                logger=ServerLog(),
                keepalive_timeout=self._guard.limits.keepalive,
            )
            await self._runner.setup()
        self._site = await self._bind(config)

    async def _bind(self, config: ProxyConfig) -> GuardedSite:
        assert self._runner is not None and self._guard is not None
        site = GuardedSite(self._runner, config.host, config.port, self._guard)
        try:
            await site.start()
        except OSError as exc:
            raise bind_problem(config, exc) from exc
        return site

    async def stop(self) -> None:
        """Stop every stream (engine `method=stop`), close the listener. Idempotent."""
        was_running = self.running
        await self.channels.stop_schedule()
        if self._health_task is not None:
            self._health_task.cancel()
            self._health_task = None
        if self.registry is not None:
            self.registry.close_all("AceTray proxy stopped")
            await self._context.sessions.sweep(SHUTDOWN_GRACE)  # failed stops are retried now, bounded
            self.registry = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._guard = None
        self._site = None
        if self._demo is not None:
            await self._demo.stop()
            self._demo = None
        await self._owner.stop()
        self._context.detach()
        if self._http is not None:
            await self._http.close()
            self._http = None
        self._engine_reachable = None
        if was_running:
            self._events.emit("info", "Proxy stopped")

    async def apply(self, config: ProxyConfig) -> None:
        """Switch to new settings, all or nothing, disturbing running players as little as possible.

        Tunables (queue size, timeouts, linger) apply at once. A new port or
        host gets a new listening socket first; players already connected keep
        their connections. A new engine (or the demo engine turned on or off)
        is handled like an engine fault: running channels reconnect on it and
        their players stay. On ProxyStartError nothing has changed.
        """
        old = self.config
        self.channels.set_interval(config.playlist_refresh_hours)
        engine_plan = await self._owner.prepare(config)
        if refused := self._owner.refusal(engine_plan):
            raise ProxyStartError(refused)
        if not self.running:
            self._use(config)
            await self._owner.adopt(engine_plan, config, start=False)
            return
        moved = (config.host, config.port) != (old.host, old.port)
        new_site = await self._move_listener(old, config) if moved else None  # ProxyStartError: nothing changed
        try:
            switch = await self._prepare_engine_switch(old, config)
        except ProxyStartError:
            if new_site is not None:
                await new_site.stop()
                if self._site is None:  # the old socket was let go for the same port: take it back
                    self._site = await self._bind(old)
            raise
        self._use(config, switch.engine if switch else None)
        if switch is not None:
            self._demo, self._engine_url = switch.demo, switch.url
            self._engine_reachable = self._engine_version = None
            if self.registry is not None:
                self.registry.switch_engine()
            if switch.retired_demo is not None:
                await switch.retired_demo.stop()
            self._events.emit("info", f"Now using {self._engine_name()}; playing channels reconnect to it")
            asyncio.get_running_loop().create_task(self._check_health())  # the banner updates at once
        if new_site is not None:
            old_site, self._site = self._site, new_site
            if old_site is not None:
                await old_site.stop()  # stops accepting; connected players keep streaming
            self._events.emit("info", f"Proxy now listening on {self._where()}")
        await self._owner.adopt(engine_plan, config, start=True)

    async def _move_listener(self, old: ProxyConfig, new: ProxyConfig) -> GuardedSite:
        """A socket at the new address; the old one keeps listening until the caller lets it go.

        The same port on another address (LAN sharing turned on or off) cannot be
        bound while the old socket holds it, so the old one is closed first and,
        if the new bind fails, opened again. Players already connected keep their
        connections either way: closing a listening socket leaves accepted ones open.
        """
        if new.port != old.port or self._site is None:
            return await self._bind(new)
        old_site, self._site = self._site, None
        await old_site.stop()
        try:
            return await self._bind(new)
        except ProxyStartError:
            self._site = await self._bind(old)
            raise

    async def _prepare_engine_switch(self, old: ProxyConfig, new: ProxyConfig) -> _EngineSwitch | None:
        """The engine `new` asks for, started if it is the demo engine; None when it is the same."""
        if new.demo == old.demo and (new.demo or new.engine_url == old.engine_url):
            return None
        demo = await _start_demo() if new.demo else None
        url = demo.url if demo else new.engine_url
        return _EngineSwitch(self._owner.client(url, self._context.http), url, demo, retired_demo=self._demo)

    async def stop_engine(self) -> None:
        """Stop engine (the tray menu): its channels end, as nothing could feed them."""
        if self.registry is not None and self._owner.in_charge:
            self.registry.end_all("The AceStream engine was stopped in AceTray")
        await self._owner.stop(hold=True)

    def _use(self, config: ProxyConfig, engine: EngineClient | None = None) -> None:
        """The one place settings change: running streams read them from the context at next use."""
        self._context.update(config, engine)
        self._access = policy_for(self._machine_names, config.host, config.token)

    # --- access rules --------------------------------------------------------------------
    def _access_policy(self) -> AccessPolicy:
        """What the access rules compare against, read by every request (a new setting applies at once)."""
        return self._access

    async def _learn_machine_names(self) -> None:
        names = await resolve_machine_names(NAMES_WAIT)
        if names is None:
            log.info("this computer's full name did not resolve within %g s; using its plain name", NAMES_WAIT)
            return
        self._machine_names = names
        self._access = policy_for(names, self.config.host, self.config.token)

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
            if self._engine_reachable is not False and not self._owner.in_charge:  # the supervisor tells it
                if self._demo is not None:
                    self._events.emit("error", "The built-in demo engine does not answer", detail=str(exc))
                else:
                    self._events.emit("error", f"{exc}. Start AceStream, or check the engine URL in Settings.")
            self._engine_reachable, self._engine_version = False, None
            return
        if self._engine_reachable is not True and not self._owner.in_charge:
            if self._demo is not None:
                self._events.emit("info", "Built-in demo engine ready")
            else:
                self._events.emit("info", f"AceStream engine {version} reachable at {self._engine_url}")
        self._engine_reachable, self._engine_version = True, version

    async def check_engine(self, engine_url: str | None = None) -> str:
        """The engine's version string, or EngineCheckError with the reason."""
        url = engine_url or self._engine_url
        async with aiohttp.ClientSession(trust_env=False) as http:
            try:
                return await EngineClient(url, http).version(timeout=5.0)
            except EngineError as exc:
                raise EngineCheckError(str(exc), detail=repr(exc.__cause__) if exc.__cause__ else None) from exc

    def _engine_name(self) -> str:
        return "built-in demo engine" if self._demo is not None else f"engine {self._engine_url}"

    def _where(self) -> str:
        """The listening address as a person reads it (0.0.0.0 is not an address to type in)."""
        host, port = self._bound_address()
        return f"all network interfaces, port {port}" if is_all_interfaces(host) else f"http://{host}:{port}"

    # --- pictures ------------------------------------------------------------------------
    def snapshot(self) -> ProxySnapshot:
        return ProxySnapshot(
            running=self.running,
            listen_url=self.listen_url,
            engine_url=self._engine_url,
            engine_reachable=self._engine_reachable,
            engine_version=self._engine_version,
            streams=self.channels.named(self.registry.snapshot()) if self.registry else (),
            taken_at=time.time(),
            error=self._error,
            demo_engine=self._demo is not None,
            engine_host=self._owner.snapshot(),
        )

    def stream_url(self, content_id: str, host: str | None = None, *, hls: bool = False) -> str:
        """http://<host>:<port>/ace/getstream?id=<id> for a player (/ace/manifest.m3u8 with `hls`)."""
        if host is None:
            host = LOOPBACK if is_all_interfaces(self.config.host) else self.config.host
        port = self._bound_address()[1] if self.running else self.config.port
        path = "/ace/manifest.m3u8" if hls else "/ace/getstream"
        return f"http://{host}:{port}{path}?id={content_id}"


@dataclass(frozen=True)
class _EngineSwitch:
    engine: EngineClient
    url: str
    demo: DemoEngine | None
    retired_demo: DemoEngine | None  # stopped once the channels have left it


async def _start_demo() -> DemoEngine:
    from desktop.streaming.demo.engine import DemoEngine, load_demo_clip  # demo mode only

    demo = DemoEngine(load_demo_clip())
    try:
        await demo.start()
    except OSError as exc:
        raise ProxyStartError(f"The built-in demo engine could not start: {exc.strerror or exc}") from exc
    return demo
