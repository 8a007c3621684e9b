"""The warm keeper: the first N favourites' channels stay open without players, so zapping to one is instant.

A cold AceStream channel takes seconds to start (the engine's session, then its
prebuffer). A favourite kept ready is an ordinary `LiveStream` that the keeper
holds through the registry (`LiveStream.keep_ready`): its reader reads and
discards, the fan-out keeps its join backlog (from the last keyframe), so a
player asking for it is simply one more player of an open channel and starts
at a keyframe in milliseconds. It reconnects like any stream and never lingers
out while held.

Which channels: `wanted()` (the service's: the first N favourites in the order
they were starred, N from Settings). The keeper compares that with what it
holds whenever it is woken (a favourite starred or unstarred, a setting
changed, the engine answering again) and every few seconds besides, which
also retries a favourite that failed (with backoff, so a dead link is not
asked for again and again) and reopens one that gave its place to a person's
channel (the registry's `_make_room`) once there is room. It opens channels
only while the cap has room and `may_start()` says the engine is worth asking
(it answers; an engine AceTray starts on the first play waits for that play).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from desktop.streaming.events import EventSink
from desktop.streaming.ids import ChannelKey
from desktop.streaming.live.registry import StreamRegistry
from desktop.streaming.live.stream import LiveStream
from desktop.streaming.runtime.background import Backoff, cancel_and_wait

log = logging.getLogger(__name__)

TICK = 5.0  # s between looks while there is something to keep: room freed, retries due, the engine back
# S before a favourite that failed is tried again, doubling each time it fails again without playing.
RETRY = Backoff(first=5.0, most=300.0)


@dataclass(frozen=True)
class Retry:
    """When a failed favourite may be tried again, and how often it has failed in a row."""

    not_before: float
    failures: int


class WarmKeeper:
    """Holds the wanted favourites' streams open while the proxy runs (on the core's loop).

    The service keeps one for its life and starts it with the proxy, giving it
    where to find the run's registry (None while the proxy is stopped). `clock`
    (loop time by default) times the retries; tests give their own and call
    `attach` and `reconcile` themselves instead of `start`.
    """

    def __init__(
        self,
        events: EventSink,
        *,
        wanted: Callable[[], Sequence[ChannelKey]],
        may_start: Callable[[], bool],
        clock: Callable[[], float] | None = None,
        tick: float | None = None,
    ) -> None:
        self._events = events
        self._wanted = wanted
        self._may_start = may_start
        self._clock = clock
        self._tick = tick
        self._registry: Callable[[], StreamRegistry | None] = lambda: None
        self._held: dict[ChannelKey, LiveStream] = {}
        self._retries: dict[ChannelKey, Retry] = {}
        self._woken: asyncio.Event | None = None  # made on the loop that runs the keeper
        self._task: asyncio.Task[None] | None = None

    # --- life ------------------------------------------------------------------------------
    def start(self, registry: Callable[[], StreamRegistry | None]) -> None:
        """The proxy started: keep the favourites ready in `registry()` until `stop`."""
        if self._task is None:
            self.attach(registry)
            self._woken = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="warm-keeper")

    def attach(self, registry: Callable[[], StreamRegistry | None]) -> None:
        """Where the run's registry is, without looking by itself (`start` does both)."""
        self._registry = registry
        if self._clock is None:
            self._clock = asyncio.get_running_loop().time

    async def stop(self) -> None:
        """The run ends: stop looking; the streams it held are the registry's to close. Idempotent."""
        task, self._task = self._task, None
        await cancel_and_wait(task)
        self._registry = lambda: None
        self._held.clear()
        self._retries.clear()

    def wake(self) -> None:
        """Something the keeper depends on changed (favourites, the setting): look now (if running)."""
        if self._woken is not None:
            self._woken.set()

    @property
    def held(self) -> tuple[ChannelKey, ...]:
        """The favourites held open now (starting, ready or watched), for diagnostics and tests."""
        return tuple(key for key, stream in self._held.items() if not stream.closed)

    async def _run(self) -> None:
        assert self._woken is not None
        while True:
            self._woken.clear()
            try:
                wait = self.reconcile()
            except Exception:  # a bug here must not end zapping for the whole run
                log.exception("the warm keeper failed to look at the favourites")
                wait = self.tick
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._woken.wait()

    # --- the one decision ------------------------------------------------------------------
    def reconcile(self) -> float | None:
        """Hold what is wanted and let go of the rest; returns the s until the next look (None: only when woken)."""
        registry, clock = self._registry(), self._clock
        if registry is None or clock is None:
            return None  # not running
        now = clock()
        wanted = list(dict.fromkeys(self._wanted()))
        self._forget_closed(now)
        for key in [key for key in self._held if key not in wanted]:
            self._held.pop(key).keep_ready(None)  # closes now, or after its players and the linger
        for key in [key for key in self._retries if key not in wanted]:
            del self._retries[key]
        for rank, key in enumerate(wanted):
            stream = self._held.get(key)
            if stream is None:
                retry = self._retries.get(key)
                if (retry is not None and now < retry.not_before) or not self._may_start():
                    continue
                stream = registry.open_if_room(key)
                if stream is None:
                    continue  # no room (the next look tries again); held ones further on still get their rank
                self._held[key] = stream
            stream.keep_ready(rank)
        if not wanted:
            return None
        due = [retry.not_before - now for retry in self._retries.values()]
        return max(0.0, min([self.tick, *due]))

    @property
    def tick(self) -> float:
        """S between looks while there is something to keep (TICK unless given)."""
        return TICK if self._tick is None else self._tick

    def _forget_closed(self, now: float) -> None:
        """Streams that closed since the last look: a failed one waits before it is tried again."""
        for key, stream in list(self._held.items()):
            if not stream.closed:
                if stream.bytes_in:
                    self._retries.pop(key, None)  # it played: a later failure starts the backoff afresh
                continue
            del self._held[key]
            if stream.state != "failed":
                continue  # gave its place to a person's channel, or the engine was stopped: open it when it may
            failures = 1 if stream.bytes_in else self._retries.get(key, Retry(0.0, 0)).failures + 1
            wait = RETRY.wait(failures)
            self._retries[key] = Retry(now + wait, failures)
            self._events.emit(
                "warning", f"Could not keep this favourite ready; trying again in {wait:.0f} s", key.content_id
            )
