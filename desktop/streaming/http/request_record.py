"""Noting players' stream requests in the record (`live/requests.py`), in front of the access rules.

Each GET of `/ace/getstream` or `/ace/manifest.m3u8` for a channel (the channel
from its query) is noted with the player's address and user agent, then the
status and reason it was answered with; a refusal (a wrong token: 401) too,
since this runs before the access rules. A HEAD probe starts nothing and is
not noted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from aiohttp.typedefs import Middleware

from desktop.streaming.ids import ChannelKey, Kind, is_content_id, normalize
from desktop.streaming.live.requests import RequestRecord

RECORDED_PATHS = frozenset({"/ace/getstream", "/ace/manifest.m3u8"})  # a player's first request for a channel
_SELECTORS: tuple[tuple[str, Kind], ...] = (("id", "id"), ("content_id", "id"), ("infohash", "infohash"))


def channel_of(query: Mapping[str, str]) -> ChannelKey | None:
    """The channel a player's query asks for, or None (the route itself says what is wrong)."""
    for name, kind in _SELECTORS:
        value = query.get(name)
        if value is not None:
            return ChannelKey(kind, normalize(value)) if is_content_id(value) else None
    return None


def peer_address(request: web.Request) -> str:
    """The player's "ip:port" (its connection), as the players table shows it."""
    peer = request.transport.get_extra_info("peername") if request.transport else None
    if isinstance(peer, tuple) and len(peer) >= 2:
        host = peer[0]
        return f"[{host}]:{peer[1]}" if ":" in host else f"{host}:{peer[1]}"
    return request.remote or "?"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def record_middleware(record: RequestRecord) -> Middleware:
    """Notes the stream requests players make (GET only: a HEAD probe starts nothing) in `record`.

    Runs before the access rules, so a refused request (a wrong token: 401) is noted too.
    """

    @web.middleware
    async def note(request: web.Request, handler: Handler) -> web.StreamResponse:
        key = channel_of(request.query) if request.method == "GET" and request.path in RECORDED_PATHS else None
        if key is None:
            return await handler(request)
        request_id = id(request)
        record.begin(request_id, key, peer_address(request), request.headers.get("User-Agent", ""), request.path)
        status: int | None = None
        message = ""
        sent = 0
        try:
            response = await handler(request)
            status = response.status
            if status >= 400 and isinstance(response, web.Response):
                message = response.text or ""
            elif isinstance(response, web.Response) and isinstance(response.body, (bytes, bytearray)):
                sent = len(response.body)  # a playlist; a TS answer's bytes come from its counter
            return response
        except web.HTTPException as exc:
            status, message = exc.status, exc.text or exc.reason
            raise
        finally:
            record.finish(request_id, status, message, sent)

    return note
