"""Connection limits: no idle, keep-alive or slow flood locks out a real request or a playing player."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio
from aiohttp import web

from desktop.streaming.http.connection_guard import ConnectionGuard, ConnectionLimits, limits_for
from desktop.streaming.http.guarded_site import GuardedSite
from desktop.streaming.logs import RateLimitedLog

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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

    async def start(
        limits: ConnectionLimits, routes: dict[str, Handler] | None = None, clock: Callable[[], float] = time.monotonic
    ) -> GuardedSite:
        guard = ConnectionGuard(limits, clock)
        app = web.Application(middlewares=[guard.middleware])
        app.router.add_get("/hello", _hello)
        app.router.add_get("/endless", _endless)
        for path, handler in (routes or {}).items():
            app.router.add_get(path, handler)
        runner = web.AppRunner(app, handler_cancellation=True, keepalive_timeout=limits.keepalive)
        await runner.setup()
        runners.append(runner)
        site = GuardedSite(runner, "127.0.0.1", 0, guard)
        await site.start()
        return site

    yield start
    for runner in runners:
        await runner.cleanup()


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _connect(site: GuardedSite, address: str = "127.0.0.1") -> Connection:
    return await asyncio.open_connection("127.0.0.1", site.port, local_addr=(address, 0))


async def _ask(connection: Connection, path: str = "/hello") -> bytes:
    """One request on an open connection, kept alive afterwards: the answer's status line."""
    reader, writer = connection
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    async with asyncio.timeout(5):
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line[15:]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:"))
        await reader.readexactly(length)
    return head.split(b"\r\n", 1)[0]


async def _kept_alive(site: GuardedSite, address: str = "127.0.0.1") -> Connection:
    """A connection that was answered once and now idles in keep-alive, as a flood tool leaves it."""
    connection = await _connect(site, address)
    assert await _ask(connection) == b"HTTP/1.1 200 OK"
    return connection


async def _get(site: GuardedSite, path: str = "/hello", address: str = "127.0.0.1") -> bytes:
    reader, writer = await _connect(site, address)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    async with asyncio.timeout(5):
        answer = await reader.read()
    writer.close()
    return answer


async def _closed_by_server(reader: asyncio.StreamReader) -> bool:
    async with asyncio.timeout(5):
        try:
            return await reader.read() == b""
        except ConnectionResetError:  # closed to make room: aborted, so the kernel sends a reset
            return True


def _close(*connections: Connection) -> None:
    for _reader, writer in connections:
        writer.close()


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


async def test_idle_keep_alive_connections_give_way_to_a_newcomer_from_the_same_address(serve) -> None:
    site = await serve(ConnectionLimits(total=50, per_address=10, head_timeout=30))
    held = [await _kept_alive(site) for _ in range(10)]  # the address's cap, every one answered and idle
    answer = await _get(site)
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"ok")
    assert await _closed_by_server(held[0][0])  # the oldest idle one gave way
    for connection in held[1:]:  # and only that one
        assert await _ask(connection) == b"HTTP/1.1 200 OK"
    _close(*held)


async def test_at_the_total_cap_the_address_holding_most_idle_connections_gives_way(serve) -> None:
    site = await serve(ConnectionLimits(total=12, per_address=8, head_timeout=30))
    neighbour = [await _kept_alive(site, "127.0.0.3") for _ in range(4)]  # idle longest, but few
    flood = [await _kept_alive(site, "127.0.0.2") for _ in range(8)]
    answer = await _get(site, address="127.0.0.4")  # a new device, with the total at the cap
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"ok")
    assert await _closed_by_server(flood[0][0])
    for connection in neighbour + flood[1:]:
        assert await _ask(connection) == b"HTTP/1.1 200 OK"
    _close(*neighbour, *flood)


async def test_a_newcomer_about_to_ask_outlasts_connections_already_answered(serve) -> None:
    site = await serve(ConnectionLimits(total=50, per_address=3, head_timeout=30))
    about_to_ask = await _connect(site)  # connected first; its request is on its way
    held = [await _kept_alive(site) for _ in range(2)]
    answer = await _get(site)
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"ok")
    assert await _closed_by_server(held[0][0])
    assert await _ask(about_to_ask) == b"HTTP/1.1 200 OK"
    _close(about_to_ask, *held)


