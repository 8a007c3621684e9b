"""`acetray serve --lan`: one token, made and saved before the proxy starts; shown only to a person.

Run as a service (standard output a pipe, as systemd's journal is), serve never
writes the token anywhere; `--show-token` or a terminal gets the share link
with it. Separate processes, as a user runs them; clients use loopback only.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.ports import free_port
from tests.test_e2e_player import CHANNEL

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and terminals")
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str) -> tuple[int, bytes]:
    try:
        with OPENER.open(url, timeout=15) as resp:
            return int(resp.status), resp.read(188 * 10)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def health_status(port: int, token: str) -> int | None:
    try:
        return get(f"http://127.0.0.1:{port}/api/health?token={token}")[0]
    except OSError:
        return None  # not listening yet


def serve(config: Path, *args: str, stdout: int | None = subprocess.PIPE) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop", "serve", "--demo", "--port", str(port), *args],
        env=dict(os.environ, ACETRAY_CONFIG_DIR=str(config)),
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, port


def until_answering(proc: subprocess.Popen, port: int, token: str) -> None:
    deadline = time.monotonic() + 30
    while health_status(port, token) != 200:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "serve did not answer with its saved token"
        time.sleep(0.1)  # another process starting: nothing to wait on but its port


def saved_token(config: Path) -> str:
    deadline = time.monotonic() + 30
    while not (config / "settings.json").exists():  # written before the proxy starts
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return str(json.loads((config / "settings.json").read_text())["access_token"])


def stop(proc: subprocess.Popen) -> tuple[str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    return out or "", err or ""


def test_serve_lan_as_a_service_makes_one_token_and_writes_it_nowhere(tmp_path: Path) -> None:
    proc, port = serve(tmp_path, "--lan")
    try:
        token = saved_token(tmp_path)
        assert len(token) == 24
        until_answering(proc, port, token)  # the saved token is the running proxy's
        status, body = get(f"http://127.0.0.1:{port}/ace/getstream?id={CHANNEL}&token={token}")
        assert status == 200 and body[0] == 0x47  # a player streaming with it
        assert get(f"http://127.0.0.1:{port}/api/health?token=not-the-token-at-all-0")[0] == 401
    finally:
        out, err = stop(proc)
    assert token not in out and token not in err
    assert "LAN sharing is on: every device needs the access token" in err
    assert "`acetray serve --show-token` prints the link with it" in err

    # The next run keeps the same token: the links handed out stay good.
    proc, port = serve(tmp_path, "--lan")
    try:
        until_answering(proc, port, token)
    finally:
        out, err = stop(proc)
    assert token not in out + err


def test_show_token_prints_the_share_link_and_a_short_chosen_token_is_warned_about(tmp_path: Path) -> None:
    chosen = "Sixteen_chars_ok"
    proc, port = serve(tmp_path, "--lan", "--token", chosen, "--show-token")
    try:
        until_answering(proc, port, chosen)
    finally:
        out, err = stop(proc)
    assert f"LAN sharing is on: other devices open http://<this computer>:{port}/?token={chosen}" in out
    assert chosen not in err  # the log: still never the token
    assert "This access token has 16 characters; the ones AceTray makes have 24." in err


def test_a_terminal_is_shown_the_share_link_with_its_token(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    proc, port = serve(tmp_path, "--lan", stdout=follower)
    os.close(follower)
    try:
        token = saved_token(tmp_path)
        until_answering(proc, port, token)
        seen = b""
        while b"\n" not in seen.partition(b"LAN sharing is on")[2]:
            seen += os.read(leader, 4096)  # the line is printed before serve answers; read it whole
    finally:
        _out, err = stop(proc)
        os.close(leader)
    assert f"/?token={token}".encode() in seen
    assert token not in err
