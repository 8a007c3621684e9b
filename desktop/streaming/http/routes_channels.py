"""`/api/channels`: the channels the playlists name, with favourites, and how each playlist fared;
`PUT` / `DELETE /api/favourites/{kind}/{id}`: the page's star (the window's is the same favourite)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from desktop.streaming.channels.model import KINDS
from desktop.streaming.channels.state import ChannelsState
from desktop.streaming.http.route_context import route_context
from desktop.streaming.http.routes_logos import logo_path
from desktop.streaming.ids import is_content_id, normalize


def channels_json(state: ChannelsState) -> dict[str, Any]:
    """The merged channel list (playlist order, first name wins) and one entry per playlist.

    `logo` is the logo as the playlist gives it; `logo_url` the path AceTray serves it
    at (add the token in LAN mode), null when AceTray does not fetch it."""
    favourites = state.favourites
    logos = state.catalog.logos
    channels = [
        {
            "name": c.name,
            "group": c.group,
            "logo": c.logo,
            "logo_url": logo_path(logo_id) if (logo_id := logos.id_for(c.logo)) else None,
            "tvg_id": c.tvg_id,
            "id": c.id,
            "kind": c.kind,
            "favourite": c.key in favourites,
            "playlist": c.playlist,
        }
        for c in state.catalog.channels
    ]
    playlists = [
        {
            "source": p.source,
            "channels": len(p.channels),
            "skipped": p.skipped,
            "error": p.error,
            "updated_at": p.updated_at,
        }
        for p in state.playlists
    ]
    return {"channels": channels, "playlists": playlists}


async def api_channels(request: web.Request) -> web.Response:
    return web.json_response(channels_json(route_context(request).channels()))


async def api_favourite(request: web.Request) -> web.Response:
    kind, content_id = request.match_info["kind"], request.match_info["id"]
    if kind not in KINDS:
        raise web.HTTPNotFound(text="A favourite is /api/favourites/id/<id> or /api/favourites/infohash/<hash>\n")
    if not is_content_id(content_id):
        raise web.HTTPBadRequest(text="Invalid id: expected 40 hexadecimal characters\n")
    set_favourite = route_context(request).set_favourite
    if set_favourite is None:
        raise web.HTTPServiceUnavailable(text="Favourites cannot be changed here\n")
    await set_favourite((kind, normalize(content_id)), request.method == "PUT")  # type: ignore[arg-type]
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/channels", api_channels)
    app.router.add_put("/api/favourites/{kind}/{id}", api_favourite)
    app.router.add_delete("/api/favourites/{kind}/{id}", api_favourite)
