"""EngineOwner: the engine AceTray runs itself, as the proxy service uses it.

The service keeps one for its whole life, across proxy restarts and settings
changes. It turns the config into an `EnginePlan`, keeps one `EngineSupervisor`
for it on the core loop, starts the engine with the proxy or on the first play,
and stops it with the proxy or from the tray menu. Channels reach the engine
through `client`, whose session start first waits until the engine answers:
that is how the first play starts it, and how a channel rides out a restart.
An engine it did not start (the supervisor's EXTERNAL) is used, never stopped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from desktop.streaming.config import START_ON_PLAY, ProxyConfig
from desktop.streaming.engine.client import EngineClient, EngineError
from desktop.streaming.engine.plan import (
    EnginePlan,
    needs_discovery,
    plan_for,
    plan_key,
)
from desktop.streaming.engine_host import (
    Discovery,
    EngineSnapshot,
    EngineState,
    EngineSupervisor,
    OsAccess,
    SupervisorPolicy,
    discover,
    system_access,
)
from desktop.streaming.events import EventSink

log = logging.getLogger(__name__)

STOPPED_BY_USER = "The AceStream engine is stopped. Choose Start engine in AceTray's menu to start it again."
_OVER = (EngineState.RUNNING, EngineState.EXTERNAL, EngineState.FAILED, EngineState.STOPPED)


@dataclass(frozen=True)
class OwnerState:
    """What `EngineOwner.install` replaced: the plan, its config and its supervisor."""

    plan: EnginePlan
    config: ProxyConfig | None
    supervisor: EngineSupervisor | None


class EngineUnavailable(Exception):
    """Start engine was asked for, but AceTray runs no engine or cannot; str() says why."""


class OnDemandEngineClient(EngineClient):
    """An engine client that is ready for a session start once the engine AceTray runs answers."""

    def __init__(self, base_url: str, http: aiohttp.ClientSession, ready: Callable[[], Awaitable[None]]) -> None:
        super().__init__(base_url, http)
        self._ready = ready

    async def until_ready(self) -> None:
        await self._ready()


class EngineOwner:
    def __init__(
        self,
        events: EventSink,
        *,
        access: OsAccess | None = None,
        policy: SupervisorPolicy | None = None,
    ) -> None:
        self._events = events
        self._access = access  # None: the real OS (tests give a fake one)
        self._policy = policy or SupervisorPolicy()
        self._plan = EnginePlan()
        self._config: ProxyConfig | None = None  # the config the plan is for
        self._supervisor: EngineSupervisor | None = None
        # Replaced by a settings change and not stopped yet: each is stopped before the new one starts.
        self._retired: list[EngineSupervisor] = []
        self._retiring = asyncio.Lock()
        self._held = False  # stopped from the menu: only Start engine or a proxy start runs it again

    # --- what the service and the UI see ----------------------------------------------------
    @property
    def in_charge(self) -> bool:
        """AceTray is meant to run the engine (it tells the engine's story, not the health check)."""
        return self._plan.owned

    def snapshot(self) -> EngineSnapshot | None:
        """The engine's state when AceTray is in charge of it; None when the user runs it."""
        plan = self._plan
        if not plan.owned:
            return None
        if self._supervisor is None:
            return EngineSnapshot(EngineState.FAILED, plan.port, "AceStream engine", reason=plan.problem)
        return self._supervisor.snapshot

    def may_open_channels(self, reachable: bool | None) -> bool:
        """Whether anything but a person's play (favourites kept ready) may open engine sessions now.

        An engine AceTray runs must be up or on its way: one waiting for the first
        play, stopped from the menu or failed is left alone. An engine it does not
        run must not have failed its last health check (`reachable`).
        """
        if not self._plan.owned:
            return reachable is not False
        supervisor = self._supervisor
        idle = (EngineState.STOPPED, EngineState.FAILED)
        return not self._held and supervisor is not None and supervisor.snapshot.state not in idle

    def client(self, base_url: str, http: aiohttp.ClientSession) -> EngineClient:
        return OnDemandEngineClient(base_url, http, self.ready)

    async def discover(self) -> Discovery:
        """What can run the engine on this computer (a few seconds at most, off the loop)."""
        return await asyncio.to_thread(discover, self._access or system_access())

    # --- settings ---------------------------------------------------------------------------
    async def prepare(self, config: ProxyConfig) -> EnginePlan:
        """The plan for `config`; nothing changes until `adopt`."""
        if plan_key(config) == self._plan.key and not self._plan.problem:
            return dataclasses.replace(self._plan, on_first_play=config.engine_start == START_ON_PLAY)
        discovery = await self.discover() if needs_discovery(config) else None
        return plan_for(config, discovery)

    def refusal(self, plan: EnginePlan) -> str | None:
        """Why settings asking for `plan` should be refused: an engine that cannot run, newly chosen."""
        return plan.problem if plan.key != self._plan.key else None

    async def adopt(self, plan: EnginePlan, config: ProxyConfig, *, start: bool) -> None:
        """Put `plan` in force: another engine replaces the running one; `start` starts a stopped one."""
        self.install(plan, config)
        await self.settle(start=start)

    def install(self, plan: EnginePlan, config: ProxyConfig) -> OwnerState:
        """Put `plan` in force without touching a process (a new engine gets a supervisor, not started
        yet); `settle` does the rest. Returns what was in force before, for `restore`."""
        before = OwnerState(self._plan, self._config, self._supervisor)
        current = self._supervisor
        if current is None or plan.command != current.command or (plan.host, plan.port) != (current.host, current.port):
            if current is not None:
                self._retired.append(current)
            self._supervisor = self._supervise(plan, config) if plan.command is not None else None
        self._plan, self._config = plan, config
        return before

    def restore(self, before: OwnerState) -> None:
        """Undo `install`: the engine in force before is in force again (a change that was refused)."""
        if before.supervisor is not None and before.supervisor in self._retired:
            self._retired.remove(before.supervisor)
        self._plan, self._config, self._supervisor = before.plan, before.config, before.supervisor

    async def settle(self, *, start: bool) -> None:
        """After `install`: the engines it replaced stop; `start` starts the one in force, when due."""
        await self._stop_retired()
        supervisor = self._supervisor
        due = start and not self._plan.on_first_play and not self._held
        # A failed engine waits for the user (Start engine), not for any settings change.
        if due and supervisor is not None and supervisor.snapshot.state is EngineState.STOPPED:
            await supervisor.start()

    async def _stop_retired(self) -> None:
        # One at a time, and everyone waits: an engine on the same port must be gone before the next starts.
        async with self._retiring:
            while self._retired:
                await self._retired.pop(0).stop()

    def _supervise(self, plan: EnginePlan, config: ProxyConfig) -> EngineSupervisor:
        assert plan.command is not None
        return EngineSupervisor(
            plan.command,
            port=plan.port,
            host=plan.host,
            log_path=Path(config.engine_log) if config.engine_log else None,
            policy=self._policy,
            on_event=self._events.emit,
        )

    # --- life -------------------------------------------------------------------------------
    async def begin(self, config: ProxyConfig) -> None:
        """The proxy starts: the engine starts too, unless it waits for the first play."""
        self._held = False
        plan = await self.prepare(config)
        await self.adopt(plan, config, start=False)
        if plan.problem:
            self._events.emit("error", f"AceTray cannot start the AceStream engine: {plan.problem}")
        elif self._supervisor is not None and not plan.on_first_play:
            await self._supervisor.start()  # also after a failure: a proxy start is a fresh try

    async def start(self) -> None:
        """Start engine (the tray menu): now, also after a failure or Stop engine."""
        self._held = False
        if self._plan.problem and self._config is not None:  # installed since? look again
            await self.adopt(await self.prepare(self._config), self._config, start=False)
        if self._supervisor is None:
            raise EngineUnavailable(self._plan.problem or "AceTray runs no engine: choose one in Settings → Engine.")
        await self._stop_retired()
        await self._supervisor.start()

    async def stop(self, *, hold: bool = False) -> None:
        """Stop the engine if AceTray started it; `hold`: it stays stopped until Start engine."""
        self._held = hold
        await self._stop_retired()
        if self._supervisor is not None:
            await self._supervisor.stop()

    async def ready(self) -> None:
        """Before a channel's session starts: the engine AceTray runs answers (started now if need be)."""
        plan, supervisor = self._plan, self._supervisor
        if not plan.owned:
            return
        if supervisor is None:
            raise EngineError(f"AceTray cannot start the AceStream engine: {plan.problem}", 502)
        if self._held:
            raise EngineError(STOPPED_BY_USER, 503)
        if supervisor.snapshot.state is EngineState.STOPPED:
            await self._stop_retired()
            await supervisor.start()  # the first play
        # The stream's own start timeout bounds this wait too; this bound is for the supervisor's.
        limit = self._policy.ready_timeout + self._policy.backoff_max
        try:
            snapshot = await supervisor.wait_for(lambda s: s.state in _OVER, limit)
        except TimeoutError:
            raise EngineError(f"The AceStream engine did not answer within {limit:g} s", 504) from None
        if snapshot.state is EngineState.FAILED:
            raise EngineError(f"The AceStream engine could not start: {snapshot.reason}", 502)
        if snapshot.state is EngineState.STOPPED:
            raise EngineError(STOPPED_BY_USER if self._held else "The AceStream engine was stopped", 503)
