"""`/playlist.m3u` (also `.m3u8`): one playlist URL for every TV app in the house.

The imported channels, with their names, groups, logos, guide ids and numbers
(`m3u_out.py` says what is passed on), and AceTray's one guide (`/epg.xml`) as the
header's `url-tvg`, each pointing at this proxy through the host the device used to
reach it (the request's `Host`, already checked by the access rules) and carrying
the device's token — their logos too (`/logo/<id>`) — then the playlists' plain
streams as written. `?group=…` (as typed on a remote: case, accents and spacing do
not matter) and `?favourites=1` narrow it, `?format=hls` lists HLS URLs. TV apps
refresh it often, so it has an ETag. With "hide dead channels" on, a channel whose
sources the link check found all dead is left out (of the tuner's lineup too).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from aiohttp import web

from desktop.streaming.channels.m3u_out import etag, render
from desktop.streaming.channels.model import Channel, PlainStream
from desktop.streaming.channels.names import loosely
from desktop.streaming.channels.state import ChannelsState
from desktop.streaming.http.route_context import route_context
from desktop.streaming.http.routes_logos import logo_path
from desktop.streaming.sources.playable import without_dead

CONTENT_TYPE = "audio/x-mpegurl; charset=utf-8"


async def device_playlist(request: web.Request) -> web.Response:
    context = route_context(request)
    state = context.channels()
    query = request.query
    channels = state.search(favourites_only=query.get("favourites") == "1")
    if group := query.get("group"):
        groups = state.catalog.groups_like(group)
        channels = tuple(channel for channel in channels if channel.group in groups)
    if context.config().hide_dead_channels and context.sources is not None:
        channels = tuple(without_dead(channels, context.sources.health.map, state.catalog))
    base = f"http://{request.host}"  # the name or address this device used: it reaches us that way
    token = query.get("token")
    suffix = f"&token={quote(token, safe='')}" if token else ""
    path = "/ace/manifest.m3u8" if query.get("format") == "hls" else "/ace/getstream"

    def url_for(channel: Channel) -> str:
        selector = "infohash" if channel.kind == "infohash" else "id"
        return f"{base}{path}?{selector}={channel.id}{suffix}"

    logos = state.catalog.logos
    token_query = f"?token={quote(token, safe='')}" if token else ""

    def logo_for(channel: Channel) -> str:
        logo_id = logos.id_for(channel.logo)
        return f"{base}{logo_path(logo_id)}{token_query}" if logo_id else ""

    def number_for(channel: Channel) -> str:
        return state.number_of(channel.key)

    streams = _plain_streams(state, query) if route_context(request).config().plain_streams else ()
    guide = f"{base}/epg.xml{token_query}"
    text = render(channels, url_for, guide, logo_for, number_for=number_for, streams=streams)
    tag = etag(text)
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if tag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=text.encode("utf-8"), headers={**headers, "Content-Type": CONTENT_TYPE})


def _plain_streams(state: ChannelsState, query: Mapping[str, str]) -> tuple[PlainStream, ...]:
    """The playlists' plain streams, passed on as written; never among favourites (AceStream channels only)."""
    if query.get("favourites") == "1":
        return ()
    group = loosely(query.get("group") or "")
    return tuple(s for s in state.streams if not group or loosely(s.group) == group)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/playlist.m3u", device_playlist)
    app.router.add_get("/playlist.m3u8", device_playlist)
