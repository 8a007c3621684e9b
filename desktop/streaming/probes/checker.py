"""The link check: sources probed one after another, gently, and their verdicts recorded.

Probes must never hurt the engine or the channels people watch, so the
checker keeps to these rules, read from the settings at each step:

- at most `check_at_once` probes at once (default 1), and never more than the
  channel cap leaves free (`StreamRegistry.free`, less the channels' sessions
  being made or stopped at that moment: `SessionStopper.unsettled`);
- at most `check_per_minute` probe starts in any 60 s (`pace.SlidingWindow`);
- a person starting a channel comes first: running probes are cancelled at
  once (each stops its session on its way out; see `probe.py`) and put back
  in the queue, and no probe starts for `GIVE_WAY_PAUSE` seconds;
- a source a channel is playing (or lingering on) is judged from that channel
  and never probed: a second engine session on the same id would make the
  engine drop the channel's.

An engine that does not answer stops the check (it says nothing of the
sources); every other failure is the source's verdict.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections import deque
from collections.abc import Callable, Iterable

from desktop.streaming.ids import ChannelKey
from desktop.streaming.live.context import CoreContext
from desktop.streaming.live.registry import StreamRegistry
from desktop.streaming.probes.pace import SlidingWindow
from desktop.streaming.probes.probe import EngineGone, Verdict, probe
from desktop.streaming.runtime.clocks import Clock, MonotonicClock
from desktop.streaming.sources.health import HealthStore
from desktop.streaming.sources.view import CheckProgress, links_phrase

log = logging.getLogger(__name__)

GIVE_WAY_PAUSE = 10.0  # s without new probes after a person starts a channel: its start has the engine alone
MAX_QUEUE = 200_000  # sources waiting at most (several playlists of 50,000 channels)
CLOSE_GRACE = 2.0  # s to wait at stop for cancelled probes to stop their sessions
SETTLE_WAIT = 5.0  # s between looks at the engine sessions being made or stopped, while they hold the room


class CheckUnavailable(Exception):
    """No check can run now (the proxy is stopped); str() is a sentence for the person."""


class LinkChecker:
    def __init__(
        self,
        context: CoreContext,
        health: HealthStore,
        *,
        clock: Clock | None = None,
        on_progress: Callable[[CheckProgress], None] | None = None,
    ) -> None:
        self._context = context
        self._health = health
        self._clock = clock or MonotonicClock()
        self._pace = SlidingWindow(self._clock)
        self._on_progress = on_progress
        self._registry: StreamRegistry | None = None
        self._queue: deque[ChannelKey] = deque()
        self._queued: set[ChannelKey] = set()
        self._probes: dict[ChannelKey, asyncio.Task[Verdict]] = {}
        self._runner: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None  # made on the loop, at the first check
        self._paused_until = float("-inf")  # clock time before which no probe starts (giving way)
        self.progress = CheckProgress()

    # -- the run of the proxy ----------------------------------------------------------------
    def attach(self, registry: StreamRegistry) -> None:
        """Checks may run while this registry's channels do (the proxy runs)."""
        self._registry = registry
        registry.listen(self._channel_changed)

    async def detach(self) -> None:
        """The proxy stops: the check ends, every probe's session stopped (waited for briefly)."""
        self._finish("Link check stopped: the proxy stopped.", level="info")
        self._registry = None
        probes = list(self._probes.values())
        if probes:
            await asyncio.wait(probes, timeout=CLOSE_GRACE)

    # -- asked for ------------------------------------------------------------------------------
    def check(self, keys: Iterable[ChannelKey]) -> int:
        """Queue these sources (those not already waiting or being probed); returns how many joined."""
        if self._registry is None:
            raise CheckUnavailable("The proxy is not running: start it to check links.")
        added = 0
        for key in keys:
            if key in self._queued or key in self._probes or len(self._queue) >= MAX_QUEUE:
                continue
            self._queue.append(key)
            self._queued.add(key)
            added += 1
        if not added:
            return 0
        if self._runner is None:
            self.progress = CheckProgress(running=True, total=added)
            self._context.events.emit("info", f"Checking {links_phrase(added)}…")
            self._wake = asyncio.Event()
            self._runner = asyncio.get_running_loop().create_task(self._run(), name="link check")
        else:
            self.progress = dataclasses.replace(self.progress, total=self.progress.total + added)
        self._told()
        return added

    def stop(self) -> None:
        """The person stopped the check: nothing more starts; running probes stop their sessions."""
        if self._runner is not None:
            done = self.progress
            self._finish(f"Link check stopped: {done.done:,} of {links_phrase(done.total)} checked.", level="info")

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def until_finished(self) -> None:
        """Return once the check under way (if any) has finished or stopped."""
        while (runner := self._runner) is not None:
            await asyncio.wait({runner})

    # -- the run ----------------------------------------------------------------------------------
    async def _run(self) -> None:
        assert self._wake is not None
        while self._queue or self._probes:
            self._wake.clear()
            wait = self._wait_before_next()
            if wait is None and self._queue and self._context.sessions.unsettled:
                await self._context.sessions.settle(SETTLE_WAIT)  # a channel's session is being made or stopped
            elif wait is None:
                await self._wake.wait()  # a probe ends, a channel closes, a source joins
            elif wait > 0:
                await self._clock.sleep(wait)
            else:
                self._start_next()
        self._runner = None  # done: not cancelled, so _finish has not run
        progress = self.progress
        self.progress = dataclasses.replace(progress, running=False)
        found = f"{progress.alive:,} alive, {progress.dead:,} dead"
        self._context.events.emit("info", f"Link check finished: {found} ({links_phrase(progress.done)}).")
        self._told()

    def _wait_before_next(self) -> float | None:
        """0: a probe may start now; seconds to wait (pace, giving way); None: until something changes."""
        registry, config = self._registry, self._context.config
        if not self._queue or registry is None:
            return None
        # A session still being made or stopped (a channel just opened or closed) is the engine's too.
        room = registry.free - self._context.sessions.unsettled
        if len(self._probes) >= min(max(1, config.check_at_once), room):
            return None
        return max(self._paused_until - self._clock(), self._pace.wait_time(config.check_per_minute), 0.0)

    def _start_next(self) -> None:
        key = self._queue.popleft()
        self._queued.discard(key)
        if self._judged_from_channel(key):
            return
        self._pace.spend()
        task = asyncio.get_running_loop().create_task(self._probe(key), name=f"probe-{key.content_id[:8]}")
        self._probes[key] = task
        self._context.sessions.hold(key.kind, key.content_id, task)  # a channel on this id waits for its stop
        task.add_done_callback(functools.partial(self._probe_done, key))

    async def _probe(self, key: ChannelKey) -> Verdict:
        context = self._context
        return await probe(context.engine, context.http, context.sessions, key, context.config.check_timeout)

    def _probe_done(self, key: ChannelKey, task: asyncio.Task[Verdict]) -> None:
        if self._probes.get(key) is task:
            del self._probes[key]
        if self._wake is not None:
            self._wake.set()
        if task.cancelled():
            if self._runner is not None and key not in self._queued:  # gave way: its turn comes again
                self._queue.appendleft(key)
                self._queued.add(key)
            return
        error = task.exception()
        if isinstance(error, EngineGone):
            self._finish(f"Link check stopped: {error}. No link was marked dead.", level="warning")
        elif error is not None:
            log.error("a probe of %s failed", key.content_id, exc_info=error)
            self._count(None)
        else:
            verdict = task.result()
            self._health.report(key, verdict.state, verdict.reason, verdict.peers, verdict.speed_kbps)
            self._count(verdict.state)

    def _judged_from_channel(self, key: ChannelKey) -> bool:
        """A source a channel is on is never probed: playing or lingering, it is alive (its own figures).
        (A channel of several sources is on one of them: the others may be probed.)"""
        stream = self._registry.reading(key) if self._registry is not None else None
        if stream is None:
            return False
        if stream.state in ("playing", "lingering"):
            stats = stream.stats
            peers, speed = (stats.peers, stats.speed_down_kbps) if stats is not None else (None, None)
            self._health.report(key, "alive", None, peers, speed)
            self._count("alive")
        else:
            self._count(None)  # starting or reconnecting: the channel will show how it goes
        return True

    def _channel_changed(self, _key: ChannelKey, opened: bool) -> None:
        """A person's channel opens: running probes give way at once, and new ones wait a moment."""
        if opened and self._runner is not None:
            self._paused_until = self._clock() + GIVE_WAY_PAUSE
            for task in self._probes.values():
                task.cancel()
        if self._wake is not None:
            self._wake.set()  # a closed channel may leave room for a probe

    # -- telling ------------------------------------------------------------------------------------
    def _count(self, state: str | None) -> None:
        progress = self.progress
        self.progress = dataclasses.replace(
            progress,
            done=progress.done + 1,
            alive=progress.alive + (state == "alive"),
            dead=progress.dead + (state == "dead"),
        )
        self._told()

    def _finish(self, sentence: str, *, level: str) -> None:
        """End the check now: the queue is emptied, running probes are cancelled (they stop their sessions)."""
        runner, self._runner = self._runner, None
        self._queue.clear()
        self._queued.clear()
        for task in self._probes.values():
            task.cancel()
        if runner is None:
            return
        if runner is not asyncio.current_task():
            runner.cancel()
        self.progress = dataclasses.replace(self.progress, running=False, stopped=True)
        self._context.events.emit(level, sentence)
        self._told()

    def _told(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.progress)
