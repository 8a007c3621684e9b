"""`/epg.xml` (and `/epg.xml.gz`): AceTray's one XMLTV guide for every TV app in the house.

The guide is written to a file when something it shows changed (see
`guide/host.py`) and served from there as a file: every client reads the same
bytes through the kernel's sendfile, gzip-compressed when the client asks
(`Accept-Encoding: gzip`, or the `.gz` address), with an ETag so an app that
asks again for an unchanged guide gets `304`. Like every route, it needs the
token in LAN mode (the access rules run first).
"""

from __future__ import annotations

from aiohttp import web

from desktop.streaming.http.route_context import route_context

XML_TYPE = "application/xml; charset=utf-8"
GZIP_TYPE = "application/gzip"


async def guide(request: web.Request) -> web.StreamResponse:
    output = route_context(request).guide
    if output is None:
        raise web.HTTPServiceUnavailable(text="The guide is not available here\n")
    written = await output()
    headers = {"Cache-Control": "no-cache"}
    if request.path.endswith(".gz"):
        # The file itself, gzip as its type: a download, not a transfer encoding.
        return web.FileResponse(written.packed, headers={**headers, "Content-Type": GZIP_TYPE})
    # aiohttp serves the `.gz` beside the file, with Content-Encoding, to a client that accepts gzip.
    return web.FileResponse(written.plain, headers={**headers, "Content-Type": XML_TYPE})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/epg.xml", guide)
    app.router.add_get("/epg.xml.gz", guide)
