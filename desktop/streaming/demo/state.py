"""The demo engine's plain data: faults to simulate, counters, the request log, sessions.

Kept apart from `engine.py` (the HTTP behaviour) so that tests and the demo
mode can name faults and read counters without reading the server.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EngineFaults:
    """Misbehaviour to simulate; all off by default. Byte thresholds are explained per field."""

    start_delay: float = 0.0  # s getstream is held before it answers
    prebuffer_delay: float = 0.0  # s from session start to its first byte; stat says "prebuf" meanwhile
    start_error: str | None = None  # answer getstream with this error (JSON envelope, or 500 text without format=json)
    start_http_error: int | None = None  # answer getstream with this HTTP status, plain text
    start_http_error_text: str = "start timeout"
    start_garbage: bool = False  # answer getstream with an HTML page instead of JSON / a redirect
    minimal_envelope: bool = False  # only infohash, playback_url, is_live, is_encrypted (seen on url= starts)
    never_send: bool = False  # playback sends its headers, then not a byte
    # Per content (40-hex ids or infohashes, lower case), for a playlist where some links are dead:
    refused_ids: frozenset[str] = frozenset()  # getstream answers "failed to load content" for these
    silent_ids: frozenset[str] = frozenset()  # sessions of these start, then never send a byte
    stall_after_bytes: int | None = None  # a session goes silent once it has sent this many bytes...
    stall_seconds: float = 0.0  # ...for this long; once per session, re-armed when either field changes
    stall_ids: frozenset[str] = frozenset()  # the stall hits only sessions of these ids (lower case); all when empty
    # Dead links as the engine shows them: a session starts, finds no peers and never sends a byte;
    # its stat says "prebuf", 0 peers, 0 speed.
    peerless_ids: frozenset[str] = frozenset()
    eof_after_bytes: int | None = None  # each playback connection ends cleanly after this many bytes
    vanish_after_bytes: int | None = None  # a session disappears once it has sent this many bytes
    wrong_host: str | None = None  # host put in returned URLs instead of the real one, e.g. "172.17.0.2"
    stop_hangs: bool = False  # method=stop is counted, then never answered (a hung engine at quit)
    stop_error: str | None = None  # method=stop is counted, then answered with this error (the session runs on)
    stop_delay: float = 0.0  # s a method=stop is held before the session ends and it is answered (a busy engine)
    # Answers of the wrong shape (a broken or hostile engine):
    start_fields: dict[str, Any] | None = None  # keys replaced in getstream's JSON answer, e.g. {"stat_url": 5}
    stat_fields: dict[str, Any] | None = None  # keys replaced in stat's JSON answer, e.g. {"peers": [1]}
    nested_json_depth: int | None = None  # getstream answers a list nested this deep ("[[[...]]]")
    huge_answer_bytes: int | None = None  # getstream answers a body this large (text, written in pieces)...
    huge_answer_status: int = 500  # ...with this status


@dataclass(frozen=True)
class EngineRequest:
    """One getstream/manifest request as the engine received it."""

    path: str
    query_string: str
    params: dict[str, str]  # first value of each query parameter
    at: float  # time.monotonic()


@dataclass
class EngineCounters:
    """Everything tests count. Plain numbers, updated in place by the engine."""

    getstream_requests: int = 0
    sessions_started: int = 0
    sessions_stopped: int = 0  # by command_url?method=stop on a live session
    sessions_idle_stopped: int = 0  # by the engine itself, nobody reading
    sessions_vanished: int = 0
    most_sessions: int = 0  # the most sessions that were open at once
    stop_calls: int = 0  # every method=stop, including ones for unknown sessions
    playback_opens: int = 0
    kicked_readers: int = 0
    stat_requests: int = 0
    bytes_served: int = 0
    huge_bytes_sent: int = 0  # of huge_answer_bytes, what got written before the reader hung up


@dataclass(eq=False)
class SimSession:
    """One simulated engine session (one per content), as the demo engine keeps it.

    Read-only for anyone but the demo engine. Not to be confused with
    `desktop.streaming.engine.client.EngineSession`, the proxy's view of a session
    (the URLs a real engine's getstream answer hands out).
    """

    infohash: str
    token: str  # the playback_session_id, also the last path part of every session URL
    content: str  # the selector as given, e.g. "id=abc"
    value: str  # the selector's value alone, lower case (what refused_ids and silent_ids name)
    pids: list[str]
    started_at: float
    started_wall: float
    position: int = 0  # where the next reader starts in the endless stream; packet-aligned
    bytes_out: int = 0  # bytes all its readers were sent
    reader: object | None = None  # token of the one playback connection allowed to read
    stalled_until: float = 0.0
    stall_generation: int = -1  # which setting of the stall fault already stalled this session
    alive: bool = True
    idle_timer: asyncio.TimerHandle | None = field(default=None, repr=False)
