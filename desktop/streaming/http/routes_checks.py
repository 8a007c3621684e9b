"""The link check over HTTP.

`POST /api/channels/check` queues every channel's sources (`?group=` one
group, `?favourites=1` the favourites) and answers `202` at once; the check
runs in the core, at its own gentle pace. `DELETE` stops it. `GET
/api/channels/health` gives every source with a verdict and the check's
progress, written out in pieces.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from aiohttp import web

from desktop.streaming.http.route_context import route_context
from desktop.streaming.ids import ChannelKey
from desktop.streaming.probes import CheckUnavailable, SourcesHost

HEALTH_PATH = "/api/channels/health"
PIECE = 1_000  # sources per write


def _sources(request: web.Request) -> SourcesHost:
    sources = route_context(request).sources
    if sources is None:
        raise web.HTTPServiceUnavailable(text="Links cannot be checked here\n")
    return sources


def _asked_for(request: web.Request) -> Iterable[ChannelKey]:
    state = route_context(request).channels()
    query = request.query
    if query.get("favourites") == "1":
        return sorted(state.favourites)
    return (channel.key for channel in state.search(group=query.get("group") or None))  # each with its sources


async def start_check(request: web.Request) -> web.Response:
    sources = _sources(request)
    try:
        queued = sources.check(_asked_for(request))
    except CheckUnavailable as exc:
        raise web.HTTPServiceUnavailable(text=f"{exc}\n") from exc
    answer = {"queued": queued, "check": sources.checker.progress.to_json(), "results": HEALTH_PATH}
    return web.json_response(answer, status=202, headers={"Location": HEALTH_PATH})


async def stop_check(request: web.Request) -> web.Response:
    _sources(request).checker.stop()
    return web.Response(status=204)


async def health(request: web.Request) -> web.StreamResponse:
    """`{"sources": [{"kind", "id", "health": {...}}], "check": {...}}`, every source with a verdict."""
    sources = _sources(request)
    verdicts = list(sources.health.map.items())
    response = web.StreamResponse(headers={"Content-Type": "application/json; charset=utf-8"})
    await response.prepare(request)
    await response.write(b'{"sources": [')
    for first in range(0, len(verdicts), PIECE):
        piece = [
            {"kind": key.kind, "id": key.content_id, "health": verdict.to_json()}
            for key, verdict in verdicts[first : first + PIECE]
        ]
        await response.write((", " if first else "").encode() + json.dumps(piece)[1:-1].encode())
    await response.write(b'], "check": ' + json.dumps(sources.checker.progress.to_json()).encode() + b"}")
    await response.write_eof()
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/channels/check", start_check)
    app.router.add_delete("/api/channels/check", stop_check)
    app.router.add_get(HEALTH_PATH, health)
