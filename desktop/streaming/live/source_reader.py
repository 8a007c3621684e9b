"""The engine side of a channel of several sources: the one in use, and the next when it fails.

`SourcesReader` is an `EngineReader` whose `run` moves the channel to its next
source (`sources.failover.Rotation` says which) when the one in use fails: the
engine refused it or answered nonsense, nothing came within the start timeout
of choosing it, nothing for the stall timeout since, or the engine's stat
called it dead (`source_dead`, from the stream's stat polls). Players stay
connected: the old source's last frame still arriving is left out and the new
source goes on at its first PAT (`sources.splice`), and HLS segments note the
discontinuity (the stream's `on_switch`). The session switched away from is
stopped at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import aiohttp

from desktop.streaming.engine.client import EngineError, EngineUnreachable
from desktop.streaming.live.context import CoreContext
from desktop.streaming.live.failures import Failure, SessionGone, describe
from desktop.streaming.live.fanout import Fanout
from desktop.streaming.live.player import StreamEnded
from desktop.streaming.live.reader import BACKOFF_FIRST, BACKOFF_MAX, EngineReader
from desktop.streaming.sources.failover import Rotation, Switch
from desktop.streaming.sources.splice import FrameTail, SpliceGate


class SourcesReader(EngineReader):
    """Reads a channel of several sources for as long as it has players."""

    def __init__(
        self,
        rotation: Rotation,
        extra: Mapping[str, str],
        context: CoreContext,
        fanout: Fanout,
        *,
        on_chunk: Callable[[bytes, bool], None],
        on_reconnect: Callable[[Failure], None],
        on_switch: Callable[[Switch], None],
        wanted: Callable[[], bool],
    ) -> None:
        """`on_switch(switch)`: the channel moved to another of its sources; the rest as `EngineReader`."""
        super().__init__(rotation, extra, context, fanout, on_chunk=on_chunk, on_reconnect=on_reconnect, wanted=wanted)
        self._on_switch = on_switch
        self._source_since = self.last_data  # when the source in use was chosen (loop time)
        self._dead: Failure | None = None  # why the engine calls the source in use dead (`source_dead`)
        self._tail = FrameTail()  # the frame still arriving: a switch must not leave half of it
        self._gate: SpliceGate | None = None  # after a switch: the new source's data waits for its PAT

    def _splice(self, chunk: bytes, now: float) -> bytes:
        gate = self._gate
        if gate is not None:
            chunk = gate.feed(chunk, now)
            if gate.open:
                self._gate = None
            if not chunk:
                return b""
        return self._tail.feed(chunk)

    def source_dead(self, reason: str) -> None:
        """The engine calls the source in use dead: the channel moves on to its next source."""
        if self._dead is None:
            self._dead = Failure(reason)
            if self._response is not None:
                self._response.close()  # the read loop sees its stream end, and this reason

    async def run(self) -> Failure:
        """A channel of several sources: on the source in use, then on the next when it fails.

        A failure of the source (see `_attempt`) moves the channel on at once, its session
        stopped; anything else (the stream ended or broke, the engine away or changed) reopens
        the same source with backoff, as a channel of one source does, until that source has
        sent nothing for the stall timeout. Players are told why only when every source has
        failed and the start timeout (give-up-after, once it had played) ran out after that.
        """
        loop = self._loop
        backoff, new_session = BACKOFF_FIRST, False
        while True:
            config = self._context.config
            bytes_before = self.bytes_in
            failure, source_failed = await self._attempt()
            flowed = self.bytes_in > bytes_before
            if flowed:
                backoff, new_session = BACKOFF_FIRST, False
            if not self._wanted():
                return failure
            if not source_failed and self._source_had_data:
                source_failed = loop.time() - self.last_data > config.stall_timeout
            elif not source_failed:
                source_failed = loop.time() - self._source_since > config.start_timeout
            if source_failed:
                await self._next_source(failure)
                backoff, new_session = BACKOFF_FIRST, False
                continue
            waited = loop.time() - self.last_data
            if waited > (config.give_up_after if self.had_data else config.start_timeout):
                raise StreamEnded(f"Gave up after {waited:.0f} s without data: {failure.text}", 502)
            self._on_reconnect(failure)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)
            if new_session:
                self.drop_session()
            new_session = not flowed

    async def _next_source(self, failure: Failure) -> None:
        """The source in use failed: its session stopped at once, the channel moved on (after a pause
        when every source has failed); StreamEnded once that has lasted too long."""
        rotation = self.rotation
        pause = rotation.fail(failure.text)
        self.drop_session()  # the engine keeps one session per channel: this one is of no more use
        self._give_up_when_due()
        if pause:
            self._on_reconnect(Failure(f"every source failed (source {rotation.position}: {failure.text})"))
            await asyncio.sleep(min(pause, self._give_up_at() - self._loop.time()))
            self._give_up_when_due()
        switch = rotation.advance()
        self._source_since, self._source_had_data = self._loop.time(), False
        if switch is not None:
            self._gate = SpliceGate() if self.had_data else None  # players are mid-stream: a PAT first
            self._on_switch(switch)

    async def _attempt(self) -> tuple[Failure, bool]:
        """Open (or reopen) the source in use and read it until it stops: why, and whether the source failed.

        The source failed when the engine refused it or answered nonsense, when nothing came
        within the start timeout of choosing it, nothing for the stall timeout since, or the
        engine called it dead. An engine that is away (or being changed) is nobody's source.
        """
        config, loop = self._context.config, self._loop
        first_byte = self._source_since + config.start_timeout
        if self.rotation.exhausted_since is not None:
            first_byte = min(first_byte, self._give_up_at())
        self._aligner.reset()
        self._fanout.clear_backlog()
        self._tail.drop()  # a new connection: the frame the last one was sending never ends
        if self.had_data:
            self.splicer.splice()  # players have had data: what comes next must continue it
        try:
            await self._context.engine.until_ready()  # an engine that cannot start says nothing of the source
        except EngineError as exc:
            return describe(exc), False
        try:
            async with asyncio.timeout_at(None if self._source_had_data else first_byte) as self._start_deadline:
                await self._open_session()
                await self._pump(silence=config.stall_timeout)
            failure, source_failed = Failure("the engine ended the stream"), False
        except TimeoutError:
            waited = config.stall_timeout if self._source_had_data else loop.time() - self._source_since
            failure, source_failed = Failure(f"no data for {waited:.0f} s"), True
        except (EngineUnreachable, SessionGone, aiohttp.ClientError, OSError) as exc:
            failure, source_failed = describe(exc), False
        except EngineError as exc:
            failure, source_failed = describe(exc), True
        finally:
            self._start_deadline = None
        if self._dead is not None:
            failure, source_failed, self._dead = self._dead, True, None
        if self._engine_switched:
            self._engine_switched = False
            failure, source_failed = Failure("the engine was changed in Settings"), False
        return failure, source_failed

    def _give_up_at(self) -> float:
        """When players are told, once every source has failed (loop time)."""
        exhausted = self.rotation.exhausted_since
        assert exhausted is not None
        config = self._context.config
        return exhausted + (config.give_up_after if self.had_data else config.start_timeout)

    def _give_up_when_due(self) -> None:
        if self.rotation.exhausted_since is not None and self._loop.time() >= self._give_up_at():
            raise StreamEnded(self.rotation.why_none_played(), 502)
