"""A small playlist website on 127.0.0.1 with the ways real ones go wrong."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest_asyncio
from aiohttp import web

from tests.local_site import local_site

FIXTURES = Path(__file__).parent / "fixtures"
M3U_TYPE = "audio/x-mpegurl"


@dataclass
class PlaylistSite:
    base: str
    requests: list[str]
    chunks_sent: dict[str, int]
    # /gated.m3u: `arrived` is set when a request is in, the answer waits for `proceed`.
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    proceed: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def _routes(site: PlaylistSite, release: asyncio.Event) -> web.Application:
    world = (FIXTURES / "world_mixed.m3u").read_bytes()

    async def count(request: web.Request, handler):  # type: ignore[no-untyped-def]
        site.requests.append(request.path_qs)
        return await handler(request)

    async def playlist(request: web.Request) -> web.Response:
        return web.Response(body=world, content_type=M3U_TYPE)

    async def gated(request: web.Request) -> web.Response:
        site.arrived.set()
        await site.proceed.wait()
        return web.Response(body=world, content_type=M3U_TYPE)

    async def m3u_labelled_html(request: web.Request) -> web.Response:
        return web.Response(body=world, content_type="text/html")

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<!DOCTYPE html><html><body>Log in</body></html>", content_type="text/html")

    async def page_as_text(request: web.Request) -> web.Response:
        return web.Response(text="\n  <html><head></head></html>", content_type="text/plain")

    async def empty(request: web.Request) -> web.Response:
        return web.Response(body=b"", content_type=M3U_TYPE)

    async def declared_big(request: web.Request) -> web.Response:
        return web.Response(body=b"#" * 5000, content_type=M3U_TYPE)

    async def endless(request: web.Request) -> web.StreamResponse:
        # No Content-Length: only the reader's cap can stop this one.
        response = web.StreamResponse(headers={"Content-Type": M3U_TYPE})
        await response.prepare(request)
        chunk = b"#EXTINF:-1,x\n" * 100
        site.chunks_sent["endless"] = 0
        try:
            while not release.is_set():
                await response.write(chunk)
                site.chunks_sent["endless"] += 1
        except (ConnectionError, RuntimeError):
            pass  # the client hung up: what the test wants
        return response

    async def stall(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": M3U_TYPE})
        await response.prepare(request)
        await response.write(b"#EXTM3U\n")
        await release.wait()  # set when the test ends
        return response

    def redirect(location: str):  # type: ignore[no-untyped-def]
        async def handler(request: web.Request) -> web.Response:
            raise web.HTTPFound(location)

        return handler

    app = web.Application(middlewares=[web.middleware(count)])
    app.router.add_get("/list.m3u", playlist)
    app.router.add_get("/gated.m3u", gated)
    app.router.add_get("/labelled-html.m3u", m3u_labelled_html)
    app.router.add_get("/page", page)
    app.router.add_get("/page-as-text", page_as_text)
    app.router.add_get("/empty.m3u", empty)
    app.router.add_get("/big.m3u", declared_big)
    app.router.add_get("/endless.m3u", endless)
    app.router.add_get("/stall.m3u", stall)
    app.router.add_get("/moved", redirect("/list.m3u"))
    app.router.add_get("/to-file", redirect("file:///etc/passwd"))
    app.router.add_get("/to-ftp", redirect("ftp://files.example/list.m3u"))
    app.router.add_get("/loop", redirect("/loop"))
    return app


@pytest_asyncio.fixture
async def playlist_site() -> AsyncIterator[PlaylistSite]:
    release = asyncio.Event()
    site = PlaylistSite("", [], {})
    async with local_site(_routes(site, release), shutdown_timeout=1.0) as base:
        site.base = base
        try:
            yield site
        finally:
            release.set()  # answers held back end before the site closes
            site.proceed.set()


@pytest_asyncio.fixture
async def silent_server() -> AsyncIterator[str]:
    """Accepts connections and reads the request, but never answers."""
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await reader.read(65536)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/list.m3u"
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()
