"""A small guide website on 127.0.0.1: a plain and a gzip guide, bombs, and a way to go down."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest_asyncio
from aiohttp import web

from tests.guide.xmltv import guide_xml
from tests.local_site import local_site

# A fixed "now" for guides and clocks: tests never depend on the wall clock.
NOW = 1_767_225_600  # 2026-01-01 00:00:00 UTC
CHANNELS = [("bbc1.uk", "BBC One"), ("rai1.it", "Rai 1"), ("sport1.de", "Sport 1")]


def plain_guide(channels: list[tuple[str, str]] = CHANNELS, **kwargs: object) -> bytes:
    return guide_xml(channels, start=NOW, **kwargs)  # type: ignore[arg-type]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE tv [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<tv><channel id="bbc1.uk"><display-name>&g;</display-name></channel></tv>
"""


def external_entity_guide(target: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE tv [ <!ENTITY secret SYSTEM "{target}"> ]>
<tv><channel id="bbc1.uk"><display-name>BBC One &secret;</display-name></channel>
<programme start="20260101000000 +0000" channel="bbc1.uk"><title>&secret;</title></programme></tv>
""".encode()


@dataclass
class GuideSite:
    base: str
    requests: list[str]
    down: bool = False  # every answer a 503 while set
    gate: asyncio.Event | None = None  # when set up, every answer waits for it (and `arrived` says one did)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    bodies: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def _app(site: GuideSite) -> web.Application:
    async def serve(request: web.Request) -> web.StreamResponse:
        site.requests.append(request.path)
        if site.down:
            raise web.HTTPServiceUnavailable(text="down for maintenance")
        if site.gate is not None:
            site.arrived.set()
            await site.gate.wait()
        found = site.bodies.get(request.path)
        if found is None:
            raise web.HTTPNotFound()
        body, content_type = found
        return web.Response(body=body, content_type=content_type)

    app = web.Application()
    app.router.add_get("/{path:.*}", serve)
    return app


@pytest_asyncio.fixture
async def guide_site() -> AsyncIterator[GuideSite]:
    site = GuideSite("", [])
    xml = plain_guide()
    site.bodies.update(
        {
            "/guide.xml": (xml, "application/xml"),
            "/guide.xml.gz": (gzip.compress(xml, mtime=0), "application/gzip"),
            "/bomb.xml": (BILLION_LAUGHS, "application/xml"),
            "/secret.xml": (external_entity_guide("file:///etc/passwd"), "application/xml"),
            "/page": (b"<!DOCTYPE html><html><body>Log in</body></html>", "text/html"),
        }
    )
    async with local_site(_app(site), shutdown_timeout=1.0) as base:
        site.base = base
        yield site


def frozen_clock(now: float = NOW):  # type: ignore[no-untyped-def]
    return lambda: now
