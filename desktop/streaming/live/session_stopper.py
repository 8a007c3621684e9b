"""Every engine session AceTray started is stopped: in the background, retried, and swept at exit.

The engine keeps a session (and its P2P swarm, its upload) running until
told `method=stop` or until it notices nobody reads. Sessions leak when:

- a start is given up on (the engine client's START_TIMEOUT, the stream's
  start timeout, or every player left) while the engine is still creating the
  session: the engine answers later (seen at 45 s), to nobody;
- a stop command fails (the engine restarting, the machine out of file
  descriptors) and is never sent again.

So starts go through `start`, which gives up on the engine's answer after
START_TIMEOUT (or when its caller is cancelled) but goes on waiting for it in
the background, up to LATE_START_WAIT, and stops the session if one arrives;
failed stops are retried with backoff, a bounded number of times; and `sweep`
at exit retries every waiting stop at once and waits a bounded time. A
closing stream never waits for any of this: its players are told at once.

An engine that is replaced in Settings or stopped takes its sessions with it
(or is no longer AceTray's to tidy): `abandon` lets each of its stops make the
one attempt under way and retries none, with one log line for them all. Before,
five channels on a vanished engine wrote thirty retry lines into the log.

A link check's probe `hold`s its source while it has (or may get) an engine
session on it: a channel starting on that very id waits for the probe to stop
its session first (a stop command: milliseconds), because the engine drops one
of two sessions on one id, and a late stop would end the channel's.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop.streaming.engine.client import START_TIMEOUT, EngineClient, EngineError, EngineSession

log = logging.getLogger(__name__)

LATE_START_WAIT = 300.0  # s an engine's answer to a start given up on is still waited for, to stop its session

RETRY_FIRST = 0.5  # s before the first retry of a failed stop; doubles each time...
RETRY_MAX = 8.0  # ...up to this
ATTEMPTS = 6  # stop commands per session at most (about 15 s of backoff plus their timeouts)
HOLD_WAIT = 10.0  # s a start waits at most for a probe to let go of the same source


@dataclass(eq=False)
class _Stop:
    """One session's stop command, retried with backoff until it succeeds, runs out, or is abandoned."""

    engine: EngineClient
    command_url: str
    abandoned: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)  # ends a retry's wait early (sweep, abandon)


