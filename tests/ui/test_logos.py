"""Channel logos: fetched only for the rows on screen, kept on disk within a bound, a placeholder otherwise."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QUrl
from PySide6.QtGui import QColor, QImage

from desktop.streaming.channels import Channel, ChannelsState, ChannelsView, PlaylistState
from desktop.ui.channels_view import ChannelsPane
from desktop.ui.logo_cache import LogoDiskCache
from desktop.ui.logos import LogoProvider

SOURCE = "http://lists.example/all.m3u"


def png(colour: str = "#3070c0", width: int = 64, height: int = 32) -> bytes:
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


class LogoSite:
    def __init__(self) -> None:
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                if self.path.startswith("/logo/"):
                    body, kind = png(), "image/png"
                elif self.path == "/page.png":
                    body, kind = b"<html>not an image</html>", "text/html"
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def logo_site() -> Iterator[LogoSite]:
    site = LogoSite()
    yield site
    site.close()


@pytest.fixture
def providers(qapp) -> Iterator[Callable[..., LogoProvider]]:
    """Logo providers deleted on this thread when the test ends (never by the collector elsewhere)."""
    made: list[LogoProvider] = []

    def make(cache: LogoDiskCache | None = None) -> LogoProvider:
        made.append(LogoProvider(cache))
        return made[-1]

    yield make
    for provider in made:
        if shiboken6.isValid(provider) and provider.parent() is None:
            provider.deleteLater()


def view_of(logos: list[str]) -> ChannelsView:
    channels = tuple(
        Channel(f"Channel {n}", f"Group {n % 7}", logo, "", "id", f"{n:040x}", SOURCE) for n, logo in enumerate(logos)
    )
    state = ChannelsState().with_playlist(SOURCE)
    state = state.with_update(PlaylistState(SOURCE, channels=channels, updated_at=1.0, checked_at=1.0))
    return ChannelsView(state, frozenset(), True)


def same_picture(a, b) -> bool:
    return a.toImage() == b.toImage()


def shown_pane(qtbot, provider: LogoProvider, view: ChannelsView) -> ChannelsPane:
    pane = ChannelsPane(provider)
    qtbot.addWidget(pane)
    provider.setParent(pane)  # QObjects go with a widget on this thread, never with the collector elsewhere
    pane.resize(700, 420)
    pane.show_view(view)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def test_only_the_logos_on_screen_are_fetched_and_the_next_run_reads_them_from_disk(
    qtbot, logo_site, tmp_path, providers
):
    urls = [f"{logo_site.base}/logo/{n}.png" for n in range(300)]
    view = view_of(urls)
    provider = providers(LogoDiskCache(tmp_path / "logos"))
    pane = shown_pane(qtbot, provider, view)
    qtbot.waitUntil(lambda: bool(logo_site.requests) and not provider.is_pending(), timeout=5000)
    fetched = len(logo_site.requests)
    visible = pane.table.viewport().height() // pane.table.rowHeight(0) + 1
    assert 0 < fetched <= visible + 2, f"{fetched} logos fetched for {visible} rows on screen"
    assert not same_picture(provider.pixmap(urls[0], "Channel 0"), provider.placeholder("Channel 0"))
    assert len(list((tmp_path / "logos").iterdir())) == fetched

    pane.table.scrollToBottom()  # scrolling shows other rows: their logos come now
    qtbot.waitUntil(lambda: f"/logo/{299}.png" in logo_site.requests and not provider.is_pending(), timeout=5000)

    logo_site.requests.clear()
    again = providers(LogoDiskCache(tmp_path / "logos"))
    _second = shown_pane(qtbot, again, view)  # kept: the provider lives as its child
    qtbot.waitUntil(
        lambda: not same_picture(again.pixmap(urls[0], "Channel 0"), again.placeholder("Channel 0")), timeout=5000
    )
    assert logo_site.requests == []  # from the disk cache, not the network


def test_a_missing_or_broken_logo_keeps_a_placeholder_and_is_not_asked_again(qtbot, logo_site, tmp_path, providers):
    urls = [
        f"{logo_site.base}/gone.png",
        f"{logo_site.base}/page.png",
        QUrl.fromLocalFile(str(tmp_path / "nowhere.png")).toString(),
        "ftp://logos.example/x.png",
        "",
    ]
    provider = providers(LogoDiskCache(tmp_path / "logos"))
    for url in urls:
        provider.pixmap(url, "Sport")
    qtbot.waitUntil(lambda: not provider.is_pending(), timeout=5000)
    for url in urls:
        assert same_picture(provider.pixmap(url, "Sport"), provider.placeholder("Sport"))
    qtbot.wait(50)  # would any of them be asked for again? (nothing to wait on: nothing should happen)
    assert sorted(logo_site.requests) == ["/gone.png", "/page.png"]
    assert not (tmp_path / "logos").exists() or not list((tmp_path / "logos").iterdir())


def test_a_local_logo_file_is_shown_scaled_into_the_row(qtbot, tmp_path, providers):
    path = tmp_path / "wide.png"
    path.write_bytes(png(width=200, height=50))
    provider = providers()
    url = QUrl.fromLocalFile(str(path)).toString()
    provider.pixmap(url, "Wide")
    qtbot.waitUntil(lambda: not provider.is_pending(), timeout=3000)
    shown = provider.pixmap(url, "Wide")
    assert shown.size() == provider.size
    assert not same_picture(shown, provider.placeholder("Wide"))


def test_placeholders_show_the_initial_and_differ_between_channels(providers):
    provider = providers()
    assert provider.placeholder("Sport One").size() == provider.size
    assert not same_picture(provider.placeholder("Sport One"), provider.placeholder("News 24"))
    assert provider.placeholder("Sport One") is provider.placeholder("Sport One")  # drawn once


def test_the_disk_cache_stays_within_its_bound_dropping_the_least_recently_used(tmp_path: Path):
    cache = LogoDiskCache(tmp_path, max_bytes=10_000)
    for n, name in enumerate("abc"):
        cache.write(name, bytes(3000))
        os.utime(cache.path_for(name), (1000 + n, 1000 + n))  # a oldest, c newest
    assert cache.read("a") == bytes(3000)  # looked at now: the most recently used
    cache.write("d", bytes(3000))  # 12,000 bytes: over the bound
    kept = {name for name in "abcd" if cache.path_for(name).exists()}
    assert kept == {"a", "d"}
    assert cache.total() <= 10_000 * 3 // 4
