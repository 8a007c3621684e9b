"""`acetray serve --playlist SOURCE`, end to end: a real process, a file and a URL served by the test."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from desktop.streaming.logos import logo_id
from tests.logo_site import png
from tests.ports import free_port
from tests.test_e2e_player import wait_for_health

ROOT = Path(__file__).resolve().parents[2]
SPORT = "1111111111111111111111111111111111111111"
NEWS = "2222222222222222222222222222222222222222"
FILM = "3333333333333333333333333333333333333333"
MUSIC = "4444444444444444444444444444444444444444"

FILE_PLAYLIST = f"""#EXTM3U
#EXTINF:-1 tvg-id="sport.one" tvg-logo="http://logos.example/sport.png" group-title="Sport",Sport One
acestream://{SPORT}
#EXTINF:-1 group-title="News",News 24, live
{NEWS}
#EXTINF:-1,Not AceStream
http://tv.example/live.m3u8
"""

URL_PLAYLIST = f"""#EXTM3U
#EXTINF:-1 group-title="Films",Film Four
http://127.0.0.1:6878/ace/getstream?id={FILM}
#EXTINF:-1 group-title="Music",Music by infohash
infohash://{MUSIC}
"""


@pytest.fixture
def playlist_site() -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 answering /list.m3u (and a logo, /sport.png)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/sport.png":
                body, kind = png(), "image/png"
            elif self.path == "/list.m3u":
                body, kind = URL_PLAYLIST.encode(), "audio/x-mpegurl"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/list.m3u"
    server.shutdown()
    server.server_close()


def get_json(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
        assert resp.status == 200
        return json.load(resp)


def poll(fetch: Callable[[], Any], done: Callable[[Any], bool], proc: subprocess.Popen, timeout: float = 20.0) -> Any:
    """Ask another process until it says what we wait for (there is no event to wait on across processes)."""
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, "acetray serve exited early"
        value = fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never came: {value!r}")
        time.sleep(0.1)


def start_serve(tmp_path: Path, *args: str) -> tuple[int, subprocess.Popen]:
    port = free_port()
    env = dict(os.environ, ACETRAY_CONFIG_DIR=str(tmp_path / "config"), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop", "serve", "--demo", "--port", str(port), *args],
        cwd=tmp_path,  # the relative --playlist path is read from here
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return port, proc


UNKNOWN = {"state": "unknown", "checked_at": None, "peers": None, "speed_kbps": None, "reason": None}


def test_serve_lists_the_channels_of_a_file_and_a_url_and_names_the_one_playing(tmp_path: Path, playlist_site: str):
    (tmp_path / "mine.m3u").write_text(FILE_PLAYLIST, encoding="utf-8")
    port, proc = start_serve(tmp_path, "--playlist", "mine.m3u", "--playlist", playlist_site)
    player = None
    try:
        wait_for_health(port, proc)
        listing = poll(
            lambda: get_json(port, "/api/channels"),
            lambda value: len(value["playlists"]) == 2 and all(p["updated_at"] for p in value["playlists"]),
            proc,
        )
        by_name = {c["name"]: c for c in listing["channels"]}
        assert list(by_name) == ["Sport One", "News 24, live", "Film Four", "Music by infohash"]
        assert by_name["Sport One"] == {
            "number": "1",
            "name": "Sport One",
            "group": "Sport",
            "logo": "http://logos.example/sport.png",
            "logo_url": "/logo/" + logo_id("http://logos.example/sport.png"),
            "tvg_id": "sport.one",
            "id": SPORT,
            "kind": "id",
            "favourite": False,
            "playlist": str(tmp_path / "mine.m3u"),
            "sources": [{"id": SPORT, "kind": "id", "playlist": str(tmp_path / "mine.m3u"), "health": UNKNOWN}],
        }
        assert by_name["Music by infohash"]["kind"] == "infohash"
        assert by_name["Film Four"]["playlist"] == playlist_site
        assert [(p["source"], p["channels"], p["skipped"], p["streams"], p["error"]) for p in listing["playlists"]] == [
            (str(tmp_path / "mine.m3u"), 2, 0, 1, None),
            (playlist_site, 2, 0, 0, None),
        ]
        assert [c["number"] for c in listing["channels"]] == ["1", "2", "3", "4"]

        player = socket.create_connection(("127.0.0.1", port), timeout=20)
        player.sendall(f"GET /ace/getstream?id={SPORT} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        assert player.recv(65536).startswith(b"HTTP/1.1 200")
        streams = get_json(port, "/api/streams")["streams"]
        assert [(s["content_id"], s["name"], s["group"], s["logo"]) for s in streams] == [
            (SPORT, "Sport One", "Sport", "http://logos.example/sport.png")
        ]
    finally:
        if player is not None:
            player.close()
        proc.terminate()
        _out, log = proc.communicate(timeout=10)
    assert proc.returncode == 0, log
    assert "Playlist mine.m3u updated: 2 channels. 1 plain stream is passed on as it is." in log
    assert "Sport One] Starting channel" in log
    # For this run only: nothing of them is written to the saved playlists.
    saved = json.loads((tmp_path / "config" / "playlists.json").read_text())
    assert saved["playlists"] == []


def get_logo(port: int, logo: str) -> tuple[str, bytes]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/logo/{logo_id(logo)}", timeout=15) as resp:
        return resp.headers["Content-Type"], resp.read()


def test_serve_serves_the_logos_its_playlists_name_from_the_web_and_a_local_file(tmp_path: Path, playlist_site: str):
    web_logo = playlist_site.replace("/list.m3u", "/sport.png")
    (tmp_path / "news.png").write_bytes(png(rgb=(200, 40, 40)))
    (tmp_path / "mine.m3u").write_text(
        f'#EXTM3U\n#EXTINF:-1 tvg-logo="{web_logo}",Sport One\nacestream://{SPORT}\n'
        f'#EXTINF:-1 tvg-logo="news.png",News\nacestream://{NEWS}\n',
        encoding="utf-8",
    )
    port, proc = start_serve(tmp_path, "--playlist", "mine.m3u")
    try:
        wait_for_health(port, proc)
        poll(lambda: get_json(port, "/api/channels"), lambda value: len(value["channels"]) == 2, proc)
        assert get_logo(port, web_logo) == ("image/png", png())
        assert get_logo(port, "news.png") == ("image/png", png(rgb=(200, 40, 40)))  # beside the playlist
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_a_stream_not_in_any_playlist_has_no_name(tmp_path: Path):
    port, proc = start_serve(tmp_path)
    player = None
    try:
        wait_for_health(port, proc)
        assert get_json(port, "/api/channels") == {"channels": [], "playlists": []}
        player = socket.create_connection(("127.0.0.1", port), timeout=20)
        player.sendall(f"GET /ace/getstream?id={FILM} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        assert player.recv(65536).startswith(b"HTTP/1.1 200")
        (stream,) = get_json(port, "/api/streams")["streams"]
        assert (stream["name"], stream["group"], stream["logo"]) == (None, None, None)
    finally:
        if player is not None:
            player.close()
        proc.terminate()
        proc.communicate(timeout=10)


def test_serve_refuses_a_playlist_address_it_cannot_read(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "serve", "--demo", "--playlist", "ftp://example.org/list.m3u"],
        cwd=tmp_path,
        env=dict(os.environ, ACETRAY_CONFIG_DIR=str(tmp_path), PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "--playlist: Only http, https and local files can be playlists" in result.stderr


def test_a_playlist_that_fails_keeps_serve_running_and_says_why(tmp_path: Path):
    port, proc = start_serve(tmp_path, "--playlist", "missing.m3u")
    try:
        wait_for_health(port, proc)
        listing = poll(lambda: get_json(port, "/api/channels"), lambda value: value["playlists"][0]["error"], proc)
        assert listing["channels"] == []
        assert "missing.m3u" in listing["playlists"][0]["error"]
    finally:
        proc.terminate()
        _out, log = proc.communicate(timeout=10)
    assert "Playlist missing.m3u:" in log