class SessionStopper:
    """Stops engine sessions in the background, tracked, so that a shutdown can wait for them briefly."""

    def __init__(self) -> None:
        self._pending: set[asyncio.Task[None]] = set()  # stop commands under way (or waiting to retry)
        self._stops: set[_Stop] = set()  # what those tasks are stopping, for `abandon`
        self._late: set[asyncio.Task[EngineSession]] = set()  # starts given up on, still waiting for the engine
        self._starting: set[asyncio.Task[EngineSession]] = set()  # every start the engine has not answered yet
        self._sweeping = False
        self._holds: dict[tuple[str, str], asyncio.Task[Any]] = {}  # source -> the probe holding it
        self.failed_attempts = 0  # stop commands that failed (each retry counts), for diagnostics and tests
        self.late_sessions = 0  # sessions that arrived after their start was given up on

    # --- starting ------------------------------------------------------------------------
    async def start(self, engine: EngineClient, kind: str, content_id: str, extra: Mapping[str, str]) -> EngineSession:
        """`engine.start`, given up on after START_TIMEOUT (EngineError, 504) or when the caller is
        cancelled; either way a session that still arrives within LATE_START_WAIT is stopped.

        The engine's answer is what START_TIMEOUT bounds, not `until_ready`: an engine AceTray
        starts on the first play may take longer to come up (the stream's start timeout bounds that).
        A probe holding the same source is waited for first (it is giving way and stopping its session).
        """
        held = self._holds.get((kind, content_id))
        if held is not None:
            await asyncio.wait({held}, timeout=HOLD_WAIT)
        await engine.until_ready()
        task = asyncio.get_running_loop().create_task(engine.start(kind, content_id, extra, timeout=LATE_START_WAIT))
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)
        try:
            async with asyncio.timeout(START_TIMEOUT):
                return await asyncio.shield(task)  # the engine finishes creating the session either way
        except TimeoutError:
            self._wait_in_background(engine, task)
            raise EngineError(f"AceStream engine did not answer within {START_TIMEOUT:g} s", 504) from None
        except asyncio.CancelledError:
            self._wait_in_background(engine, task)
            raise

    def _wait_in_background(self, engine: EngineClient, task: asyncio.Task[EngineSession]) -> None:
        self._late.add(task)
        task.add_done_callback(functools.partial(self._late_start_done, engine))

    def hold(self, kind: str, content_id: str, probe: asyncio.Task[Any]) -> None:
        """`probe` has (or may get) a session on this source until it is done, its session stopped."""
        key = (kind, content_id)
        self._holds[key] = probe

        def let_go(_done: asyncio.Task[Any]) -> None:
            if self._holds.get(key) is probe:
                del self._holds[key]

        probe.add_done_callback(let_go)

    def _late_start_done(self, engine: EngineClient, task: asyncio.Task[EngineSession]) -> None:
        self._late.discard(task)
        if task.cancelled():
            return
        if task.exception() is not None:  # retrieved: the start failed, so there is nothing to stop
            return
        self.late_sessions += 1
        log.info("the engine started a session after AceTray gave up on it; stopping it")
        self.stop_later(engine, task.result())

    # --- stopping ------------------------------------------------------------------------
    def stop_later(self, engine: EngineClient, session: EngineSession) -> None:
        if not session.command_url:
            return  # the engine gave no way to stop it (minimal answers): it times out on its own
        stop = _Stop(engine, session.command_url)
        self._stops.add(stop)
        task = asyncio.get_running_loop().create_task(self._stop(stop))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        task.add_done_callback(lambda _task: self._stops.discard(stop))

    def abandon(self, why: str, *, keep: EngineClient | None = None) -> None:
        """The engine was replaced (`keep`: the new one) or stopped: stops on any other engine make
        the attempt under way, and no retry."""
        stops = [stop for stop in self._stops if stop.engine is not keep and not stop.abandoned]
        if not stops:
            return
        for stop in stops:
            stop.abandoned = True
            stop.wake.set()
        log.info("%d engine session stop(s) will not be retried: %s", len(stops), why)

    @property
    def pending(self) -> int:
        """Stops under way plus starts given up on that may still bring a session."""
        return len(self._pending) + len(self._late)

    @property
    def unsettled(self) -> int:
        """Engine sessions being made or stopped: the engine may hold each, whatever the registry says."""
        return len(self._pending | self._late | self._starting)

    async def _stop(self, stop: _Stop) -> None:
        delay = RETRY_FIRST
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await stop.engine.stop(stop.command_url)
            except EngineError as exc:
                self.failed_attempts += 1
                if stop.abandoned:
                    log.debug("a stop on an engine no longer in use failed: %s", exc)  # `abandon` told it
                    return
                if attempt == ATTEMPTS:
                    log.warning("gave up stopping an engine session after %d attempts: %s", attempt, exc)
                    return
                log.info("could not stop an engine session (%s); trying again in %g s", exc, delay)
                await self._pause(stop, delay)
                if stop.abandoned:
                    return
                delay = min(delay * 2, RETRY_MAX)
            else:
                if attempt > 1:
                    log.info("engine session stopped at attempt %d", attempt)
                return

    async def _pause(self, stop: _Stop, seconds: float) -> None:
        """Sleep before a retry, unless a sweep says to retry now or the stop is abandoned."""
        if not self._sweeping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wake.wait(), seconds)

    # --- waiting -------------------------------------------------------------------------
    async def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` s for the stops (and late starts) under way; True when none is left."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        # A late start that ends brings a new stop task: look again until nothing is left or time is up.
        while (tasks := self._pending | self._late) and (left := deadline - loop.time()) > 0:
            await asyncio.wait(tasks, timeout=left, return_when=asyncio.FIRST_COMPLETED)
        return not (self._pending or self._late)

    async def settle(self, timeout: float) -> bool:
        """Wait up to `timeout` s until no session is being made or stopped; True when none is."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (tasks := self._pending | self._late | self._starting) and (left := deadline - loop.time()) > 0:
            await asyncio.wait(tasks, timeout=left, return_when=asyncio.FIRST_COMPLETED)
        return not self.unsettled

    async def sweep(self, timeout: float) -> int:
        """At exit: retry every waiting stop now, wait up to `timeout` s, cancel what is left.

        Returns how many sessions may still be running at the engine.
        """
        self._sweeping = True  # meanwhile every failed stop is retried at once (still at most ATTEMPTS)
        for stop in self._stops:
            stop.wake.set()
        try:
            await self.wait(timeout)
            left = list(self._pending | self._late)
            for task in left:
                task.cancel()
            if left:
                await asyncio.wait(left)
                log.warning("%d engine session(s) could not be stopped in time; the engine ends them itself", len(left))
            return len(left)
        finally:
            # The context outlives this run of the proxy: the next run backs off normally again.
            self._sweeping = False
