"""`/api/channels`: the channels the playlists name, with favourites, and how each playlist fared;
`PUT` / `DELETE /api/favourites/{kind}/{id}`: the page's star (the window's is the same favourite)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from aiohttp import web

from desktop.streaming.channels.logo_index import LogoIndex
from desktop.streaming.channels.model import Channel, ChannelKey
from desktop.streaming.channels.state import ChannelsState, PlaylistState
from desktop.streaming.http.route_context import route_context
from desktop.streaming.http.routes_logos import logo_path
from desktop.streaming.ids import is_content_id, normalize, parse_kind
from desktop.streaming.sources.health import UNKNOWN

PIECE = 1_000  # channels per write: a ~200 kB piece, never the whole answer in memory at once
PAGE_DEFAULT = 1_000  # channels in a page when only `offset` is given
PAGE_MAX = 10_000
_WHOLE_NUMBER = re.compile(r"\d{1,9}")


HealthOf = Callable[[ChannelKey], dict[str, Any]]  # a source's health as JSON


def unknown_health(_key: ChannelKey) -> dict[str, Any]:
    return UNKNOWN.to_json()


def channel_json(
    channel: Channel,
    favourites: AbstractSet[ChannelKey],
    logos: LogoIndex,
    number: str = "",
    sources: Sequence[Channel] = (),
    health_of: HealthOf = unknown_health,
) -> dict[str, Any]:
    """`logo` is the logo as the playlist gives it; `logo_url` the path AceTray serves it
    at (add the token in LAN mode), null when AceTray does not fetch it; `number` the channel's.
    `sources` in the order they are tried (the channel alone when empty): `id` and `kind` are
    the first's; any of their ids plays the channel."""
    logo_id = logos.id_for(channel.logo)
    sources = sources or (channel,)
    first = sources[0]
    return {
        "number": number,
        "name": channel.name,
        "group": channel.group,
        "logo": channel.logo,
        "logo_url": logo_path(logo_id) if logo_id else None,
        "tvg_id": channel.tvg_id,
        "id": first.id,
        "kind": first.kind,
        "favourite": channel.key in favourites,
        "playlist": channel.playlist,
        "sources": [{"id": s.id, "kind": s.kind, "playlist": s.playlist, "health": health_of(s.key)} for s in sources],
    }


def playlist_json(playlist: PlaylistState) -> dict[str, Any]:
    return {
        "source": playlist.source,
        "channels": len(playlist.channels),
        "skipped": playlist.skipped,
        "over_limit": playlist.over_limit,
        "streams": len(playlist.streams),
        "error": playlist.error,
        "updated_at": playlist.updated_at,
    }


async def api_channels(request: web.Request) -> web.StreamResponse:
    """`{"channels": [...], "playlists": [...]}`: every channel (playlist order, first name wins)
    and one entry per playlist. With `offset` and/or `limit` only that page of channels, and
    `total`, `offset`, `limit`. Written in pieces: 50,000 channels are never one string in memory."""
    page = _page(request.query)
    context = route_context(request)
    state: ChannelsState = context.channels()
    catalog = state.catalog
    channels, favourites, logos = catalog.channels, state.favourite_channels, catalog.logos
    grouped = catalog.grouped
    health = context.sources.health.map if context.sources is not None else None
    health_of: HealthOf = (lambda key: health.get(key).to_json()) if health is not None else unknown_health
    start, end = (0, len(channels)) if page is None else (page[0], min(len(channels), page[0] + page[1]))
    response = web.StreamResponse(headers={"Content-Type": "application/json; charset=utf-8"})
    await response.prepare(request)
    await response.write(b'{"channels": [')
    for first in range(start, end, PIECE):
        piece = [
            channel_json(c, favourites, logos, state.number_of(c.key), grouped.get(c.key, ()), health_of)
            for c in channels[first : min(first + PIECE, end)]
        ]
        await response.write((", " if first > start else "").encode() + json.dumps(piece)[1:-1].encode())
    rest: dict[str, Any] = {"playlists": [playlist_json(p) for p in state.playlists]}
    if page is not None:
        rest.update(total=len(channels), offset=page[0], limit=page[1])
    await response.write(b"], " + json.dumps(rest)[1:].encode())
    await response.write_eof()
    return response


def _page(query: Mapping[str, str]) -> tuple[int, int] | None:
    """(offset, limit) when the request asks for a page; HTTP 400 with a sentence for a bad value."""
    if "offset" not in query and "limit" not in query:
        return None
    offset, limit = query.get("offset", "0"), query.get("limit", str(PAGE_DEFAULT))
    if not _WHOLE_NUMBER.fullmatch(offset):
        raise web.HTTPBadRequest(text="offset must be a whole number from 0 (the first channel) up\n")
    if not _WHOLE_NUMBER.fullmatch(limit) or not 1 <= int(limit) <= PAGE_MAX:
        raise web.HTTPBadRequest(text=f"limit must be a whole number from 1 to {PAGE_MAX:,}\n")
    return int(offset), int(limit)


async def api_favourite(request: web.Request) -> web.Response:
    kind, content_id = parse_kind(request.match_info["kind"]), request.match_info["id"]
    if kind is None:
        raise web.HTTPNotFound(text="A favourite is /api/favourites/id/<id> or /api/favourites/infohash/<hash>\n")
    if not is_content_id(content_id):
        raise web.HTTPBadRequest(text="Invalid id: expected 40 hexadecimal characters\n")
    set_favourite = route_context(request).set_favourite
    if set_favourite is None:
        raise web.HTTPServiceUnavailable(text="Favourites cannot be changed here\n")
    await set_favourite(ChannelKey(kind, normalize(content_id)), request.method == "PUT")
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/channels", api_channels)
    app.router.add_put("/api/favourites/{kind}/{id}", api_favourite)
    app.router.add_delete("/api/favourites/{kind}/{id}", api_favourite)
