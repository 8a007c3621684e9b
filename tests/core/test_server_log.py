"""Malformed requests cost one rate-limited log line, never a traceback each (the log must not roll over)."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest
from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage

from desktop.streaming.http.server_log import ServerLog, describe

MALFORMED = [
    b"GET /\x00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
    b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 HTTP/1.1\r\n\r\n",  # TLS on the HTTP port
    b"FOO\x01 / HTTP/1.1\r\n\r\n",
    b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /ace/getstream?id=" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n",  # a line too long
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: \x01\x02\r\n\r\n",
]


async def _send(port: int, raw: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        async with asyncio.timeout(10):
            return await reader.read()
    finally:
        writer.close()


async def test_two_thousand_malformed_requests_write_a_handful_of_lines_and_no_traceback(
    fake_engine, proxy_factory, caplog
) -> None:
    proxy = await proxy_factory(fake_engine.url)
    port = int(proxy.base.rsplit(":", 1)[1])
    caplog.set_level(logging.DEBUG, logger="aiohttp")  # even debug output must stay short
    caplog.set_level(logging.INFO)
    requests = itertools.islice(itertools.cycle(MALFORMED), 2000)
    answers: list[bytes] = []
    for batch in iter(lambda: list(itertools.islice(requests, 50)), []):
        answers += await asyncio.gather(*(_send(port, raw) for raw in batch))
    assert sum(a.startswith((b"HTTP/1.0 400", b"HTTP/1.1 400")) for a in answers) >= 1900
    lines = [r for r in caplog.records if r.name.startswith("aiohttp")]
    assert 1 <= len(lines) <= 5, [r.getMessage() for r in lines]
    assert all(r.exc_info is None for r in lines)
    assert "Traceback" not in caplog.text
    assert "refused a malformed request from 127.0.0.1" in caplog.text
    async with proxy.http.get(f"{proxy.base}/api/health") as resp:  # and it still serves
        assert resp.status == 200


async def test_a_crashing_handler_keeps_its_traceback_but_once_per_interval(caplog) -> None:
    async def crash(_request: web.Request) -> web.Response:
        raise ValueError("a bug")

    app = web.Application()
    app.router.add_get("/crash", crash)
    runner = web.AppRunner(app, logger=ServerLog(logging.getLogger("test.server"), every=60))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        for _ in range(10):
            answer = await _send(port, b"GET /crash HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert answer.startswith(b"HTTP/1.1 500")
    finally:
        await runner.cleanup()
    crashes = [r for r in caplog.records if r.name == "test.server"]
    assert len(crashes) == 1
    assert crashes[0].levelno == logging.ERROR and crashes[0].exc_info is not None
    assert "a bug" in caplog.text


@pytest.mark.parametrize(
    "message, shown",
    [
        ("Invalid char in url path:\n\n    b'GET /\\x00'\n ^", "Invalid char in url path"),
        ("Bad\x1b[31m red\x07", "Bad?[31m red?"),  # no terminal escapes from a stranger reach the log
        ("", "BadHttpMessage"),
    ],
)
def test_the_reason_is_a_few_printable_words(message: str, shown: str) -> None:
    assert describe(BadHttpMessage(message)) == shown
