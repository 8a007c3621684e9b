"""The demo engine's live state: its sessions and their one reader each, the faults in force, and wake-ups.

`SessionTable` is what the API routes (`engine.py`) and the byte pump
(`playback.py`) share. Every change (a fault, a session started or ended, a
reader taking over or leaving) wakes whoever waits in `nap()`, so a waiting
request re-reads the faults at once and a test can flip a fault mid-stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from desktop.streaming.demo.state import EngineCounters, EngineFaults, SimSession
from desktop.streaming.ts.packets import PACKET_SIZE

log = logging.getLogger(__name__)

_HEX40 = re.compile(r"^[0-9a-fA-F]{40}$")
_BTIH = re.compile(r"urn:btih:([0-9a-fA-F]{40})")


def infohash_for(kind: str, value: str) -> str:
    """The session key for a content selector: the real infohash when it is given, else a stable stand-in."""
    if kind == "infohash" and _HEX40.match(value):
        return value.lower()
    if kind == "magnet" and (found := _BTIH.search(value)):
        return found.group(1).lower()
    kind = "id" if kind == "content_id" else kind  # two spellings of one thing
    return hashlib.sha1(f"{kind}:{value}".encode()).hexdigest()


class Broadcast:
    """Wakes every waiter at the next fire(); costs nothing when nobody waits."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def fire(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    def add(self, waiter: asyncio.Future[None]) -> None:
        self._waiters.add(waiter)

    def discard(self, waiter: asyncio.Future[None]) -> None:
        # Timed-out waiters must go now: a quiet engine may not fire for hours.
        self._waiters.discard(waiter)


