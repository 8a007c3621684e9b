"""The page for phones and TV browsers: `/` and its few files, served from `resources/page`.

Only the files listed here are served (no directory walk, no path from the
request reaches the file system). The page's own asset URLs carry the
request's access token, so a browser that opened `/?token=…` fetches its
script and style with it; nothing is ever fetched from another site, and the
Content-Security-Policy says so to the browser as well.
"""

from __future__ import annotations

import html
from functools import cache
from urllib.parse import quote

from aiohttp import web

from desktop.resources import resource_path

ASSETS = {
    "style.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "vendor/hls.light.min.js": "text/javascript; charset=utf-8",
}
# Scripts, styles and pictures (channel logos: /logo/<id>) only from AceTray itself;
# video from AceTray (hls.js feeds it blob: URLs).
CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
)
_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@cache
def _read(name: str) -> bytes:
    return resource_path("page", *name.split("/")).read_bytes()


async def page(request: web.Request) -> web.Response:
    token = request.query.get("token")
    query = html.escape(f"?token={quote(token, safe='')}") if token else ""
    body = _read("index.html").decode("utf-8").replace("__QUERY__", query)
    return web.Response(
        text=body, content_type="text/html", charset="utf-8", headers={**_HEADERS, "Cache-Control": "no-store"}
    )


async def asset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    content_type = ASSETS.get(name)
    if content_type is None:
        raise web.HTTPNotFound(text="No such file\n")
    return web.Response(
        body=_read(name), headers={**_HEADERS, "Content-Type": content_type, "Cache-Control": "no-cache"}
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", page)
    app.router.add_get("/page/{name:.+}", asset)
