"""Status routes for tools: `/ace/status` (acexy-compatible), `/api/streams`, `/api/health`."""

from __future__ import annotations

from aiohttp import web

from desktop.streaming.http.route_context import route_context
from desktop.streaming.ids import is_content_id, normalize


async def status(request: web.Request) -> web.Response:
    """acexy-compatible: `{"streams": N}`, or with `id=` that stream's `{"clients": N}`."""
    registry = route_context(request).registry
    content_id = request.query.get("id")
    if content_id is None:
        return web.json_response({"streams": len(registry)})
    if not is_content_id(content_id):
        raise web.HTTPBadRequest(text="Invalid id: expected 40 hexadecimal characters\n")
    stream = registry.find(normalize(content_id))
    clients = stream.player_count if stream else 0
    return web.json_response({"clients": clients, "streaming": stream is not None})


async def api_streams(request: web.Request) -> web.Response:
    return web.json_response(route_context(request).snapshot().to_json())


async def api_health(request: web.Request) -> web.Response:
    snap = route_context(request).snapshot()
    return web.json_response(
        {
            "proxy": "up",
            "engine_url": snap.engine_url,
            "engine_reachable": snap.engine_reachable,
            "engine_version": snap.engine_version,
            "engine_name": snap.engine_name,
            "streams": len(snap.streams),
            "players": snap.player_count,
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ace/status", status)
    app.router.add_get("/api/streams", api_streams)
    app.router.add_get("/api/health", api_health)
