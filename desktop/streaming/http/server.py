"""The proxy's aiohttp application, assembled from one route module per concern.

Each route module (`routes_stream`, `routes_hls`, `routes_api`, and later channels,
playlist, page) exposes `add_routes(app)` and reads a `RouteContext`, never
the service; this module only puts them together, so a feature adds its
module and one line here.
"""

from __future__ import annotations

from aiohttp import web

from desktop.streaming.http import (
    routes_api,
    routes_channels,
    routes_checks,
    routes_guide,
    routes_hls,
    routes_logos,
    routes_page,
    routes_playlist,
    routes_stream,
    routes_tuner,
)
from desktop.streaming.http.access import access_middleware
from desktop.streaming.http.connection_guard import ConnectionGuard
from desktop.streaming.http.request_record import record_middleware
from desktop.streaming.http.route_context import ROUTE_CONTEXT, RouteContext


def build_app(context: RouteContext, guard: ConnectionGuard) -> web.Application:
    # The guard outermost, so it sees every request begin and end (its connection is busy meanwhile);
    # then the record of players' requests, which notes refusals too ("VLC was refused: …"); then the
    # access rules, for every route: a refused request never reaches a handler.
    middlewares = [guard.middleware, record_middleware(context.registry.requests)]
    app = web.Application(middlewares=[*middlewares, access_middleware(context.access, context.token_guesses)])
    app[ROUTE_CONTEXT] = context
    routes_stream.add_routes(app)
    routes_hls.add_routes(app)
    routes_api.add_routes(app)
    routes_channels.add_routes(app)
    routes_checks.add_routes(app)
    routes_page.add_routes(app)
    routes_playlist.add_routes(app)
    routes_logos.add_routes(app)
    routes_guide.add_routes(app)
    routes_tuner.add_routes(app)
    return app
