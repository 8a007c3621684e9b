"""Channel logos in the tray's Channels tab: asked of the core only for the rows on screen, the
channel's initial while missing — and a playlist's logos can never freeze the window."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QTimer

from desktop.launch import LaunchOptions
from desktop.streaming.channels import Channel, ChannelsState, ChannelsView, PlaylistState
from desktop.streaming.logos import logo_id
from desktop.ui.channels_view import ChannelsPane
from desktop.ui.logos import LogoProvider
from tests.logo_site import LogoSite, png
from tests.ui.channel_fixtures import FILM, MUSIC, NEWS, SPORT
from tests.ui.helpers import BackgroundLoop

SOURCE = "http://lists.example/all.m3u"


class FakeCore:
    """Stands in for `CoreHost.request_logo`: records what is asked; answers when told to, or
    with `every` for each (a turn of the event loop later, as the core's answer comes)."""

    def __init__(self, provider: LogoProvider, every: bytes | None = None) -> None:
        self.asked: list[str] = []
        self.provider = provider
        self._every = every
        provider.attach(self._request)

    def _request(self, logo_id: str) -> None:
        self.asked.append(logo_id)
        if self._every is not None:
            QTimer.singleShot(0, self.provider, lambda: self.answer(logo_id, self._every))

    def answer(self, logo_id: str, data: bytes | None) -> None:
        self.provider.deliver(logo_id, data)


@pytest.fixture
def providers(qapp) -> Iterator[Callable[[], LogoProvider]]:
    """Logo providers deleted on this thread when the test ends (never by the collector elsewhere)."""
    made: list[LogoProvider] = []

    def make() -> LogoProvider:
        made.append(LogoProvider())
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


def test_only_the_logos_on_screen_are_asked_for_and_scrolling_asks_for_the_others(qtbot, providers):
    urls = [f"http://logos.example/{n}.png" for n in range(300)]
    provider = providers()
    core = FakeCore(provider, every=png())
    pane = shown_pane(qtbot, provider, view_of(urls))
    qtbot.waitUntil(lambda: bool(core.asked) and not provider.is_pending(), timeout=5000)
    visible = pane.table.viewport().height() // pane.table.rowHeight(0) + 1
    assert 0 < len(core.asked) <= visible + 2, f"{len(core.asked)} logos asked for {visible} rows on screen"
    assert not same_picture(provider.pixmap(logo_id(urls[0]), "Channel 0"), provider.placeholder("Channel 0"))

    pane.table.scrollToBottom()  # scrolling shows other rows: their logos are asked for now
    qtbot.waitUntil(lambda: logo_id(urls[299]) in core.asked, timeout=5000)


def test_a_logo_that_does_not_come_keeps_the_initial_and_is_not_asked_again(qtbot, providers):
    provider = providers()
    core = FakeCore(provider)
    missing, not_a_picture = logo_id("http://logos.example/gone.png"), logo_id("http://logos.example/page.png")
    for asked in (missing, not_a_picture, None):
        provider.pixmap(asked, "Sport")
    qtbot.waitUntil(lambda: len(core.asked) == 2, timeout=3000)
    core.answer(missing, None)
    core.answer(not_a_picture, b"<html>not a picture</html>")
    qtbot.waitUntil(lambda: not provider.is_pending(), timeout=3000)
    for asked in (missing, not_a_picture, None):
        assert same_picture(provider.pixmap(asked, "Sport"), provider.placeholder("Sport"))
    assert not provider.is_pending()  # asked for again, they would be pending
    assert sorted(core.asked) == sorted([missing, not_a_picture])


def test_a_logo_is_shown_scaled_into_the_row(qtbot, providers):
    provider = providers()
    core = FakeCore(provider)
    wide = logo_id("http://logos.example/wide.png")
    provider.pixmap(wide, "Wide")
    qtbot.waitUntil(lambda: core.asked == [wide], timeout=3000)
    core.answer(wide, png(width=200, height=50))
    qtbot.waitUntil(lambda: not provider.is_pending(), timeout=3000)
    shown = provider.pixmap(wide, "Wide")
    assert shown.size() == provider.size
    assert not same_picture(shown, provider.placeholder("Wide"))


def test_placeholders_show_the_initial_and_differ_between_channels(providers):
    provider = providers()
    assert provider.placeholder("Sport One").size() == provider.size
    assert not same_picture(provider.placeholder("Sport One"), provider.placeholder("News 24"))
    assert provider.placeholder("Sport One") is provider.placeholder("Sport One")  # drawn once


# -- the real app: the core fetches, the window only paints ------------------------------------------
@pytest.fixture
def logo_site(background: BackgroundLoop) -> Iterator[LogoSite]:
    site = background.run(LogoSite().start())
    yield site
    background.run(site.stop())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and /dev files are POSIX's")
def test_a_playlist_naming_a_terminal_and_a_fifo_as_logos_does_not_freeze_the_window(
    make_controller, engine, logo_site, qtbot, tmp_path: Path
):
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)  # no writer: a plain open() for reading waits forever
    (tmp_path / "local.png").write_bytes(png(rgb=(220, 60, 60)))
    web, trickle = f"{logo_site.base}/logo/sport.png", f"{logo_site.base}/trickle/news"
    rows = [
        ("Sport One", SPORT, web),
        ("Terminal", NEWS, "/dev/ptmx"),
        ("Pipe", FILM, str(fifo)),
        ("Local file", MUSIC, "local.png"),  # beside the playlist
        ("Trickle", "5" * 40, trickle),  # a byte every 0.2 s: still coming while the others are shown
    ]
    playlist = tmp_path / "mine.m3u"
    playlist.write_text(
        "#EXTM3U\n" + "".join(f'#EXTINF:-1 tvg-logo="{logo}",{name}\nacestream://{cid}\n' for name, cid, logo in rows),
        encoding="utf-8",
    )
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(len(ticks)))
    timer.start()

    controller = make_controller(engine_url=engine.url, options=LaunchOptions(playlists=(str(playlist),)))
    pane = controller.channels.pane
    controller.window.tabs.setCurrentWidget(pane)
    qtbot.waitUntil(lambda: pane.model.rowCount() == len(rows), timeout=5000)
    provider = pane.model.logos
    assert provider is not None

    def shown(name: str, logo: str) -> bool:
        return not same_picture(provider.pixmap(logo_id(logo), name), provider.placeholder(name))

    # The rows are painted; the web logo and the local file's come through the core.
    qtbot.waitUntil(lambda: shown("Sport One", web) and shown("Local file", "local.png"), timeout=10_000)
    # The terminal and the pipe, asked for in the same paint, are answered "no logo": initials stay.
    qtbot.waitUntil(
        lambda: not provider.is_pending(logo_id("/dev/ptmx")) and not provider.is_pending(logo_id(str(fifo))),
        timeout=10_000,
    )
    assert not shown("Terminal", "/dev/ptmx") and not shown("Pipe", str(fifo))
    # And all along the window's event loop kept turning: the timer still fires.
    seen = len(ticks)
    qtbot.waitUntil(lambda: len(ticks) >= seen + 5, timeout=5000)
    timer.stop()
