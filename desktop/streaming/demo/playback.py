"""The demo engine's byte pump: one playback connection's stream, paced, looped, and faulted on cue.

Every content plays the same clip, looped forever with its clocks carried
across loops by `ts_loop.TsLoop`, in real time (a prebuffer burst, then the
clip's rate) or as fast as possible for benchmarks. Byte faults (a stall, EOF,
the session vanishing) fire on their exact byte: writes are cut short to land
on it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from aiohttp import web

from desktop.streaming.demo.sessions import SessionTable
from desktop.streaming.demo.state import SimSession
from desktop.streaming.demo.ts_loop import TsLoop

log = logging.getLogger(__name__)


@dataclass
class Pacer:
    """Real-time pacing of one connection: `burst` bytes at once, then `rate` bytes/s."""

    rate: float | None
    burst: float
    started: float = field(default_factory=time.monotonic)
    sent: int = 0

    def delay(self, n: int) -> float:
        if self.rate is None:
            return 0.0
        due = self.started + (self.sent + n - self.burst) / self.rate
        return max(0.0, due - time.monotonic())

    def restart_without_burst(self) -> None:
        # After a stall the engine has nothing buffered: no catch-up burst.
        self.started, self.sent, self.burst = time.monotonic(), 0, 0.0


class Playback:
    """Streams a session's endless TS to its current reader until it is kicked, the session ends or a fault hits."""

    def __init__(
        self,
        table: SessionTable,
        source: TsLoop,
        *,
        bytes_per_second: float | None,
        continuous: bool,
        write_size: int,
        burst_seconds: float,
    ) -> None:
        self._table = table
        self._source = source
        self.bytes_per_second = bytes_per_second  # None: unpaced
        self.continuous = continuous  # rewrite clocks and counters on each loop (costs CPU)
        self.write_size = write_size
        self.burst_seconds = burst_seconds

    async def stream(self, session: SimSession, reader: object, response: web.StreamResponse) -> None:
        """Send the session's bytes to `response` while `reader` is its current reader."""
        table = self._table
        while table.is_current(session, reader) and (wait := self._hold_time(session)) != 0.0:
            await table.nap(wait)  # prebuffering (or never_send)
        # Once prebuffered the engine has a buffer to give: a burst, then real time.
        pacer = Pacer(self.bytes_per_second, (self.bytes_per_second or 0) * self.burst_seconds)
        loop_index, loop_data = -1, b""
        sent = 0  # by this connection
        writes = 0
        while table.is_current(session, reader):
            if (wait := self._hold_time(session)) != 0.0:
                await table.nap(wait)  # a stall (or a fault flipped on mid-stream)
                if self._hold_time(session) == 0.0:
                    pacer.restart_without_burst()
                continue
            size = self._next_write_size(session, sent)
            if size == 0:
                if self._apply_byte_fault(session, sent):
                    return
                continue
            if (delay := pacer.delay(size)) > 0:
                await table.nap(delay)
                continue
            index, offset = divmod(session.position, len(self._source.clip))
            if index != loop_index:
                loop_index = index
                loop_data = self._source.loop(index) if self.continuous else self._source.clip
            chunk = memoryview(loop_data)[offset : offset + size]
            try:
                await response.write(chunk)
            except ConnectionError:
                return  # the reader hung up before aiohttp told us (it cancels this handler next)
            if not table.is_current(session, reader):
                return  # kicked or stopped while writing: the position is someone else's now
            table.account(session, len(chunk))
            pacer.sent += len(chunk)
            sent += len(chunk)
            writes += 1
            if pacer.rate is None and writes % 16 == 0:
                await asyncio.sleep(0)  # unpaced: a fast socket never blocks, so let others run

    def _hold_time(self, session: SimSession) -> float | None:
        """Seconds this session's bytes must still wait (None: until faults change), or 0."""
        table = self._table
        now = time.monotonic()
        faults = table.faults
        if faults.never_send or session.value in faults.silent_ids or session.value in faults.peerless_ids:
            return None
        stalled_until = session.stalled_until if session.stall_generation == table.stall_generation else 0.0
        return max(table.ready_at(session) - now, stalled_until - now, 0.0)

    def _next_write_size(self, session: SimSession, sent: int) -> int:
        """The next write's size, cut short so that a byte fault fires on its exact byte."""
        faults = self._table.faults
        size = self.write_size
        if faults.eof_after_bytes is not None:
            size = min(size, max(0, faults.eof_after_bytes - sent))
        for limit in (faults.vanish_after_bytes, self._pending_stall(session)):
            if limit is not None:
                size = min(size, max(0, limit - session.bytes_out))
        return size

    def _pending_stall(self, session: SimSession) -> int | None:
        table = self._table
        faults = table.faults
        if faults.stall_after_bytes is None or session.stall_generation == table.stall_generation:
            return None
        if faults.stall_ids and session.value not in faults.stall_ids:
            return None
        return faults.stall_after_bytes

    def _apply_byte_fault(self, session: SimSession, sent: int) -> bool:
        """A byte threshold was reached: apply its fault. True when this connection ends."""
        table = self._table
        faults = table.faults
        if faults.vanish_after_bytes is not None and session.bytes_out >= faults.vanish_after_bytes:
            table.counters.sessions_vanished += 1
            log.info("session %s vanished", session.token[:8])
            table.end(session)
            return True
        if faults.eof_after_bytes is not None and sent >= faults.eof_after_bytes:
            return True
        session.stall_generation = table.stall_generation
        session.stalled_until = time.monotonic() + faults.stall_seconds
        return False