class SessionTable:
    """Sessions by infohash and token, the reader of each, the faults, and who to wake on a change."""

    def __init__(self, faults: EngineFaults, counters: EngineCounters, idle_stop: float) -> None:
        self.faults = faults
        self.counters = counters
        self.idle_stop = idle_stop  # s before a session nobody reads stops by itself
        self.sessions: dict[str, SimSession] = {}  # by infohash
        self.stall_generation = 0  # bumped when the stall fault changes: re-arms it for every session
        self.closing = False
        self._by_token: dict[str, SimSession] = {}
        self._readers: dict[object, asyncio.BaseTransport | None] = {}
        self._state = Broadcast()  # faults, sessions, readers changed: waiting requests re-check
        self._progress = Broadcast()  # bytes went out: only wait_until() listens

    # ---- faults and waiting ----------------------------------------------------------

    def set_faults(self, faults: EngineFaults | None = None, **changes: Any) -> EngineFaults:
        """Replace the faults (whole, or some fields of the current ones); takes effect at once."""
        old, self.faults = self.faults, replace(faults or self.faults, **changes)
        if (old.stall_after_bytes, old.stall_seconds) != (self.faults.stall_after_bytes, self.faults.stall_seconds):
            self.stall_generation += 1  # ends a stall in progress and re-arms the stall fault
        self.changed()
        return self.faults

    def changed(self) -> None:
        self._state.fire()

    async def nap(self, seconds: float | None) -> None:
        """Sleep up to `seconds` (None: no limit), waking early when faults or sessions change."""
        if seconds is not None and seconds <= 0:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._state.add(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, seconds)
        finally:
            self._state.discard(waiter)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Return once `predicate()` holds, re-checking at each state change or byte sent."""
        async with asyncio.timeout(timeout):
            while not predicate():
                waiter = asyncio.get_running_loop().create_future()
                self._state.add(waiter)
                self._progress.add(waiter)
                try:
                    await waiter
                finally:
                    self._state.discard(waiter)
                    self._progress.discard(waiter)

    # ---- sessions --------------------------------------------------------------------

    def find_or_start(self, kind: str, value: str, pid: str) -> SimSession:
        """The live session for this content, started when there is none (one session per content)."""
        infohash = infohash_for(kind, value)
        session = self.sessions.get(infohash)
        if session is None:
            session = SimSession(
                infohash=infohash,
                token=secrets.token_hex(20),
                content=f"{kind}={value}",
                value=value.lower(),
                pids=[],
                started_at=time.monotonic(),
                started_wall=time.time(),
            )
            self.sessions[infohash] = session
            self._by_token[session.token] = session
            self.counters.sessions_started += 1
            self.counters.most_sessions = max(self.counters.most_sessions, len(self.sessions))
            log.info("session %s started for %s", session.token[:8], session.content)
            self.changed()
        if session.reader is None:
            self._arm_idle_stop(session)  # a session nobody reads goes away too, counted from its last start
        if pid and pid not in session.pids:
            session.pids.append(pid)
        return session

    def lookup(self, infohash: str, token: str) -> SimSession | None:
        """The live session a session URL (`/ace/<kind>/<infohash>/<token>`) names, or None."""
        session = self._by_token.get(token)
        if session is None or session.infohash != infohash.lower():
            return None
        return session

    def ready_at(self, session: SimSession) -> float:
        """When the session's prebuffer is over (monotonic time)."""
        return session.started_at + self.faults.prebuffer_delay

    def end(self, session: SimSession) -> None:
        """Forget a session; its reader (if any) notices at its next check and ends cleanly."""
        session.alive = False
        if session.idle_timer is not None:
            session.idle_timer.cancel()
            session.idle_timer = None
        self.sessions.pop(session.infohash, None)
        self._by_token.pop(session.token, None)
        self.changed()

    def _arm_idle_stop(self, session: SimSession) -> None:
        if session.idle_timer is not None:
            session.idle_timer.cancel()
        session.idle_timer = asyncio.get_running_loop().call_later(self.idle_stop, self._stop_if_idle, session)

    def _stop_if_idle(self, session: SimSession) -> None:
        if session.alive and session.reader is None:
            self.counters.sessions_idle_stopped += 1
            log.info("session %s stopped: nobody reading", session.token[:8])
            self.end(session)

    # ---- readers ---------------------------------------------------------------------

    def take_over(self, session: SimSession, reader: object, transport: asyncio.BaseTransport | None) -> None:
        """The engine serves one reader per session: a new one kicks the current one off."""
        # Restart at the packet the previous reader was in the middle of: the
        # stream goes on where it was, and the new reader's first byte is a sync byte.
        session.position -= session.position % PACKET_SIZE
        previous = session.reader
        if previous is not None:
            self.counters.kicked_readers += 1
            old_transport = self._readers.pop(previous, None)
            if old_transport is not None:
                old_transport.close()  # the real engine drops the connection; no clean EOF
        session.reader = reader
        self._readers[reader] = transport
        if session.idle_timer is not None:
            session.idle_timer.cancel()
            session.idle_timer = None
        self.changed()

    def release(self, session: SimSession, reader: object) -> None:
        """A reader's connection ended; if it was still the session's reader, the idle-stop clock starts."""
        self._readers.pop(reader, None)
        if session.reader is reader:
            session.reader = None
            if session.alive and not self.closing:
                self._arm_idle_stop(session)
            self.changed()

    def is_current(self, session: SimSession, reader: object) -> bool:
        """Whether `reader` may still send: its session lives, nobody kicked it, the engine is not closing."""
        return session.alive and session.reader is reader and not self.closing

    def account(self, session: SimSession, n: int) -> None:
        """`n` bytes of the session went out to its reader."""
        session.bytes_out += n
        session.position += n
        self.counters.bytes_served += n
        self._progress.fire()

    def drop_readers(self) -> None:
        """Close every reader's connection; the sessions live on (their idle-stop clocks start)."""
        for transport in list(self._readers.values()):
            if transport is not None:
                transport.close()
        self.changed()

    def close(self) -> None:
        """End every session and drop every reader's connection (the engine is stopping)."""
        self.closing = True
        for session in list(self.sessions.values()):
            self.end(session)
        self.drop_readers()
