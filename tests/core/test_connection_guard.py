"""Connection limits: an idle flood or a slow sender never locks out a real request or a playing player."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web

from desktop.streaming.http.connection_guard import ConnectionLimits, GuardedSite, limits_for
from desktop.streaming.logs import RateLimitedLog


async def _hello(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def _endless(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    while True:
        await response.write(b"x" * 1024)
        await asyncio.sleep(0.01)


@pytest_asyncio.fixture
async def serve() -> AsyncIterator:
    runners: list[web.AppRunner] = []

    async def start(limits: ConnectionLimits) -> GuardedSite:
        app = web.Application()
        app.router.add_get("/hello", _hello)
        app.router.add_get("/endless", _endless)
        runner = web.AppRunner(app, handler_cancellation=True)
        await runner.setup()
        runners.append(runner)
        site = GuardedSite(runner, "127.0.0.1", 0, limits)
        await site.start()
        return site

    yield start
    for runner in runners:
        await runner.cleanup()


async def _connect(site: GuardedSite) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", site.port)


async def _get(site: GuardedSite, path: str = "/hello") -> bytes:
    reader, writer = await _connect(site)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    async with asyncio.timeout(5):
        answer = await reader.read()
    writer.close()
    return answer


async def _closed_by_server(reader: asyncio.StreamReader) -> bool:
    async with asyncio.timeout(5):
        return await reader.read() == b""


async def test_an_idle_flood_gives_way_to_a_real_request(serve) -> None:
    site = await serve(ConnectionLimits(total=50, per_address=20, head_timeout=30))
    idle = [await _connect(site) for _ in range(60)]  # more than either cap, never sending a byte
    answer = await _get(site)
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"ok")
    assert site.guard is not None and site.guard.open_count <= 20
    assert site.guard.evicted >= 40
    for _reader, writer in idle:
        writer.close()


async def test_a_request_head_sent_too_slowly_is_cut_off(serve) -> None:
    site = await serve(ConnectionLimits(head_timeout=0.3))
    reader, writer = await _connect(site)
    writer.write(b"GET /hello HTTP/1.1\r\nHo")  # and never the rest
    assert await _closed_by_server(reader)
    assert site.guard is not None and site.guard.timed_out == 1
    writer.close()


@pytest.mark.parametrize("version", [b"HTTP/0.9", b"HTTP/2.0", b"HTTP/1.7", b"SPDY"])
async def test_only_http_1_0_and_1_1_are_spoken(serve, version: bytes) -> None:
    site = await serve(ConnectionLimits())
    reader, writer = await _connect(site)
    writer.write(b"GET /hello " + version + b"\r\nHost: x\r\n\r\n")
    async with asyncio.timeout(5):
        answer = await reader.read()
    assert answer.startswith(b"HTTP/1.1 505 ")
    writer.close()


async def test_players_are_never_evicted_and_a_newcomer_is_refused_when_all_are_busy(serve) -> None:
    site = await serve(ConnectionLimits(total=3, per_address=3, head_timeout=30))
    players = []
    for _ in range(3):
        reader, writer = await _connect(site)
        writer.write(b"GET /endless HTTP/1.1\r\nHost: x\r\n\r\n")
        async with asyncio.timeout(5):
            await reader.readuntil(b"\r\n\r\n")
        players.append((reader, writer))
    newcomer, newcomer_writer = await _connect(site)
    assert await _closed_by_server(newcomer)
    assert site.guard is not None and site.guard.refused == 1
    for reader, _writer in players:  # every player still receives its stream
        async with asyncio.timeout(5):
            assert len(await reader.readexactly(4096)) == 4096
    for _reader, writer in players + [(newcomer, newcomer_writer)]:
        writer.close()


def test_trouble_is_logged_once_per_interval_with_a_count(caplog) -> None:
    now = [0.0]
    report = RateLimitedLog(logging.getLogger("test.guard"), every=10, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, "test.guard"):
        for _ in range(500):
            report.warning("refuse", "refused a connection")
        now[0] = 11
        report.warning("refuse", "refused a connection")
    assert [r.getMessage() for r in caplog.records] == [
        "refused a connection",
        "refused a connection (499 more like it not logged)",
    ]


def test_caps_leave_room_below_the_open_files_limit() -> None:
    assert limits_for(1024).total == 896
    assert limits_for(256).total == 128 and limits_for(256).per_address == 128
    assert limits_for(None) == ConnectionLimits()
