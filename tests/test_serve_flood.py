"""Neighbours' connection floods against `acetray serve` under the common 1,024 open-files limit.

The limit makes the caps what most machines get (896 connections in total, 128 per
address): eviction, not a higher cap, is what keeps the door open.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.streaming.http.connection_guard import limits_for
from tests.ports import free_port
from tests.test_e2e_player import wait_for_health

resource = pytest.importorskip("resource")  # the open-files limit is a POSIX notion

CHANNEL = "94c2fd8fb9bc8f2fc71a2cbe9d4b866f227a0209"
FLOOD = 1100
CAPS = limits_for(1024)


def _limit_open_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))  # `ulimit -n 1024` for the child only


@dataclass
class Serve:
    port: int
    proc: subprocess.Popen[str]
    log: str = ""


@pytest.fixture
def serve_at_1024(tmp_path: Path) -> Iterator[Serve]:
    """`acetray serve --demo` under `ulimit -n 1024`; its log is read when the test is done with it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < FLOOD + 200:
        pytest.skip(f"this test process may open only {hard} files")
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (max(soft, FLOOD + 200) if hard == resource.RLIM_INFINITY else hard, hard)
    )
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop", "serve", "--demo", "--port", str(port)],
        env=dict(os.environ, ACETRAY_CONFIG_DIR=str(tmp_path)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_limit_open_files,
    )
    serve = Serve(port, proc)
    try:
        wait_for_health(port, proc)
        yield serve
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.communicate(timeout=10)


def _stop(serve: Serve) -> str:
    serve.proc.terminate()
    _out, serve.log = serve.proc.communicate(timeout=10)
    return serve.log


def _watch(port: int, address: str = "127.0.0.1") -> socket.socket:
    """A player asking for the channel; returned once its answer began."""
    player = socket.create_connection(("127.0.0.1", port), timeout=20, source_address=(address, 0))
    player.sendall(f"GET /ace/getstream?id={CHANNEL} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    assert player.recv(65536).startswith(b"HTTP/1.1 200")
    return player


def _keeps_playing(player: socket.socket, want: int = 200_000) -> None:
    received = 0
    while received < want:
        data = player.recv(65536)
        assert data, "the player was cut off"
        received += len(data)


def _health(port: int, address: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(address, 0)) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return int(sock.recv(65536).split(b" ", 2)[1])


def _kept_alive(port: int, address: str) -> socket.socket:
    """A connection answered once (or refused: a flood tool does not care) and left idle in keep-alive."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(address, 0))
    sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    answer = b"-"
    try:
        while answer and not answer.endswith(b"}"):  # the JSON body ends the answer
            answer = sock.recv(65536)
    except ConnectionResetError:
        pass
    return sock


def _still_open(sockets: list[socket.socket]) -> int:
    """How many of `sockets` the server has not closed (a closed one is readable: EOF or reset)."""
    poller = select.poll()
    for sock in sockets:
        poller.register(sock, select.POLLIN)
    return len(sockets) - len(poller.poll(0))


def test_1100_idle_connections_do_not_lock_out_status_or_the_player_already_watching(serve_at_1024: Serve) -> None:
    port = serve_at_1024.port
    flood: list[socket.socket] = []
    player = _watch(port)
    try:
        for _ in range(FLOOD):  # connect and say nothing, as a flood tool does
            flood.append(socket.create_connection(("127.0.0.1", port), timeout=10))

        asked = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=10) as resp:
            assert resp.status == 200
        answered_in = time.monotonic() - asked
        _keeps_playing(player)  # the player already watching keeps its stream
    finally:
        for sock in flood:
            sock.close()
        player.close()
    log = _stop(serve_at_1024)
    assert answered_in < 5, f"/api/health took {answered_in:.1f} s under the flood"
    assert "closed an idle connection" in log
    assert "not reachable" not in log  # a flood is not an engine problem
    assert log.count("closed an idle connection") < 20, "the flood must not flood the log"


@pytest.mark.parametrize("addresses", [1, 8])
def test_a_keep_alive_flood_locks_out_no_player_and_no_status_check(serve_at_1024: Serve, addresses: int) -> None:
    port = serve_at_1024.port
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.9", 0)).close()
    except OSError:
        pytest.skip("this system cannot send from 127.0.0.9 (only Linux routes all of 127/8 to loopback)")
    watching = _watch(port)
    flood: list[socket.socket] = []
    newcomers: list[socket.socket] = []
    try:
        # More than an address's cap from each; from 8 addresses, more than the total cap too.
        for n in range(1, addresses + 1):
            flood += [_kept_alive(port, f"127.0.0.{n}") for _ in range(CAPS.per_address + 2)]
        newcomers.append(_watch(port, "127.0.0.1"))  # a new player on this machine
        newcomers.append(_watch(port, "127.0.0.20"))  # and one on a device outside the flood
        assert _health(port, "127.0.0.1") == 200
        assert _health(port, "127.0.0.20") == 200
        for player in [watching, *newcomers]:
            _keeps_playing(player)
        held = _still_open(flood)
    finally:
        for sock in flood + newcomers + [watching]:
            sock.close()
    log = _stop(serve_at_1024)
    assert held <= CAPS.total and held <= addresses * CAPS.per_address  # the caps held
    assert "closed an idle connection" in log
    assert "refused a connection" not in log  # idle ones gave way every time
    assert log.count("closed an idle connection") < 20, "the flood must not flood the log"
