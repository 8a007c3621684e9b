"""A logo server for the tests, on 127.0.0.1 and a free port: good pictures, and the ways a logo
server goes wrong (a trickle, a flood, a web page, a redirect away from the web)."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections import Counter

from aiohttp import web

TRICKLE_EVERY = 0.2  # seconds between the trickle's bytes: it never ends by itself


def png(width: int = 64, height: int = 32, rgb: tuple[int, int, int] = (48, 112, 192)) -> bytes:
    """A real PNG of one colour (Qt decodes it), made without any image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


class LogoSite:
    """`/logo/<name>.png` a picture each; `/trickle/<name>` a byte every TRICKLE_EVERY s, forever;
    `/huge` 4 MB with no length said; `/huge-said` with its length said; `/page.png` a web page
    that calls itself image/png; `/away` a redirect to a file: URL; `/list.m3u` the `playlist`
    text (a web playlist); anything else 404."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.trickles_cut = 0  # trickles whose client hung up
        self.changed = asyncio.Event()
        self.playlist = "#EXTM3U\n"
        self._runner: web.AppRunner | None = None
        self.base = ""

    async def start(self) -> LogoSite:
        app = web.Application()
        app.router.add_get("/logo/{name}", self._logo)
        app.router.add_get("/trickle/{name}", self._trickle)
        app.router.add_get("/huge", self._huge)
        app.router.add_get("/huge-said", self._huge_said)
        app.router.add_get("/page.png", self._page)
        app.router.add_get("/away", self._away)
        app.router.add_get("/list.m3u", self._playlist)
        app.router.add_get("/{tail:.*}", self._missing)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.1)  # trickles end now
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
        """Until `condition()` holds: re-checked whenever the site sees something."""
        async with asyncio.timeout(timeout):
            while not condition():
                self.changed.clear()
                await self.changed.wait()

    def _saw(self, request: web.Request) -> None:
        self.requests[request.path] += 1
        self.changed.set()

    async def _logo(self, request: web.Request) -> web.Response:
        self._saw(request)
        return web.Response(body=png(), content_type="image/png")

    async def _trickle(self, request: web.Request) -> web.StreamResponse:
        self._saw(request)
        response = web.StreamResponse(headers={"Content-Type": "image/png"})
        await response.prepare(request)
        try:
            for byte in png() * 1000:
                await response.write(bytes([byte]))
                await asyncio.sleep(TRICKLE_EVERY)
        except (ConnectionResetError, asyncio.CancelledError):
            self.trickles_cut += 1
            self.changed.set()
            raise
        return response

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        self._saw(request)
        response = web.StreamResponse(headers={"Content-Type": "image/png"})
        await response.prepare(request)
        picture = png()
        await response.write(picture)
        for _ in range(64):
            await response.write(bytes(64 * 1024))
        await response.write_eof()
        return response

    async def _huge_said(self, request: web.Request) -> web.Response:
        self._saw(request)
        return web.Response(body=png() + bytes(4 * 1024 * 1024), content_type="image/png")

    async def _page(self, request: web.Request) -> web.Response:
        self._saw(request)
        return web.Response(body=b"<!doctype html><html><body>Not here</body></html>", content_type="image/png")

    async def _playlist(self, request: web.Request) -> web.Response:
        self._saw(request)
        return web.Response(text=self.playlist, content_type="audio/x-mpegurl")

    async def _missing(self, request: web.Request) -> web.Response:
        self._saw(request)
        raise web.HTTPNotFound()

    async def _away(self, request: web.Request) -> web.Response:
        self._saw(request)
        raise web.HTTPFound("file:///etc/passwd")
