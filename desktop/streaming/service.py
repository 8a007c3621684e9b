"""ProxyService: the one object the UI and the CLI drive.

It owns the HTTP listener, the channel registry, the shared aiohttp client session,
an engine health check, (in demo mode) the built-in demo engine, the engine AceTray
runs itself (`engine/owner.py`) and the network tuner (`tuner/host.py`). It owns the
one `CoreContext` its streams read, and is its only writer: settings reach running
streams through `_use`, nowhere else. Routes get a `RouteContext`, not the service.
The channels, the guide (`/epg.xml`), the sources' health (`sources`, with the link
check) and the warm keeper (`keeper`: the first N favourites kept open) live across
stops and starts. All methods run on the loop it started on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import aiohttp

from desktop.streaming.channels.host import ChannelsHost, ChannelsView
from desktop.streaming.config import ProxyConfig, is_all_interfaces
from desktop.streaming.engine.client import EngineClient, EngineError
from desktop.streaming.engine.health import EngineHealth, version_at
from desktop.streaming.engine.owner import EngineOwner
from desktop.streaming.engine_host import OsAccess, SupervisorPolicy
from desktop.streaming.events import EventHandler, EventSink
from desktop.streaming.guide.host import GuideHost
from desktop.streaming.guide.state import GuideView
from desktop.streaming.http.access import AccessPolicy, machine_names, policy_for, resolve_machine_names
from desktop.streaming.http.listener import Listener, Move
from desktop.streaming.http.route_context import RouteContext
from desktop.streaming.http.server import build_app
from desktop.streaming.http.token_guesses import TokenGuesses, slowed_sentence
from desktop.streaming.live.context import CoreContext
from desktop.streaming.live.registry import StreamRegistry
from desktop.streaming.probes import SourcesHost, SourcesView
from desktop.streaming.rollback import Rollback, Undo, nothing_to_undo, undoable
from desktop.streaming.runtime.clocks import Clock
from desktop.streaming.service_engine import EngineSwitch, start_demo
from desktop.streaming.service_errors import EngineCheckError, ProxyStartError, bind_problem, stays_on
from desktop.streaming.snapshot import ProxySnapshot
from desktop.streaming.sources.lineup import lineup_of
from desktop.streaming.tuner.host import TunerHost
from desktop.streaming.warm import WarmKeeper

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
        on_guide: Callable[[GuideView], None] | None = None,  # the window's guide matches and sources
        on_snapshot: Callable[[ProxySnapshot], None] | None = None,  # at once when the engine's reachability changes
        on_sources: Callable[[SourcesView], None] | None = None,  # the sources' health and the link check
        engine_access: OsAccess | None = None,
        engine_policy: SupervisorPolicy | None = None,  # tests fake these
        on_apply_step: Callable[[str], None] | None = None,  # tests: fail a settings change at each step
        clock: Clock | None = None,  # drives players' takes, linger, ticks, stat polls (tests move a fake one on)
    ) -> None:
        self._events = EventSink(on_event, log, namer=lambda content_id: self.channels.name_for_id(content_id))
        self.guide = GuideHost.for_config(config, on_view=on_guide, on_event=self._events.emit)
        self.keeper = WarmKeeper(  # the first N favourites, while the engine runs or answers
            self._events,
            wanted=lambda: self.channels.state.starred_channels[: self.config.warm],  # each channel once
            may_start=lambda: self._owner.may_open_channels(self._health.now.reachable),
        )
        self.channels = ChannelsHost.for_config(
            config, on_view=on_channels, on_catalog=self.guide.set_catalog, on_event=self._events.emit
        )
        self.channels.on_state_change = self.keeper.wake  # it follows the favourites at once
        self._owner = EngineOwner(self._events, access=engine_access, policy=engine_policy)
        self.tuner = TunerHost(self._events.emit)  # the network tuner's identity and UDP discovery
        # Holds the one current config; a channel opens with the sources the playlists give it then.
        self._context = CoreContext(
            config, self._events, clock, lineup=lambda key: lineup_of(self.channels.state.catalog, key)
        )
        self.sources = SourcesHost(self._context, favourites=lambda: self.channels.state.favourites, on_view=on_sources)
        self._context.health = self.sources.health  # failover reports to it, and reads what is dead
        self.registry: StreamRegistry | None = None  # this run's channels; None while stopped
        self._starting = asyncio.Lock()  # a stop (Quit) that comes while a start waits runs after it
        self._http: aiohttp.ClientSession | None = None
        self._listener = Listener()
        self._health_task: asyncio.Task[None] | None = None
        self._demo: DemoEngine | None = None  # a running DemoEngine in demo mode
        self._engine_url = config.engine_url
        self._health = EngineHealth(self._events, on_change=lambda: on_snapshot and on_snapshot(self.snapshot()))
        self._error: str | None = None
        self._on_apply_step = on_apply_step
        self._machine_names = machine_names(resolve=False)  # the resolver's FQDN joins at start
        self._access = self._policy(config)

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
        return self._listener.listening

    @property
    def engine_url(self) -> str:
        """The engine actually in use (the demo engine's address in demo mode)."""
        return self._engine_url

    @property
    def listen_url(self) -> str | None:
        address = self._listener.address
        return f"http://{address[0]}:{address[1]}" if address is not None else None

    def _bound_address(self) -> tuple[str, int]:
        return self._listener.address or (self.config.host, self.config.port)

    # --- start / stop --------------------------------------------------------------------
    async def start(self) -> None:
        """Bind and serve. Raises ProxyStartError with a readable reason (then nothing runs)."""
        async with self._starting:
            if self.running:
                return
            self._error = None
            await self.channels.start_schedule(then=self.guide.scheduled_refresh)  # first: saved channels and
            await self.guide.start(self.config.playlist_refresh_hours)  # guides are there even if the port is taken
            await self._learn_machine_names()
            try:
                await self._start_engine_side()
                await self._start_listener(self.config)
            except ProxyStartError as exc:
                await self._close_run()  # the engine AceTray runs is left as it was: it did not start with this
                self._error = str(exc)
                raise
            self._health_task = asyncio.get_running_loop().create_task(self._watch_engine())
            self.keeper.start(lambda: self.registry)
            self._events.emit("info", f"Proxy listening on {self._where()} ({self._engine_name()})")
            await self.tuner.apply(self.config, self._bound_address()[1])
            await self._owner.begin(self.config)  # with the proxy, or on the first play

    async def _start_engine_side(self) -> None:
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=True),
            auto_decompress=False,
            trust_env=False,  # a desktop proxy variable must never reroute engine traffic
        )
        self._demo = await start_demo() if self.config.demo else None
        self._engine_url = self._demo.url if self._demo else self.config.engine_url
        self._context.attach(self._http, self._owner.client(self._engine_url, self._http))
        self.registry = StreamRegistry(self._context)
        await self.sources.start(self.registry)

    async def _start_listener(self, config: ProxyConfig) -> None:
        assert self.registry is not None
        context = RouteContext(
            registry=self.registry,
            snapshot=self.snapshot,
            config=lambda: self._context.config,
            access=lambda: self._access,  # read by every request: a new setting applies at once
            channels=lambda: self.channels.state,
            set_favourite=self.channels.set_favourite,
            sources=self.sources,
            logo=self.channels.logo,
            token_guesses=TokenGuesses(on_slowed=lambda who: self._events.emit("warning", slowed_sentence(who))),
            guide=self.guide.output,
            tuner=self.tuner,
        )
        try:
            await self._listener.open(lambda guard: build_app(context, guard), config.host, config.port)
        except OSError as exc:
            raise bind_problem(config, exc) from exc

    async def stop(self) -> None:
        """Stop every stream (engine `method=stop`), close the listener. Idempotent."""
        async with self._starting:
            was_running = self.running
            await self._close_run()
        await self._owner.stop()
        if was_running:
            self._events.emit("info", "Proxy stopped")

    async def _close_run(self) -> None:
        """Everything `start` opened: the schedule, streams, listener, demo engine, HTTP session."""
        await self.channels.stop_schedule()
        await self.tuner.stop()
        if self._health_task is not None:
            self._health_task.cancel()
            self._health_task = None
        await self.keeper.stop()
        await self.sources.stop()  # probes stop their sessions while the HTTP session is still open
        if self.registry is not None:
            self.registry.close_all("AceTray proxy stopped")
            await self._context.sessions.sweep(SHUTDOWN_GRACE)  # failed stops are retried now, bounded
            self.registry = None
        await self._listener.close()
        if self._demo is not None:
            await self._demo.stop()
            self._demo = None
        self._context.detach()
        if self._http is not None:
            await self._http.close()
            self._http = None
        self._health.forget()

    # --- settings ------------------------------------------------------------------------
    async def apply(self, config: ProxyConfig, *, start: bool = False) -> None:
        """Put `config` in force, all or nothing; with `start`, a stopped proxy is started too.

        Tunables (queue size, timeouts, linger) apply at once. A new port or
        host gets a new listening socket; players already connected keep their
        connections. A new engine (or the demo engine turned on or off) is
        handled like an engine fault: running channels reconnect on it and
        their players stay. On any failure (ProxyStartError: a port in use, an
        engine that cannot run…) everything is as it was before the call.
        """
        old, running = self.config, self.running
        moved = running and (config.host, config.port) != (old.host, old.port)
        try:
            plan = await self._owner.prepare(config)
            if refused := self._owner.refusal(plan):
                raise ProxyStartError(refused, config_field="engine_mode")
            # Steps that can fail (a socket, the demo engine) come first; the rest only swap values.
            async with Rollback(self._on_apply_step) as change:
                move = await change.step("listener", lambda: self._move_listener(old, config)) if moved else None
                switch = await change.step("engine", lambda: self._switch_engine(old, config)) if running else None
                engine = switch.engine if switch else None
                await change.step("settings", undoable(lambda: self._use(config, engine), lambda was: self._use(*was)))
                hours = config.playlist_refresh_hours
                await change.step(
                    "refresh schedule", undoable(lambda: self.channels.set_interval(hours), self.channels.set_interval)
                )
                await change.step(
                    "engine owner", undoable(lambda: self._owner.install(plan, config), self._owner.restore)
                )
                if start and not running:
                    await change.step("start", self._start_undoably)
        except ProxyStartError as exc:
            if moved and self.running:
                raise stays_on(exc, old, config) from exc
            raise
        # In force now: let go of what the change replaced (nothing below can undo it).
        self.keeper.wake()  # how many favourites to keep ready may have changed
        if switch is not None:
            await self._engine_switched(switch)
        if move is not None:
            await self._listener.keep(move)
            self._events.emit("info", f"Proxy now listening on {self._where()}")
        if self.running:
            await self.tuner.apply(self.config, self._bound_address()[1])  # on, off, or where the proxy now listens
        await self._owner.settle(start=self.running)

    async def _move_listener(self, old: ProxyConfig, new: ProxyConfig) -> tuple[Move, Undo]:
        """A socket at the new address; players already connected keep their connections."""
        try:
            move = await self._listener.move(new.host, new.port)
        except OSError as exc:
            raise bind_problem(new, exc) from exc

        async def undo() -> None:
            try:
                await self._listener.undo(move)
            except OSError as exc:  # another program took the old port meanwhile: stop cleanly
                problem = bind_problem(old, exc)
                self._events.emit("error", f"The proxy stopped: it could not listen where it did. {problem}")
                await self.stop()
                self._error = str(problem)
                raise

        return move, undo

    async def _switch_engine(self, old: ProxyConfig, new: ProxyConfig) -> tuple[EngineSwitch | None, Undo]:
        """The engine `new` asks for, started if it is the demo engine; None when it is the same."""
        if new.demo == old.demo and (new.demo or new.engine_url == old.engine_url):
            return None, nothing_to_undo
        demo = await start_demo() if new.demo else None
        url = demo.url if demo else new.engine_url
        switch = EngineSwitch(self._owner.client(url, self._context.http), url, demo, retired_demo=self._demo)
        kept = self._demo, self._engine_url, self._health.now
        self._demo, self._engine_url = switch.demo, switch.url
        self._health.forget()

        async def undo() -> None:
            self._demo, self._engine_url, self._health.now = kept
            if demo is not None:
                await demo.stop()

        return switch, undo

    async def _engine_switched(self, switch: EngineSwitch) -> None:
        """The new engine is in force: channels move to it, the old demo engine goes once they left it."""
        if self.registry is not None:
            self.registry.switch_engine()
        if switch.retired_demo is not None:
            await switch.retired_demo.stop()
        self._events.emit("info", f"Now using {self._engine_name()}; playing channels reconnect to it")
        asyncio.get_running_loop().create_task(self._check_health())  # the banner updates at once

    async def _start_undoably(self) -> tuple[None, Undo]:
        error = self._error
        try:
            await self.start()
        except BaseException:
            self._error = error  # why it was stopped before is still why
            raise

        async def undo() -> None:
            await self.stop()
            self._error = error

        return None, undo

    async def stop_engine(self) -> None:
        """Stop engine (the tray menu): its channels end, as nothing could feed them."""
        if self.registry is not None and self._owner.in_charge:
            self.registry.end_all("The AceStream engine was stopped in AceTray")
        await self._owner.stop(hold=True)
        self._context.sessions.abandon("the engine was stopped")  # its sessions went with it: no stop is retried

    def _use(self, config: ProxyConfig, engine: EngineClient | None = None) -> tuple[ProxyConfig, EngineClient | None]:
        """The one place settings change: running streams read them from the context at next use.
        Returns the config and engine it replaced."""
        self._access = self._policy(config)
        self.sources.use(config)
        return self._context.update(config, engine)

    # --- access rules --------------------------------------------------------------------
    def _policy(self, config: ProxyConfig) -> AccessPolicy:
        """What the access rules compare against: this machine's names, the token, the tuner's exemption."""
        tuner = self.tuner.access(config, lambda key: self.channels.state.catalog.get(key) is not None)
        return dataclasses.replace(policy_for(self._machine_names, config.host, config.token), tuner=tuner)

    async def _learn_machine_names(self) -> None:
        names = await resolve_machine_names(NAMES_WAIT)
        if names is None:
            log.info("this computer's full name did not resolve within %g s; using its plain name", NAMES_WAIT)
            return
        self._machine_names = names
        self._access = self._policy(self.config)

    # --- engine health -------------------------------------------------------------------
    async def _watch_engine(self) -> None:
        while True:
            await self._check_health()
            await asyncio.sleep(HEALTH_INTERVAL)

    async def _check_health(self) -> None:
        if self._context.attached:
            engine, url = self._context.engine, self._engine_url
            await self._health.check(engine, url, demo=self._demo is not None, owned=self._owner.in_charge)

    async def check_engine(self, engine_url: str | None = None) -> str:
        """The engine's version string, or EngineCheckError with the reason."""
        try:
            return await version_at(engine_url or self._engine_url)
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
            engine_reachable=self._health.now.reachable,
            engine_version=self._health.now.version,
            streams=self.channels.named(self.registry.snapshot()) if self.registry else (),
            taken_at=time.time(),
            error=self._error,
            demo_engine=self._demo is not None,
            engine_host=self._owner.snapshot(),
        )
