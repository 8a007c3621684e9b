"""The network tuner's HTTP side, on the proxy's own port, while the tuner is on.

`/discover.json`, `/lineup.json`, `/lineup_status.json`, `/lineup.post`,
`/device.xml` and `/auto/v<GuideNumber>`: what Plex, Jellyfin, Emby, Channels
DVR and Kodi's HDHomeRun add-on ask a tuner. URLs are built from the `Host`
the app used (already checked by the access rules), so they reach this
computer the way the app does. With LAN sharing on, these answer without the
token (TV apps cannot send one: `tuner_access.py`), and the lineup's stream
URLs carry a playback-only key instead of it. All of them are read-only. With
"hide dead channels" on, the lineup leaves out channels whose links are all dead.
"""

from __future__ import annotations

from aiohttp import web

from desktop.streaming.channels.model import Channel
from desktop.streaming.http.route_context import route_context
from desktop.streaming.http.routes_stream import StreamRequest, stream_channel
from desktop.streaming.sources.playable import sources_of
from desktop.streaming.tuner import device
from desktop.streaming.tuner.host import TunerHost

XML = "application/xml"


def _tuner(request: web.Request) -> TunerHost:
    """The tuner, or 404 while it is off."""
    context = route_context(request)
    if not context.config().tuner or context.tuner is None:
        raise web.HTTPNotFound(text="The network tuner is off: turn it on in Settings → Sharing.\n")
    return context.tuner


def _base_url(request: web.Request) -> str:
    host = request.headers.get("Host")
    if not host:  # HTTP/1.0 without a Host: the address this connection reached
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        if isinstance(sockname, tuple):
            return (
                f"http://{sockname[0]}:{sockname[1]}"
                if ":" not in sockname[0]
                else f"http://[{sockname[0]}]:{sockname[1]}"
            )
        host = request.host
    return f"http://{host}"


async def discover(request: web.Request) -> web.Response:
    tuner = _tuner(request)
    return web.json_response(device.discover_json(tuner.identity, _base_url(request), tuner.tuner_count))


async def lineup(request: web.Request) -> web.Response:
    _tuner(request)
    context = route_context(request)
    base = _base_url(request)
    token = context.config().token
    key = f"&key={device.playback_key(token)}" if token else ""

    def url_for(channel: Channel) -> str:
        selector = "infohash" if channel.kind == "infohash" else "id"
        return f"{base}/ace/getstream?{selector}={channel.id}{key}"

    health = context.sources.health.map if context.sources and context.config().hide_dead_channels else None
    state = context.channels()
    hidden = (lambda channel: health.all_dead(sources_of(state.catalog, channel))) if health is not None else None
    return web.json_response(device.lineup(state, url_for, hidden))


async def lineup_status(request: web.Request) -> web.Response:
    _tuner(request)
    return web.json_response(device.lineup_status())


async def lineup_post(request: web.Request) -> web.Response:
    """An app's "scan": accepted at once; there is nothing to scan (the lineup is the playlists)."""
    _tuner(request)
    return web.Response(status=200, text="")


async def device_xml(request: web.Request) -> web.Response:
    xml = device.device_xml(_tuner(request).identity, _base_url(request))
    return web.Response(text=xml, content_type=XML, charset="utf-8")


async def auto(request: web.Request) -> web.StreamResponse:
    """`/auto/v<GuideNumber>`: the channel with that number, the same stream as its lineup URL."""
    _tuner(request)
    state = route_context(request).channels()
    number = request.match_info["number"]
    key = state.numbers.key_of(number)
    if key is None or state.catalog.get(key) is None:
        raise web.HTTPNotFound(text=f"No channel has the number {number[:16]!r}.\n")
    return await stream_channel(request, StreamRequest(key, {}))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/discover.json", discover)
    app.router.add_get("/lineup.json", lineup)
    app.router.add_get("/lineup_status.json", lineup_status)
    app.router.add_post("/lineup.post", lineup_post)
    app.router.add_get("/device.xml", device_xml)
    app.router.add_get("/auto/v{number}", auto)  # also answers HEAD, without starting a session
