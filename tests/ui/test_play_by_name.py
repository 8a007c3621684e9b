"""Play a channel by name from the tray: completion over the imported channels; the tray's channel menus
do what the acestream:// links setting says; Recent channels learns what players opened by URL."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop.launch import LaunchOptions
from desktop.settings import Settings
from desktop.ui.link_dialog import LinkDialog
from desktop.ui.player import PlayerSystem
from tests.fake_engine import DEFAULT_PACKETS
from tests.ports import free_port
from tests.ui.channel_fixtures import NEWS, SPORT, fake_player, write_playlist

posix_only = pytest.mark.skipif(sys.platform.startswith("win"), reason="uses a shell script as the player")

SPORT_131 = "5" * 40
SPORT_87 = "6" * 40
TELE = "7" * 40
NEWS_COPY = "8" * 40
NAMED = f"""#EXTM3U
#EXTINF:-1 group-title="Sport",Sport One
acestream://{SPORT}
#EXTINF:-1 group-title="Sport",Sport 131
acestream://{SPORT_131}
#EXTINF:-1 group-title="Sport",Sport 87
acestream://{SPORT_87}
#EXTINF:-1 group-title="Français",Télé Cinq
acestream://{TELE}
#EXTINF:-1 tvg-id="world.news" group-title="News",World News
acestream://{NEWS}
#EXTINF:-1 tvg-id="world.news.2" group-title="News again",World News
acestream://{NEWS_COPY}
"""  # two channels of one name: their tvg-ids differ (else they would be one channel of two sources)


def with_channels(make_controller, engine, qtbot, tmp_path: Path, **settings) -> object:
    playlist = write_playlist(tmp_path, NAMED)
    controller = make_controller(
        Settings(port=free_port(), **settings),
        engine_url=engine.url,
        options=LaunchOptions(playlists=(str(playlist),)),
        player_system=PlayerSystem(),
        tray=True,
    )
    qtbot.waitUntil(lambda: len(controller.channels.view.state.catalog) == 6, timeout=5000)
    return controller


def ask(controller, action) -> LinkDialog:
    QGuiApplication.clipboard().setText("")  # nothing to take from the clipboard: the dialog asks
    action.trigger()
    dialogs = [d for d in controller.dialogs.open if isinstance(d, LinkDialog)]
    assert dialogs
    return dialogs[-1]


def offered(dialog: LinkDialog) -> list[str]:
    model = dialog.completer.popup().model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def link(controller, content_id: str) -> str:
    return f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={content_id}"


@posix_only
def test_open_in_player_takes_a_name_typed_without_accents_and_plays_the_pick(make_controller, engine, qtbot, tmp_path):
    script, record = fake_player(tmp_path)
    controller = with_channels(make_controller, engine, qtbot, tmp_path, player_command=str(script))
    dialog = ask(controller, controller.actions.open_player)
    assert dialog.prompt.text() == "Channel name, AceStream link or content id:"
    qtbot.keyClicks(dialog.input, "tele")
    popup = dialog.completer.popup()
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    assert offered(dialog) == ["Télé Cinq  ·  Français"]
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert dialog.input.text() == "Télé Cinq"
    assert dialog.message.text() == "Channel Télé Cinq  ·  Français" and dialog.ok_button.isEnabled()
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: record.exists() and record.read_text().strip() != "", timeout=5000)
    assert record.read_text().splitlines() == [link(controller, TELE)]
    assert controller.window.statusBar().currentMessage().startswith("Opening Télé Cinq in the player")


def test_words_match_anywhere_in_natural_order_and_a_shared_name_asks_which(make_controller, engine, qtbot, tmp_path):
    controller = with_channels(make_controller, engine, qtbot, tmp_path)
    dialog = ask(controller, controller.actions.copy_link)
    qtbot.keyClicks(dialog.input, "SPORT")
    assert offered(dialog) == ["Sport 87  ·  Sport", "Sport 131  ·  Sport", "Sport One  ·  Sport"]
    assert "fits 3 channels: pick one" in dialog.message.text() and not dialog.ok_button.isEnabled()
    dialog.input.clear()
    qtbot.keyClicks(dialog.input, "one spo")  # every word, anywhere, any order
    assert offered(dialog) == ["Sport One  ·  Sport"]
    assert dialog.ok_button.isEnabled()  # one channel fits: that one

    dialog.input.clear()
    qtbot.keyClicks(dialog.input, "world news")
    assert dialog.message.text() == "2 channels are called “world news”: pick one from the list."
    assert not dialog.ok_button.isEnabled()
    popup = dialog.completer.popup()
    assert offered(dialog) == ["World News  ·  News", "World News  ·  News again"]
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Return):
        qtbot.keyClick(popup, key)
    assert dialog.message.text() == "Channel World News  ·  News again"
    dialog.ok_button.click()
    assert QGuiApplication.clipboard().text() == link(controller, NEWS_COPY)

    # Links and ids still do, and a name nobody has says what would.
    dialog = ask(controller, controller.actions.copy_link)
    qtbot.keyClicks(dialog.input, "no such channel")
    assert dialog.message.text().startswith("No channel is called “no such channel”.")
    dialog.input.setText(f"acestream://{SPORT_87}")
    assert dialog.message.text() == f"Channel Sport 87 ({SPORT_87})"
    dialog.ok_button.click()
    assert QGuiApplication.clipboard().text() == link(controller, SPORT_87)


@posix_only
@pytest.mark.parametrize("action", ["copy", "play"])
def test_favourites_and_recent_channels_both_do_what_the_acestream_links_setting_says(
    make_controller, engine, qtbot, tmp_path, action
):
    script, record = fake_player(tmp_path)
    controller = with_channels(make_controller, engine, qtbot, tmp_path, player_command=str(script), link_action=action)
    controller.channels.set_favourite(("id", SPORT_87), True)
    favourites = controller.actions.favourites_menu
    qtbot.waitUntil(lambda: [a.text() for a in favourites.actions()] == ["Sport 87"], timeout=3000)
    controller.links.copy_link_for(SPORT)  # Recent channels: Sport One
    recent = controller.actions.recent_menu
    assert [a.text() for a in recent.actions()] == ["Sport One"]
    verb = "Open in player" if action == "play" else "Copy stream link"
    assert favourites.actions()[0].toolTip() == f"{verb}: Sport 87"
    assert recent.actions()[0].toolTip() == f"{verb}: Sport One"

    for menu, title, content_id in ((favourites, "Sport 87", SPORT_87), (recent, "Sport One", SPORT)):
        QGuiApplication.clipboard().setText("")
        record.unlink(missing_ok=True)
        next(a for a in menu.actions() if a.text() == title).trigger()
        if action == "play":
            qtbot.waitUntil(lambda: record.exists() and record.read_text().strip() != "", timeout=5000)
            assert record.read_text().splitlines() == [link(controller, content_id)]
            assert QGuiApplication.clipboard().text() == ""
        else:
            assert QGuiApplication.clipboard().text() == link(controller, content_id)
            assert not record.exists()


def test_recent_channels_lists_a_channel_a_player_opened_by_its_own_url(
    make_controller, engine, players, qtbot, tmp_path
):
    controller = with_channels(make_controller, engine, qtbot, tmp_path)
    recent = controller.actions.recent_menu
    assert [a.text() for a in recent.actions()] == ["No channels yet"]
    players.start(link(controller, NEWS), 1, period=DEFAULT_PACKETS, user_agent="VLC/3.0.21 LibVLC/3.0.21")
    qtbot.waitUntil(lambda: [a.text() for a in recent.actions()] == ["World News"], timeout=5000)
    assert recent.actions()[0].data() == ("id", NEWS)
    assert controller.saved_settings.recent_channels == (NEWS,)  # kept for the next start too
