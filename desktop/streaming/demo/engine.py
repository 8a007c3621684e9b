"""A simulated AceStream engine: the demo mode's engine and every core test's engine.

It speaks the engine's HTTP API as `/work/shared/ENGINE_API.md` describes it,
habits and faults included, so the proxy is built against the real thing's
behaviour: one reader per session (a second reader kicks the first), a
prebuffer before the first byte, stalls, EOF with the session still alive,
sessions that vanish, errors in two shapes, wrong hosts in returned URLs.

Every content id plays the same clip, looped forever in real time (or as fast
as possible, for benchmarks) with its clocks carried across loops by
`ts_clock.TsLoop`, so real players see one continuous live stream.

Faults live in a frozen `EngineFaults`, replaced whole by `set_faults()` on the
running engine; every waiting request re-reads them at once, so a test can
flip a fault mid-stream.

Run alone: `python -m desktop.streaming.demo --port 6878 [--unpaced] [--clip PATH]` (`__main__.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

from aiohttp import web

from desktop.resources import resource_path
from desktop.streaming.demo.state import (
    Broadcast,
    EngineCounters,
    EngineFaults,
    EngineRequest,
    SimSession,
    Pacer,
)
from desktop.streaming.demo.ts_loop import TsLoop
from desktop.streaming.ts import PACKET_SIZE

__all__ = ["DemoEngine", "EngineCounters", "EngineFaults", "EngineRequest", "SimSession", "load_demo_clip"]

log = logging.getLogger(__name__)

VERSION_INFO = {"code": 3017000, "platform": "linux", "version": "3.1.70"}
SELECTORS = ("id", "content_id", "infohash", "url", "magnet")
UNKNOWN_SESSION = "unknown playback session id"
GARBAGE_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
_HEX40 = re.compile(r"^[0-9a-fA-F]{40}$")
_BTIH = re.compile(r"urn:btih:([0-9a-fA-F]{40})")


def load_demo_clip() -> bytes:
    """The committed demo clip (resources/demo/demo.ts)."""
    return resource_path("demo", "demo.ts").read_bytes()


def _envelope(response: Any = None, error: str | None = None) -> web.Response:
    return web.json_response({"response": response, "error": error})


def _infohash_for(kind: str, value: str) -> str:
    if kind == "infohash" and _HEX40.match(value):
        return value.lower()
    if kind == "magnet" and (found := _BTIH.search(value)):
        return found.group(1).lower()
    kind = "id" if kind == "content_id" else kind  # two spellings of one thing
    return hashlib.sha1(f"{kind}:{value}".encode()).hexdigest()


class DemoEngine:
    """An aiohttp server that behaves like the AceStream engine's HTTP API."""

    def __init__(
        self,
        source: bytes,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bytes_per_second: float | Literal["clip"] | None = "clip",
        continuous: bool | None = None,
        write_size: int = 4096,
        burst_seconds: float = 1.0,
        faults: EngineFaults | None = None,
        session_idle_stop: float = 30.0,
    ) -> None:
        """`bytes_per_second`: "clip" = the clip's own rate (size / duration), None = unpaced.
        `continuous`: rewrite clocks and counters on each loop (default: when paced; costs CPU)."""
        if write_size <= 0:
            raise ValueError("write_size must be positive")
        self._loop_source = TsLoop(source)
        if bytes_per_second == "clip":
            duration = self._loop_source.info.duration
            if not duration:
                raise ValueError("the source has no timestamps: give bytes_per_second")
            bytes_per_second = len(source) / duration
        self.bytes_per_second: float | None = bytes_per_second
        self.continuous = bytes_per_second is not None if continuous is None else continuous
        self.write_size = write_size
        self.burst_seconds = burst_seconds
        self.session_idle_stop = session_idle_stop
        self.faults = faults or EngineFaults()
        self.host, self.port = host, port
        self.counters = EngineCounters()
        self.requests: deque[EngineRequest] = deque(maxlen=10_000)  # bounded: demo mode runs for days
        self.sessions: dict[str, SimSession] = {}  # by infohash
        self._by_token: dict[str, SimSession] = {}
        self._readers: dict[object, asyncio.BaseTransport | None] = {}
        self._stall_generation = 0
        self._state = Broadcast()  # faults, sessions, readers changed: waiting requests re-check
        self._progress = Broadcast()  # bytes went out: only wait_until() listens
        self._runner: web.AppRunner | None = None
        self._closing = False

    # ---- lifecycle -------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def active_sessions(self) -> int:
        return len(self.sessions)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/ace/getstream", self._getstream)
        app.router.add_get("/ace/manifest.m3u8", self._manifest)
        app.router.add_get("/ace/r/{infohash}/{token}", self._playback)
        app.router.add_get("/ace/stat/{infohash}/{token}", self._stat)
        app.router.add_get("/ace/cmd/{infohash}/{token}", self._command)
        app.router.add_get("/ace/event/{infohash}/{token}", self._events)
        app.router.add_get("/webui/api/service", self._service)
        # handler_cancellation: a reader that hangs up ends its handler at once,
        # which is what starts the idle-stop clock, as in the real engine.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("demo engine listening on %s", self.url)

    async def stop(self) -> None:
        self._closing = True
        for session in list(self.sessions.values()):
            self._end_session(session)
        for transport in list(self._readers.values()):
            if transport is not None:
                transport.close()
        self._state.fire()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DemoEngine:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---- test controls -----------------------------------------------------------

    def set_faults(self, faults: EngineFaults | None = None, **changes: Any) -> EngineFaults:
        """Replace the faults (whole, or some fields of the current ones); takes effect at once."""
        old, self.faults = self.faults, replace(faults or self.faults, **changes)
        if (old.stall_after_bytes, old.stall_seconds) != (self.faults.stall_after_bytes, self.faults.stall_seconds):
            self._stall_generation += 1  # ends a stall in progress and re-arms the stall fault
        self._state.fire()
        return self.faults

    def session_for(self, infohash: str) -> SimSession | None:
        return self.sessions.get(infohash)

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

    async def _nap(self, seconds: float | None) -> None:
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

    def _changed(self) -> None:
        self._state.fire()

    # ---- service and start -------------------------------------------------------

    async def _service(self, request: web.Request) -> web.Response:
        if request.query.get("method") == "get_version":
            return web.json_response({"result": VERSION_INFO, "error": None})
        return web.json_response({"result": None, "error": "unknown method"})

    def _record(self, request: web.Request) -> None:
        params = {key: request.query.getone(key) for key in request.query}
        self.requests.append(EngineRequest(request.path, request.query_string, params, time.monotonic()))
        self._changed()

    async def _manifest(self, request: web.Request) -> web.Response:
        self._record(request)
        return web.Response(status=404, text="HLS not supported by the demo engine")

    async def _getstream(self, request: web.Request) -> web.StreamResponse:
        self._record(request)
        self.counters.getstream_requests += 1
        as_json = request.query.get("format") == "json"
        given = [key for key in SELECTORS if request.query.get(key)]
        if len(given) != 1:
            message = "missing content id" if not given else "only one content selector is allowed"
            return _envelope(error=message) if as_json else web.Response(status=400, text=message)
        await self._hold_start(time.monotonic())
        faults = self.faults
        if self._closing:
            return web.Response(status=503, text="engine shutting down")
        if faults.start_http_error is not None:
            return web.Response(status=faults.start_http_error, text=faults.start_http_error_text)
        if faults.start_garbage:
            return web.Response(text=GARBAGE_PAGE, content_type="text/html")
        if faults.start_error is not None:
            return _envelope(error=faults.start_error) if as_json else web.Response(status=500, text=faults.start_error)
        kind = given[0]
        session = self._find_or_start(kind, request.query[kind], request.query.get("pid", ""))
        base = f"http://{faults.wrong_host}:{self.port}" if faults.wrong_host else f"http://{request.host}"
        if not as_json:
            path = f"/ace/r/{session.infohash}/{session.token}"
            raise web.HTTPFound(f"{base}{path}" if faults.wrong_host else path)
        return _envelope(self._start_response(session, base, request.query.get("use_api_events") == "1"))

    async def _hold_start(self, since: float) -> None:
        # Re-read start_delay on each wake: a test may shorten or lift it mid-hold.
        while not self._closing and (left := since + self.faults.start_delay - time.monotonic()) > 0:
            await self._nap(left)

    def _start_response(self, session: SimSession, base: str, with_events: bool) -> dict[str, Any]:
        tail = f"{session.infohash}/{session.token}"
        answer: dict[str, Any] = {
            "playback_url": f"{base}/ace/r/{tail}",
            "stat_url": f"{base}/ace/stat/{tail}",
            "command_url": f"{base}/ace/cmd/{tail}",
            "infohash": session.infohash,
            "playback_session_id": session.token,
            "is_live": 1,
            "is_encrypted": 0,
            "client_session_id": -1,
        }
        if with_events:
            answer["event_url"] = f"{base}/ace/event/{tail}"
        if self.faults.minimal_envelope:
            keep = ("infohash", "playback_url", "is_live", "is_encrypted")
            answer = {key: answer[key] for key in keep}
        return answer

    def _find_or_start(self, kind: str, value: str, pid: str) -> SimSession:
        infohash = _infohash_for(kind, value)
        session = self.sessions.get(infohash)
        if session is None:
            session = SimSession(
                infohash=infohash,
                token=secrets.token_hex(20),
                content=f"{kind}={value}",
                pids=[],
                started_at=time.monotonic(),
                started_wall=time.time(),
            )
            self.sessions[infohash] = session
            self._by_token[session.token] = session
            self.counters.sessions_started += 1
            log.info("session %s started for %s", session.token[:8], session.content)
            self._changed()
        if session.reader is None:
            self._arm_idle_stop(session)  # a session nobody reads goes away too, counted from its last start
        if pid and pid not in session.pids:
            session.pids.append(pid)
        return session

    # ---- session lifecycle -------------------------------------------------------

    def _lookup(self, request: web.Request) -> SimSession | None:
        session = self._by_token.get(request.match_info["token"])
        if session is None or session.infohash != request.match_info["infohash"].lower():
            return None
        return session

    def _arm_idle_stop(self, session: SimSession) -> None:
        if session.idle_timer is not None:
            session.idle_timer.cancel()
        session.idle_timer = asyncio.get_running_loop().call_later(self.session_idle_stop, self._idle_stop, session)

    def _idle_stop(self, session: SimSession) -> None:
        if session.alive and session.reader is None:
            self.counters.sessions_idle_stopped += 1
            log.info("session %s stopped: nobody reading", session.token[:8])
            self._end_session(session)

    def _end_session(self, session: SimSession) -> None:
        """Forget a session; its reader (if any) notices at its next check and ends cleanly."""
        session.alive = False
        if session.idle_timer is not None:
            session.idle_timer.cancel()
            session.idle_timer = None
        self.sessions.pop(session.infohash, None)
        self._by_token.pop(session.token, None)
        self._changed()

    def _ready_at(self, session: SimSession) -> float:
        return session.started_at + self.faults.prebuffer_delay

    # ---- stat, command, events ---------------------------------------------------

    async def _stat(self, request: web.Request) -> web.Response:
        self.counters.stat_requests += 1
        session = self._lookup(request)
        if session is None:
            return _envelope(error=UNKNOWN_SESSION)
        return _envelope(self._stat_response(session))

    def _stat_response(self, session: SimSession) -> dict[str, Any]:
        buffering = time.monotonic() < self._ready_at(session)
        reading = session.reader is not None and not buffering
        rate_kb = int((self.bytes_per_second or 0) / 1024) if reading else 0
        now = int(time.time())
        first = int(session.started_wall)
        return {
            "status": "prebuf" if buffering else "dl",
            "peers": 0 if buffering else 7,
            "speed_down": rate_kb,
            "speed_up": rate_kb // 4,
            "downloaded": session.bytes_out,
            "uploaded": session.bytes_out // 4,
            "total_progress": 0,
            "is_live": 1,
            "playback_session_id": session.token,
            "livepos": {
                "pos": str(max(first, now - 2)),
                "last": str(now),
                "first_ts": str(first),
                "last_ts": str(now),
                "live_first": str(first),
                "live_last": str(now),
                "is_live": "1",
                "buffer_pieces": "0" if buffering else "15",
            },
        }

    async def _command(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        if method != "stop":
            return _envelope(error=f"unknown method: {method}")
        self.counters.stop_calls += 1
        while self.faults.stop_hangs and not self._closing:
            await self._nap(None)
        session = self._lookup(request)
        if session is None:
            return _envelope(error=UNKNOWN_SESSION)
        self.counters.sessions_stopped += 1
        log.info("session %s stopped by command", session.token[:8])
        self._end_session(session)
        return _envelope("ok")

    async def _events(self, request: web.Request) -> web.Response:
        if self._lookup(request) is None:
            return _envelope(error=UNKNOWN_SESSION)
        return _envelope([])

    # ---- playback ------------------------------------------------------------------

    async def _playback(self, request: web.Request) -> web.StreamResponse:
        session = self._lookup(request)
        if session is None:
            return web.Response(status=404, text=UNKNOWN_SESSION)
        if request.method == "HEAD":  # a probe, not a reader: kicks nobody
            return web.Response(content_type="video/mp2t")
        self.counters.playback_opens += 1
        reader = object()
        self._take_over(session, reader, request.transport)
        try:
            response = web.StreamResponse(headers={"Content-Type": "video/mp2t", "Cache-Control": "no-cache"})
            await response.prepare(request)  # headers at once; bytes wait for the prebuffer
            await self._stream(session, reader, response)
            return response
        finally:
            self._readers.pop(reader, None)
            if session.reader is reader:
                session.reader = None
                if session.alive and not self._closing:
                    self._arm_idle_stop(session)
                self._changed()

    def _take_over(self, session: SimSession, reader: object, transport: asyncio.BaseTransport | None) -> None:
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
        self._changed()

    def _current(self, session: SimSession, reader: object) -> bool:
        return session.alive and session.reader is reader and not self._closing

    def _hold_time(self, session: SimSession) -> float | None:
        """Seconds this session's bytes must still wait (None: until faults change), or 0."""
        now = time.monotonic()
        if self.faults.never_send:
            return None
        stalled_until = session.stalled_until if session.stall_generation == self._stall_generation else 0.0
        return max(self._ready_at(session) - now, stalled_until - now, 0.0)

    async def _stream(self, session: SimSession, reader: object, response: web.StreamResponse) -> None:
        while self._current(session, reader) and (wait := self._hold_time(session)) != 0.0:
            await self._nap(wait)  # prebuffering (or never_send)
        # Once prebuffered the engine has a buffer to give: a burst, then real time.
        pacer = Pacer(self.bytes_per_second, (self.bytes_per_second or 0) * self.burst_seconds)
        loop_index, loop_data = -1, b""
        sent = 0  # by this connection
        writes = 0
        while self._current(session, reader):
            if (wait := self._hold_time(session)) != 0.0:
                await self._nap(wait)  # a stall (or a fault flipped on mid-stream)
                if self._hold_time(session) == 0.0:
                    pacer.restart_without_burst()
                continue
            size = self._next_write_size(session, sent)
            if size == 0:
                if self._apply_byte_fault(session, sent):
                    return
                continue
            if (delay := pacer.delay(size)) > 0:
                await self._nap(delay)
                continue
            index, offset = divmod(session.position, len(self._loop_source.clip))
            if index != loop_index:
                loop_index = index
                loop_data = self._loop_source.loop(index) if self.continuous else self._loop_source.clip
            chunk = memoryview(loop_data)[offset : offset + size]
            try:
                await response.write(chunk)
            except ConnectionError:
                return  # the reader hung up before aiohttp told us (it cancels this handler next)
            if not self._current(session, reader):
                return  # kicked or stopped while writing: the position is someone else's now
            self._account(session, len(chunk))
            pacer.sent += len(chunk)
            sent += len(chunk)
            writes += 1
            if pacer.rate is None and writes % 16 == 0:
                await asyncio.sleep(0)  # unpaced: a fast socket never blocks, so let others run

    def _account(self, session: SimSession, n: int) -> None:
        session.bytes_out += n
        session.position += n
        self.counters.bytes_served += n
        self._progress.fire()

    def _next_write_size(self, session: SimSession, sent: int) -> int:
        """The next write's size, cut short so that a byte fault fires on its exact byte."""
        faults = self.faults
        size = self.write_size
        if faults.eof_after_bytes is not None:
            size = min(size, max(0, faults.eof_after_bytes - sent))
        for limit in (faults.vanish_after_bytes, self._pending_stall(session)):
            if limit is not None:
                size = min(size, max(0, limit - session.bytes_out))
        return size

    def _pending_stall(self, session: SimSession) -> int | None:
        if self.faults.stall_after_bytes is None or session.stall_generation == self._stall_generation:
            return None
        return self.faults.stall_after_bytes

    def _apply_byte_fault(self, session: SimSession, sent: int) -> bool:
        """A byte threshold was reached: apply its fault. True when this connection ends."""
        faults = self.faults
        if faults.vanish_after_bytes is not None and session.bytes_out >= faults.vanish_after_bytes:
            self.counters.sessions_vanished += 1
            log.info("session %s vanished", session.token[:8])
            self._end_session(session)
            return True
        if faults.eof_after_bytes is not None and sent >= faults.eof_after_bytes:
            return True
        session.stall_generation = self._stall_generation
        session.stalled_until = time.monotonic() + faults.stall_seconds
        return False