async def test_a_kept_alive_connection_that_starts_streaming_is_a_player_again(serve) -> None:
    site = await serve(ConnectionLimits(total=50, per_address=2, head_timeout=30))
    reused = await _kept_alive(site)
    reused[1].write(b"GET /endless HTTP/1.1\r\nHost: x\r\n\r\n")
    other = await _connect(site)
    other[1].write(b"GET /endless HTTP/1.1\r\nHost: x\r\n\r\n")
    for reader, _writer in (reused, other):
        async with asyncio.timeout(5):
            await reader.readuntil(b"\r\n\r\n")
    newcomer = await _connect(site)
    assert await _closed_by_server(newcomer[0])
    for reader, _writer in (reused, other):
        async with asyncio.timeout(5):
            assert len(await reader.readexactly(4096)) == 4096
    _close(reused, other, newcomer)


async def test_an_answer_still_being_written_is_not_cut_to_make_room(serve) -> None:
    finish = asyncio.Event()

    async def two_parts(_request: web.Request) -> web.Response:
        async def body() -> AsyncIterator[bytes]:  # written after the handler returned, as a big page is
            yield b"first part;"
            await finish.wait()
            yield b"last part"

        return web.Response(body=body())

    site = await serve(ConnectionLimits(total=50, per_address=1, head_timeout=30), {"/two-parts": two_parts})
    reader, writer = await _connect(site)
    writer.write(b"GET /two-parts HTTP/1.1\r\nHost: x\r\n\r\n")
    async with asyncio.timeout(5):
        await reader.readuntil(b"first part;")
    newcomer = await _connect(site)
    assert await _closed_by_server(newcomer[0])
    finish.set()
    async with asyncio.timeout(5):
        await reader.readuntil(b"last part")
    _close((reader, writer), newcomer)


async def test_a_burst_of_connections_cannot_push_out_one_whose_request_is_not_read_yet() -> None:
    guard = ConnectionGuard(ConnectionLimits(total=50, per_address=2))
    aborted: list[int] = []
    first = guard.admit("10.0.0.2", object(), lambda: aborted.append(1))
    assert first is not None and guard.admit("10.0.0.2", object(), lambda: aborted.append(2)) is not None
    # A third in the same turn of the loop: the loop has not read the first two yet, so they stay.
    assert guard.admit("10.0.0.2", object(), lambda: aborted.append(3)) is None
    while first.fresh:  # the loop turns until it has polled their sockets
        await asyncio.sleep(0)
    assert guard.admit("10.0.0.2", object(), lambda: aborted.append(4)) is not None
    assert aborted == [1]  # the oldest silent one gave way; the refused one was never booked
    assert (guard.refused, guard.evicted, guard.open_count) == (1, 1, 2)


async def test_under_pressure_keep_alive_is_short(serve) -> None:
    now = [0.0]
    limits = ConnectionLimits(total=50, per_address=10, head_timeout=30, keepalive_under_pressure=5)
    site = await serve(limits, clock=lambda: now[0])
    idle_long = [await _kept_alive(site) for _ in range(5)]  # half the address's cap in use: pressure
    now[0] = 5.5
    recent = await _kept_alive(site)  # a newcomer's arrival closes those idle for over 5 s
    for reader, _writer in idle_long:
        assert await _closed_by_server(reader)
    assert await _ask(recent) == b"HTTP/1.1 200 OK"
    assert site.guard.expired == 5
    _close(*idle_long, recent)


async def test_without_pressure_keep_alive_lasts(serve) -> None:
    now = [0.0]
    limits = ConnectionLimits(total=50, per_address=10, head_timeout=30, keepalive_under_pressure=5)
    site = await serve(limits, clock=lambda: now[0])
    held = [await _kept_alive(site) for _ in range(4)]  # below half the cap
    now[0] = 60.0
    assert (await _get(site)).startswith(b"HTTP/1.1 200")
    for connection in held:
        assert await _ask(connection) == b"HTTP/1.1 200 OK"
    assert site.guard.expired == 0
    _close(*held)


async def test_a_site_whose_app_cannot_tell_the_guard_about_requests_does_not_start() -> None:
    runner = web.AppRunner(web.Application())  # no guard middleware: kept-alive connections would look busy
    await runner.setup()
    try:
        with pytest.raises(RuntimeError, match="middleware"):
            await GuardedSite(runner, "127.0.0.1", 0, ConnectionGuard(ConnectionLimits())).start()
    finally:
        await runner.cleanup()


async def test_a_request_head_too_large_for_a_player_is_answered_431(serve) -> None:
    site = await serve(ConnectionLimits(head_timeout=30))
    reader, writer = await _connect(site)
    writer.write(b"GET /hello HTTP/1.1\r\n" + b"X-Padding: " + b"p" * 4000 + b"\r\n" * 1)
    for _ in range(10):  # 40 KiB of headers, never ending
        writer.write(b"X-More: " + b"m" * 4000 + b"\r\n")
    async with asyncio.timeout(5):
        answer = await reader.read()
    assert answer.startswith(b"HTTP/1.1 431 ")
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
