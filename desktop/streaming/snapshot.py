"""Read-only pictures of the proxy's state, for the UI and `/api/streams`.

Snapshots are plain frozen dataclasses built on the core's loop and handed
across threads as values; nothing in them refers back to live objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from desktop.streaming.engine_host.state import EngineSnapshot
from desktop.streaming.ids import Kind


@dataclass(frozen=True)
class EngineStats:
    """What the engine's stat_url said of a session (each figure None when it gave none)."""

    status: str | None
    peers: int | None
    speed_down_kbps: int | None
    speed_up_kbps: int | None
    downloaded: int | None


@dataclass(frozen=True)
class ClientSnapshot:
    client_id: int
    address: str  # "ip:port" of the player
    user_agent: str
    connected_at: float  # unix time
    bytes_sent: int
    rate_bps: float | None  # bytes per second it took over the last few seconds; None before its first bytes
    dropped_chunks: int
    state: str  # "waiting" | "playing" | "lagging" | "not reading" | "closed"
    kind: str = "TS"  # "TS": one endless MPEG-TS connection; "HLS": fetches playlists and segments


@dataclass(frozen=True)
class StreamSnapshot:
    content_id: str  # 40 hex, lower case
    kind: Kind  # which engine parameter selects the content
    name: str | None  # channel name when known
    # "starting" | "playing" | "reconnecting" | "stalled" | "lingering" | "ready" | "failed" | "stopped"
    state: str
    engine_status: str | None  # stat_url "status": prebuf, dl, ...
    peers: int | None
    speed_down_kbps: int | None
    speed_up_kbps: int | None
    bytes_in: int  # bytes read from the engine
    bytes_out: int  # bytes delivered to all players together
    started_at: float  # unix time
    reconnects: int
    last_error: str | None
    clients: tuple[ClientSnapshot, ...] = ()
    group: str | None = None  # the playlist's group, when a playlist names the channel
    logo: str | None = None  # the playlist's logo URL, likewise
    warm: bool = False  # a favourite kept ready (Settings → Channels): open with no players, "ready"
    # The source the channel plays from (or tries) now: its kind and id, its place among the
    # channel's sources (from 1) and how many it has; the switches between them so far.
    source_kind: Kind | None = None
    source_id: str | None = None
    source_number: int = 1
    sources: int = 1
    switches: int = 0
    last_switch: str | None = None  # why it last moved: "source 1: no data for 10 s"

    @property
    def waiting_to_be_watched(self) -> bool:
        """A favourite kept ready that nobody watches: open, but nothing of it plays."""
        return self.warm and not self.clients

    @property
    def source_phrase(self) -> str:
        """ "source 2 of 3"; "" for a channel of one source."""
        return f"source {self.source_number} of {self.sources}" if self.sources > 1 else ""


@dataclass(frozen=True)
class ProxySnapshot:
    running: bool
    listen_url: str | None  # "http://127.0.0.1:6880" while running
    engine_url: str
    engine_reachable: bool | None  # None: not checked yet
    engine_version: str | None  # None for the demo engine (its answer imitates a real one's)
    streams: tuple[StreamSnapshot, ...] = ()
    taken_at: float = 0.0
    error: str | None = None  # why the proxy is not running, when it is not
    demo_engine: bool = False  # the engine is the built-in demo engine
    engine_host: EngineSnapshot | None = None  # the engine AceTray runs itself; None when the user runs it
    # The engine as a person (or /api/streams) names it: "built-in demo engine", "AceStream engine 3.2.3".
    engine_name: str = field(init=False)

    def __post_init__(self) -> None:
        if self.demo_engine:
            name = "built-in demo engine"
        else:
            name = f"AceStream engine {self.engine_version}" if self.engine_version else "AceStream engine"
        object.__setattr__(self, "engine_name", name)  # frozen: set once, from the fields above

    @property
    def player_count(self) -> int:
        return sum(len(s.clients) for s in self.streams)

    def to_json(self) -> dict[str, Any]:
        """What `dataclasses.asdict` gives (lists for tuples), built ~20x faster.

        asdict deep-copies every value: ~0.5 ms with 50 players (this: ~0.02 ms), on
        the loop the players share, for every `/api/streams` request. Every field here holds
        an immutable value or one of these flat dataclasses, so shallow copies do.
        """
        plain = dict(vars(self))
        plain["streams"] = [
            {**vars(stream), "clients": [dict(vars(client)) for client in stream.clients]} for stream in self.streams
        ]
        plain["engine_host"] = dict(vars(self.engine_host)) if self.engine_host is not None else None
        return plain


@dataclass(frozen=True)
class ProxyEvent:
    """Something a user may want to read in the window's events list."""

    time: float  # unix time
    level: str  # "info" | "warning" | "error"
    message: str
    content_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    channel: str | None = None  # the channel's name when a playlist names `content_id`


def stream_picture(
    kind: Kind,
    content_id: str,
    state: str,
    stats: EngineStats | None,
    clients: tuple[ClientSnapshot, ...],
    **counts: Any,
) -> StreamSnapshot:
    """A stream's snapshot, with no figure that is no longer true.

    While nothing flows (starting, reconnecting, stalled) the engine's peers and
    speeds are not shown, and no player is called "playing".
    """
    flowing = state in ("playing", "lingering", "ready")
    if not flowing:
        stats = None
        clients = tuple(replace(c, state="waiting") if c.state == "playing" else c for c in clients)
    return StreamSnapshot(
        content_id=content_id,
        kind=kind,
        name=None,
        state=state,
        engine_status=stats.status if stats else None,
        peers=stats.peers if stats else None,
        speed_down_kbps=stats.speed_down_kbps if stats else None,
        speed_up_kbps=stats.speed_up_kbps if stats else None,
        clients=clients,
        **counts,
    )
