"""LAN sharing turned on keeps the port: the proxy lets go of 127.0.0.1:P and listens on 0.0.0.0:P.

A program started at that instant (a player, the engine finder's commands) holds a copy of every
open socket from its fork to its exec, the old listening socket too, so the port stays taken for
a moment (longer on a loaded machine). The move waits that out instead of refusing the change
with "Port P is in use by another program".
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import subprocess
import sys

import aiohttp
import psutil

from desktop.streaming.config import ALL_INTERFACES, LOOPBACK, ProxyConfig
from desktop.streaming.http import listener as listener_module
from desktop.streaming.service import ProxyService
from tests.core.conftest import wait_until
from tests.ports import free_port

TOKEN = "s3cret-Token_0123456789"


def listening_socket_fd(port: int) -> int:
    """This process's listening socket on `port`, as a program it starts would inherit it."""
    (fd,) = [c.fd for c in psutil.Process().net_connections("tcp") if c.status == "LISTEN" and c.laddr.port == port]
    return fd


async def test_lan_sharing_turned_on_while_a_program_starts_keeps_the_port(fake_engine, caplog, monkeypatch) -> None:
    # The real wait is 1 s; this test lets the program go when it sees the retry, which on a loaded
    # machine may be later than that: the wait here outlasts any load.
    monkeypatch.setattr(listener_module, "RELEASED_PORT_WAIT", 30.0)
    port = free_port()
    service = ProxyService(ProxyConfig(engine_url=fake_engine.url, host=LOOPBACK, port=port))
    await service.start()
    # A program between fork and exec: it holds the listening socket until it is let go.
    starting = await asyncio.create_subprocess_exec(
        *(sys.executable, "-c", "import sys; print('started', flush=True); sys.stdin.read()"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        pass_fds=(listening_socket_fd(port),),
    )
    try:
        assert starting.stdout is not None and await starting.stdout.readline() == b"started\n"
        with caplog.at_level(logging.DEBUG, logger="desktop.streaming.http.listener"):
            lan = dataclasses.replace(service.config, host=ALL_INTERFACES, token=TOKEN)
            applying = asyncio.ensure_future(service.apply(lan))
            await wait_until(lambda: "still held" in caplog.text or applying.done())
            assert not applying.done(), "the change was decided while the port was held a moment"
            assert starting.stdin is not None
            starting.stdin.close()  # the program runs: its copy of the socket is gone
            await applying
        assert service.config.host == ALL_INTERFACES and service.listen_url == f"http://{ALL_INTERFACES}:{port}"
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/api/health?token={TOKEN}") as resp,
        ):
            assert resp.status == 200
    finally:
        if starting.stdin is not None and not starting.stdin.is_closing():
            starting.stdin.close()
        await asyncio.wait_for(starting.wait(), 10)
        await service.stop()
