"""`/api/channels`: the channels the playlists name, with favourites, and how each playlist fared."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from desktop.streaming.channels.state import ChannelsState
from desktop.streaming.route_context import route_context


def channels_json(state: ChannelsState) -> dict[str, Any]:
    """The merged channel list (playlist order, first name wins) and one entry per playlist."""
    favourites = state.favourites
    channels = [
        {
            "name": c.name,
            "group": c.group,
            "logo": c.logo,
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


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/channels", api_channels)
