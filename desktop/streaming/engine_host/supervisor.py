"""EngineSupervisor: owns one engine process — start, wait until ready, restart, stop.

Runs on the core's event loop; callbacks are called on that loop's thread (the
app seam hands them to Qt). It never stops an engine it did not start: when
something already answers on the port, it reports EXTERNAL and spawns nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from desktop.streaming.engine_host import process as proc
from desktop.streaming.engine_host.outputlog import (
    DEFAULT_MAX_BYTES,
    EngineOutputLog,
    pump,
)
from desktop.streaming.engine_host.probe import PortStatus, probe_engine
from desktop.streaming.engine_host.spec import EngineCommand
from desktop.streaming.engine_host.state import (
    EngineSnapshot,
    EngineState,
    EventCallback,
    StateCallback,
    is_outdated,
)
from desktop.streaming.logs import log_level
from desktop.streaming.runtime.background import Backoff, cancel_and_wait

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SupervisorPolicy:
    """The bounds; the defaults suit a real engine, tests shrink them."""

    ready_timeout: float = 90.0  # a cold start takes tens of seconds, longer on small ARM boards
    probe_interval: float = 0.5
    probe_timeout: float = 3.0
    stop_grace: float = 5.0  # after the polite request, before the force
    backoff_first: float = 1.0
    backoff_max: float = 30.0
    max_attempts: int = 5  # consecutive failed runs before giving up
    stable_after: float = 60.0  # a run this long resets the consecutive count
    log_max_bytes: int = DEFAULT_MAX_BYTES

    def backoff(self, attempt: int) -> float:
        return Backoff(self.backoff_first, self.backoff_max).wait(attempt)


@dataclass(frozen=True)
class _RunEnd:
    reason: str  # a sentence about how the run ended
    ran_for: float  # seconds it was ready; 0 when it never answered


class _GiveUp(Exception):
    """Retrying cannot help; `str()` is the reason for the user."""


class EngineSupervisor:
    def __init__(
        self,
        command: EngineCommand,
        *,
        port: int,
        log_path: Path | None = None,
        policy: SupervisorPolicy | None = None,
        host: str = "127.0.0.1",
        on_event: EventCallback | None = None,
        on_state: StateCallback | None = None,
    ) -> None:
        self.command = command
        self.port = port
        self.host = host
        self.policy = policy or SupervisorPolicy()
        self._on_event = on_event
        self._on_state = on_state
        self._output = EngineOutputLog(log_path, self.policy.log_max_bytes)
        self._snapshot = EngineSnapshot(
            EngineState.STOPPED, port, command.label, log_path=str(log_path) if log_path else None
        )
        # (predicate, future): resolved inside _set, so even a passing state is seen.
        self._waiters: list[tuple[Callable[[EngineSnapshot], bool], asyncio.Future[EngineSnapshot]]] = []
        self._task: asyncio.Task[None] | None = None
        self._engine: proc.EngineProcess | None = None
        self._pump: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None
        self._warned_outdated = False

    # --- what callers see -------------------------------------------------------------------
    @property
    def snapshot(self) -> EngineSnapshot:
        return self._snapshot

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def wait_for(self, predicate: Callable[[EngineSnapshot], bool], timeout: float) -> EngineSnapshot:
        """The first snapshot (current or coming) that satisfies `predicate`; TimeoutError after `timeout`."""
        if predicate(self._snapshot):
            return self._snapshot
        future: asyncio.Future[EngineSnapshot] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            async with asyncio.timeout(timeout):
                return await future
        finally:
            self._waiters.remove(entry)

    async def wait_settled(self, timeout: float) -> EngineSnapshot:
        """Running, external, failed or stopped: the outcome of start()."""
        return await self.wait_for(lambda s: s.settled, timeout)

    # --- control ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Begin (returns at once; watch the state). Does nothing while already started."""
        if self._task is not None and not self._task.done():
            return
        self._warned_outdated = False
        self._set(
            EngineState.STARTING,
            owned=False,
            version=None,
            pid=None,
            attempt=0,
            restarts=0,
            reason=None,
            outdated=False,
        )
        self._task = asyncio.create_task(self._run(), name=f"engine-supervisor-{self.port}")

    async def stop(self) -> None:
        """Stop the engine if AceTray started it; an external engine is left alone."""
        task, self._task = self._task, None
        await cancel_and_wait(task)
        engine = self._engine
        if engine is not None:
            self._set(EngineState.STOPPING)
            await self._terminate(engine)
            await self._reap(engine)
            self._event("info", "AceStream engine stopped.")
        elif self._snapshot.state is EngineState.EXTERNAL:
            self._event("info", f"The AceStream engine on port {self.port} was not started by AceTray; left running.")
        if self._http is not None:
            await self._http.close()
            self._http = None
        self._output.close()
        self._set(EngineState.STOPPED, owned=False, pid=None, version=None)

    # --- the life of the engine -------------------------------------------------------------
    async def _run(self) -> None:
        self._http = self._http or aiohttp.ClientSession()
        failures = 0
        try:
            while True:
                if not await self._port_is_free():
                    return
                await self._prepare()
                end = await self._run_once(failures)
                failures = 1 if end.ran_for >= self.policy.stable_after else failures + 1
                if failures > self.policy.max_attempts:
                    raise _GiveUp(f"{end.reason} Gave up after {self.policy.max_attempts} restarts in a row.")
                delay = self.policy.backoff(failures)
                self._set(EngineState.RESTARTING, owned=False, pid=None, attempt=failures, reason=end.reason)
                self._event(
                    "warning",
                    f"{end.reason} Restarting in {delay:g} s (attempt {failures} of {self.policy.max_attempts}).",
                )
                await asyncio.sleep(delay)
        except _GiveUp as exc:
            self._fail(str(exc))
        except Exception as exc:  # a bug here must still end in a state the user can see
            log.exception("Engine supervisor failed")
            if self._engine is not None:
                await self._terminate(self._engine)
                await self._reap(self._engine)
            self._fail(f"unexpected error: {exc!r}")

    def _fail(self, reason: str) -> None:
        self._set(EngineState.FAILED, owned=False, pid=None, reason=reason)
        self._event("error", f"AceStream engine failed: {reason}")

    async def _port_is_free(self) -> bool:
        """Free: go on. An engine already answers: EXTERNAL. Anything else: FAILED."""
        assert self._http is not None
        probe = await probe_engine(self._http, self.host, self.port, self.policy.probe_timeout)
        if probe.status is PortStatus.FREE:
            return True
        if probe.status is PortStatus.ENGINE:
            self._set(
                EngineState.EXTERNAL,
                owned=False,
                pid=None,
                version=probe.version,
                reason="already running; not started by AceTray",
                outdated=is_outdated(probe.version),
            )
            self._event(
                "info",
                f"An AceStream engine ({probe.version}) is already running on port {self.port}; "
                "AceTray uses it and will not stop it.",
            )
            self._warn_if_outdated(probe.version)
            return False
        raise _GiveUp(
            f"Port {self.port} is in use by something that does not answer like an AceStream engine "
            f"({probe.detail}). Choose another engine port or close that program."
        )

    async def _prepare(self) -> None:
        for step in self.command.prepare:
            if step.unless and (await proc.run_helper(step.unless, step.timeout))[0] == 0:
                continue
            if step.message:
                self._event("info", step.message)
            code, output = await proc.run_helper(step.argv, step.timeout)
            if code != 0 and step.required:
                detail = output[-1] if output else ("timed out" if code is None else f"exit code {code}")
                raise _GiveUp(f"'{' '.join(step.argv)}' failed: {detail}")

    async def _run_once(self, failures: int) -> _RunEnd:
        """One engine process from spawn to exit."""
        argv = self.command.argv
        if shutil.which(argv[0]) is None:
            raise _GiveUp(f"The engine program was not found: {argv[0]}")
        self._output.begin(f"starting: {' '.join(argv)}")
        try:
            engine = await proc.spawn(argv, grace=self.policy.stop_grace)
        except OSError as exc:
            raise _GiveUp(f"Cannot start {argv[0]}: {exc.strerror or exc}") from exc
        self._engine = engine
        self._pump = asyncio.create_task(pump(engine.stdout, self._output))
        restarting = failures > 0
        if restarting:
            self._set(EngineState.RESTARTING, owned=True, pid=engine.pid, restarts=self._snapshot.restarts + 1)
        else:
            self._set(EngineState.STARTING, owned=True, pid=engine.pid)
            self._event("info", f"Starting the AceStream engine ({self.command.label}) on port {self.port}…")
        exited = asyncio.ensure_future(engine.wait())
        version = await self._wait_ready(exited)
        if version is None:
            code = exited.result()
            await self._reap(engine)
            return _RunEnd(f"The AceStream engine exited before it answered ({self._ended(code)}).", 0.0)
        loop = asyncio.get_running_loop()
        ready_at = loop.time()
        self._set(
            EngineState.RUNNING, owned=True, version=version, attempt=0, reason=None, outdated=is_outdated(version)
        )
        self._event("info", f"AceStream engine {version} is running on port {self.port}.")
        self._warn_if_outdated(version)
        code = await exited
        ran_for = loop.time() - ready_at
        await self._reap(engine)
        return _RunEnd(f"The AceStream engine stopped unexpectedly ({self._ended(code)}).", ran_for)

    async def _wait_ready(self, exited: asyncio.Future[int]) -> str | None:
        """The version once get_version answers; None when the process exits first."""
        assert self._http is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.policy.ready_timeout
        while not exited.done():
            remaining = deadline - loop.time()
            if remaining <= 0:
                said = self._output.tail_lines(1)  # what it said while we waited, not its last gasp
                assert self._engine is not None
                await self._terminate(self._engine)
                await self._reap(self._engine)
                raise _GiveUp(
                    f"The AceStream engine did not answer on port {self.port} within "
                    f"{self.policy.ready_timeout:g} s" + (f"; it said: {said[0]}" if said else ".")
                )
            timeout = min(self.policy.probe_timeout, remaining)
            probe = await probe_engine(self._http, self.host, self.port, timeout)
            if probe.status is PortStatus.ENGINE:
                return probe.version
            # Not `sleep`: wake at once when the process exits while we wait.
            await asyncio.wait({exited}, timeout=min(self.policy.probe_interval, max(0.0, deadline - loop.time())))
        return None

    def _ended(self, code: int | None) -> str:
        said = self._output.tail_lines(1)
        return proc.describe_exit(code) + (f"; it said: {said[0]}" if said else "")

    async def _terminate(self, engine: proc.EngineProcess) -> None:
        """Politely, then by force after the grace."""
        if engine.returncode is not None:
            return
        grace = self.policy.stop_grace
        if self.command.stop_argv:
            code, _ = await proc.run_helper(self.command.stop_argv, grace + 10.0)
            if code != 0:
                proc.ask_to_stop(engine)
        else:
            proc.ask_to_stop(engine)
        try:
            await asyncio.wait_for(engine.wait(), grace)
        except TimeoutError:
            self._event("warning", f"The AceStream engine did not stop within {grace:g} s; ending it by force.")
            proc.kill_all(engine)
            await engine.wait()

    async def _reap(self, engine: proc.EngineProcess) -> None:
        """After the process exited: stragglers, lifeline, and the rest of its output."""
        proc.release(engine)
        if self._pump is not None:
            # Bounded: an engine that escaped its group could hold the pipe open forever.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._pump, 2.0)
            self._pump = None
        if self._engine is engine:
            self._engine = None

    # --- reporting --------------------------------------------------------------------------
    def _warn_if_outdated(self, version: str | None) -> None:
        if self._warned_outdated or not is_outdated(version):
            return
        self._warned_outdated = True
        self._event(
            "warning",
            f"AceStream engine {version} is older than 3.2: some internet providers cut such engines "
            "every 12–15 minutes. Updating the engine is recommended.",
        )

    def _event(self, level: str, message: str) -> None:
        # The listener (the core's EventSink.emit) logs what it receives; log here only without one.
        if self._on_event is None:
            log.log(log_level(level), "%s", message)
            return
        try:
            self._on_event(level, message)
        except Exception:  # a listener's bug must not stop the supervisor
            log.exception("Engine event listener failed")

    def _set(self, state: EngineState | None = None, **changes: Any) -> None:
        if state is not None:
            changes["state"] = state
        snapshot = dataclasses.replace(self._snapshot, **changes)
        if snapshot == self._snapshot:
            return
        self._snapshot = snapshot
        if self._on_state is not None:
            try:
                self._on_state(snapshot)
            except Exception:
                log.exception("Engine state listener failed")
        for predicate, future in list(self._waiters):
            if future.done():
                continue
            try:
                if predicate(snapshot):
                    future.set_result(snapshot)
            except Exception as exc:  # the waiter's bug, reported to the waiter
                future.set_exception(exc)
