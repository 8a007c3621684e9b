"""A simulated AceStream engine: the demo mode's engine and every core test's engine.

It speaks the engine's HTTP API as docs/engine-api.md describes it, habits and
faults included, so the proxy is built against the real thing's behaviour: one
reader per session (a second reader kicks the first), a prebuffer before the
first byte, stalls, EOF with the session still alive, sessions that vanish,
errors in two shapes, wrong hosts in returned URLs.

This module is the HTTP server and its API routes. The sessions, their one
reader each and the faults in force live in `sessions.SessionTable`; a
playback connection's bytes come from `playback.Playback`, which plays the same
clip for every content id, looped forever in real time (or as fast as
possible, for benchmarks) with its clocks carried across loops by
`ts_loop.TsLoop`, so real players see one continuous live stream.

Faults live in a frozen `EngineFaults`, replaced whole by `set_faults()` on the
running engine; every waiting request re-reads them at once, so a test can
flip a fault mid-stream.

Run alone: `python -m desktop.streaming.demo --port 6878 [--unpaced] [--clip PATH]` (see `__main__.py`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Literal

from aiohttp import web

from desktop.resources import resource_path
from desktop.streaming.demo.playback import Playback
from desktop.streaming.demo.sessions import SessionTable
from desktop.streaming.demo.state import (
    EngineCounters,
    EngineFaults,
    EngineRequest,
    SimSession,
)
from desktop.streaming.demo.ts_loop import TsLoop

__all__ = ["DemoEngine", "EngineCounters", "EngineFaults", "EngineRequest", "SimSession", "load_demo_clip"]

log = logging.getLogger(__name__)

VERSION_INFO = {"code": 3017000, "platform": "linux", "version": "3.1.70"}
SELECTORS = ("id", "content_id", "infohash", "url", "magnet")
UNKNOWN_SESSION = "unknown playback session id"
REFUSED = "failed to load content"  # what the engine says of a link it cannot play
GARBAGE_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"


def load_demo_clip() -> bytes:
    """The committed demo clip (resources/demo/demo.ts)."""
    return resource_path("demo", "demo.ts").read_bytes()


def _envelope(response: Any = None, error: str | None = None) -> web.Response:
    return web.json_response({"response": response, "error": error})


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
        version: str | None = None,
    ) -> None:
        """`bytes_per_second`: "clip" = the clip's own rate (size / duration), None = unpaced.
        `continuous`: rewrite clocks and counters on each loop (default: when paced; costs CPU)."""
        if write_size <= 0:
            raise ValueError("write_size must be positive")
        loop_source = TsLoop(source)
        if bytes_per_second == "clip":
            duration = loop_source.info.duration
            if not duration:
                raise ValueError("the source has no timestamps: give bytes_per_second")
            bytes_per_second = len(source) / duration
        self.bytes_per_second: float | None = bytes_per_second
        self.host, self.port = host, port
        self.counters = EngineCounters()
        self.requests: deque[EngineRequest] = deque(maxlen=10_000)  # bounded: demo mode runs for days
        self._table = SessionTable(faults or EngineFaults(), self.counters, session_idle_stop)
        self._playback = Playback(
            self._table,
            loop_source,
            bytes_per_second=bytes_per_second,
            continuous=bytes_per_second is not None if continuous is None else continuous,
            write_size=write_size,
            burst_seconds=burst_seconds,
        )
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._version_info = {**VERSION_INFO, "version": version} if version else VERSION_INFO

    # ---- lifecycle -------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def faults(self) -> EngineFaults:
        """The faults in force (change them with `set_faults`)."""
        return self._table.faults

    @property
    def sessions(self) -> dict[str, SimSession]:
        """The live sessions by infohash; read-only for anyone but the engine."""
        return self._table.sessions

    @property
    def active_sessions(self) -> int:
        return len(self._table.sessions)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/ace/getstream", self._getstream)
        app.router.add_get("/ace/manifest.m3u8", self._manifest)
        app.router.add_get("/ace/r/{infohash}/{token}", self._playback_route)
        app.router.add_get("/ace/stat/{infohash}/{token}", self._stat)
        app.router.add_get("/ace/cmd/{infohash}/{token}", self._command)
        app.router.add_get("/ace/event/{infohash}/{token}", self._events)
        app.router.add_get("/webui/api/service", self._service)
        # handler_cancellation: a reader that hangs up ends its handler at once,
        # which is what starts the idle-stop clock, as in the real engine.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await self.come_online()
        log.info("demo engine listening on %s", self.url)

    async def go_offline(self) -> None:
        """Stop answering, keeping the sessions: connections are refused and readers dropped.

        An engine that is briefly unreachable (restarting, out of file
        descriptors, a network blip) and then comes back, with `come_online`,
        on the same port.
        """
        if self._site is not None:
            await self._site.stop()
            self._site = None
        self._table.drop_readers()

    async def come_online(self) -> None:
        """Listen (again) on the engine's port."""
        assert self._runner is not None
        if self._site is None:
            self._site = web.TCPSite(self._runner, self.host, self.port)
            await self._site.start()
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._table.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None

    async def __aenter__(self) -> DemoEngine:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---- test controls -----------------------------------------------------------

    def set_faults(self, faults: EngineFaults | None = None, **changes: Any) -> EngineFaults:
        """Replace the faults (whole, or some fields of the current ones); takes effect at once."""
        return self._table.set_faults(faults, **changes)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Return once `predicate()` holds, re-checking at each state change or byte sent."""
        await self._table.wait_until(predicate, timeout)

    # ---- service and start -------------------------------------------------------

    async def _service(self, request: web.Request) -> web.Response:
        if request.query.get("method") == "get_version":
            return web.json_response({"result": self._version_info, "error": None})
        return web.json_response({"result": None, "error": "unknown method"})

    def _record(self, request: web.Request) -> None:
        params = {key: request.query.getone(key) for key in request.query}
        self.requests.append(EngineRequest(request.path, request.query_string, params, time.monotonic()))
        self._table.changed()

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
        # The real engine goes on creating the session when the requester hangs up mid-start (the
        # session then runs until its idle stop): shielded, so a cancelled request still leaves it behind.
        return await asyncio.shield(self._start(request, given[0], as_json))

    async def _start(self, request: web.Request, kind: str, as_json: bool) -> web.StreamResponse:
        await self._hold_start(time.monotonic())
        faults = self.faults
        if self._table.closing:
            return web.Response(status=503, text="engine shutting down")
        if faults.start_http_error is not None:
            return web.Response(status=faults.start_http_error, text=faults.start_http_error_text)
        if faults.start_garbage:
            return web.Response(text=GARBAGE_PAGE, content_type="text/html")
        if faults.nested_json_depth is not None:
            depth = faults.nested_json_depth
            return web.Response(text="[" * depth + "]" * depth, content_type="application/json")
        if faults.huge_answer_bytes is not None:
            return await self._huge_answer(request, faults.huge_answer_bytes, faults.huge_answer_status)
        error = REFUSED if request.query[kind].lower() in faults.refused_ids else faults.start_error
        if error is not None:
            return _envelope(error=error) if as_json else web.Response(status=500, text=error)
        session = self._table.find_or_start(kind, request.query[kind], request.query.get("pid", ""))
        base = f"http://{faults.wrong_host}:{self.port}" if faults.wrong_host else f"http://{request.host}"
        if not as_json:
            path = f"/ace/r/{session.infohash}/{session.token}"
            raise web.HTTPFound(f"{base}{path}" if faults.wrong_host else path)
        return _envelope(self._start_response(session, base, request.query.get("use_api_events") == "1"))

    async def _hold_start(self, since: float) -> None:
        # Re-read start_delay on each wake: a test may shorten or lift it mid-hold.
        while not self._table.closing and (left := since + self.faults.start_delay - time.monotonic()) > 0:
            await self._table.nap(left)

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
        if self.faults.start_fields:
            answer.update(self.faults.start_fields)
        return answer

    async def _huge_answer(self, request: web.Request, size: int, status: int) -> web.StreamResponse:
        """A body of `size` bytes in 64 KiB pieces of one shared block: the engine itself stays small."""
        piece = b"x" * 65536
        response = web.StreamResponse(status=status, headers={"Content-Type": "text/plain"})
        await response.prepare(request)
        try:
            for start in range(0, size, len(piece)):
                await response.write(piece[: min(len(piece), size - start)])
                self.counters.huge_bytes_sent += min(len(piece), size - start)
        except (ConnectionError, RuntimeError):
            pass  # the proxy stopped reading and hung up, as it should
        return response

    # ---- session URLs: playback, stat, command, events ----------------------------

    def _lookup(self, request: web.Request) -> SimSession | None:
        return self._table.lookup(request.match_info["infohash"], request.match_info["token"])

    async def _playback_route(self, request: web.Request) -> web.StreamResponse:
        session = self._lookup(request)
        if session is None:
            return web.Response(status=404, text=UNKNOWN_SESSION)
        if request.method == "HEAD":  # a probe, not a reader: kicks nobody
            return web.Response(content_type="video/mp2t")
        self.counters.playback_opens += 1
        reader = object()
        self._table.take_over(session, reader, request.transport)
        try:
            response = web.StreamResponse(headers={"Content-Type": "video/mp2t", "Cache-Control": "no-cache"})
            await response.prepare(request)  # headers at once; bytes wait for the prebuffer
            await self._playback.stream(session, reader, response)
            return response
        finally:
            self._table.release(session, reader)

    async def _stat(self, request: web.Request) -> web.Response:
        self.counters.stat_requests += 1
        session = self._lookup(request)
        if session is None:
            return _envelope(error=UNKNOWN_SESSION)
        answer = self._stat_response(session)
        if self.faults.stat_fields:
            answer.update(self.faults.stat_fields)
        return _envelope(answer)

    def _stat_response(self, session: SimSession) -> dict[str, Any]:
        peerless = session.value in self.faults.peerless_ids
        buffering = peerless or time.monotonic() < self._table.ready_at(session)
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
        since = time.monotonic()
        while not self._table.closing and (
            self.faults.stop_hangs or (left := since + self.faults.stop_delay - time.monotonic()) > 0
        ):
            await self._table.nap(None if self.faults.stop_hangs else left)
        if self.faults.stop_error is not None:
            return _envelope(error=self.faults.stop_error)
        session = self._lookup(request)
        if session is None:
            return _envelope(error=UNKNOWN_SESSION)
        self.counters.sessions_stopped += 1
        log.info("session %s stopped by command", session.token[:8])
        self._table.end(session)
        return _envelope("ok")

    async def _events(self, request: web.Request) -> web.Response:
        if self._lookup(request) is None:
            return _envelope(error=UNKNOWN_SESSION)
        return _envelope([])
