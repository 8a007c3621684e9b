"""`/logo/<id>`: a channel's logo through AceTray, so every device sees what only this computer reaches.

The id is a hash of a logo a playlist names (`/api/channels` gives each
channel's `logo_url`); the request never carries an address, so it cannot
make AceTray fetch one. The answer is the picture as fetched, and only a
picture: its type is told from its bytes, the browser is told not to guess
another (nosniff), and an SVG opened on its own runs no script (the CSP's sandbox).
"""

from __future__ import annotations

from aiohttp import web

from desktop.streaming.http.route_context import route_context
from desktop.streaming.logos import LogoError, LogosBusy, LogoTimeout, UnknownLogo, is_logo_id

_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "Cache-Control": "private, max-age=86400",  # a day: the tray and the page ask again after that
}
PREFIX = "/logo/"
_NOT_FOUND = "No such logo: logos are /logo/<id> with the ids /api/channels gives.\n"


async def logo(request: web.Request) -> web.Response:
    logo_id = request.match_info["id"]
    fetch = route_context(request).logo
    if fetch is None or not is_logo_id(logo_id):
        raise web.HTTPNotFound(text=_NOT_FOUND)
    try:
        found = await fetch(logo_id)
    except UnknownLogo:
        raise web.HTTPNotFound(text=_NOT_FOUND) from None
    except LogoTimeout as exc:
        raise web.HTTPGatewayTimeout(text=f"{exc}\n") from None
    except LogosBusy as exc:
        raise web.HTTPServiceUnavailable(text=f"{exc}\n", headers={"Retry-After": "5"}) from None
    except LogoError as exc:
        raise web.HTTPBadGateway(text=f"{exc}\n") from None
    return web.Response(body=found.data, headers={**_HEADERS, "Content-Type": found.content_type})


def logo_path(logo_id: str) -> str:
    return PREFIX + logo_id


def add_routes(app: web.Application) -> None:
    app.router.add_get(PREFIX + "{id}", logo)
