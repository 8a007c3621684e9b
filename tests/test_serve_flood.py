"""A neighbour's idle-connection flood, against `acetray serve` under the common 1,024 open-files limit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_e2e_player import free_port, wait_for_health

resource = pytest.importorskip("resource")  # the open-files limit is a POSIX notion

CHANNEL = "94c2fd8fb9bc8f2fc71a2cbe9d4b866f227a0209"
FLOOD = 1100


def _limit_open_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))  # `ulimit -n 1024` for the child only


def test_1100_idle_connections_do_not_lock_out_status_or_the_player_already_watching(tmp_path: Path) -> None:
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
    flood: list[socket.socket] = []
    player = None
    try:
        wait_for_health(port, proc)
        player = socket.create_connection(("127.0.0.1", port), timeout=20)
        player.sendall(f"GET /ace/getstream?id={CHANNEL} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        assert player.recv(65536).startswith(b"HTTP/1.1 200")

        for _ in range(FLOOD):  # connect and say nothing, as a flood tool does
            flood.append(socket.create_connection(("127.0.0.1", port), timeout=10))

        asked = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=10) as resp:
            assert resp.status == 200
        answered_in = time.monotonic() - asked
        received = 0
        while received < 200_000:  # the player already watching keeps its stream
            data = player.recv(65536)
            assert data, "the player was cut off"
            received += len(data)
    finally:
        for sock in flood:
            sock.close()
        if player is not None:
            player.close()
        proc.terminate()
        _out, log = proc.communicate(timeout=10)
    assert answered_in < 5, f"/api/health took {answered_in:.1f} s under the flood"
    assert "closed an idle connection" in log
    assert "not reachable" not in log  # a flood is not an engine problem
    assert log.count("closed an idle connection") < 20, "the flood must not flood the log"
