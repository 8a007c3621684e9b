"""A channel's sources in the Channels tab: listed once, reordered, one detached, another added; kept on disk."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from desktop.launch import LaunchOptions
from desktop.ui.sources_dialog import SourcesDialog
from tests.ui.channel_fixtures import names, write_playlist

SPORT, SPORT_HD, SPORT_BACKUP, NEWS = (f"{n:040x}" for n in (0xC1, 0xC2, 0xC3, 0xD1))
GROUPED = f"""#EXTM3U
#EXTINF:-1 group-title="Sport",Sport 1
acestream://{SPORT}
#EXTINF:-1 group-title="Sport",Sport 1 HD
acestream://{SPORT_HD}
#EXTINF:-1 group-title="News",News 24
acestream://{NEWS}
#EXTINF:-1 group-title="Backups",Sport 1 (backup)
acestream://{SPORT_BACKUP}
"""


def listed(dialog: SourcesDialog) -> list[str]:
    return [dialog.list.item(n).data(Qt.ItemDataRole.UserRole)[1] for n in range(dialog.list.count())]


def test_reorder_detach_and_add_a_source_in_the_channels_tab(
    make_controller, engine, qtbot, tmp_path: Path, private_config_dir
) -> None:
    playlist = write_playlist(tmp_path, GROUPED)
    controller = make_controller(engine_url=engine.url, options=LaunchOptions(playlists=(str(playlist),)))
    pane = controller.channels.pane
    qtbot.waitUntil(lambda: names(pane.model) == ["Sport 1", "News 24"], timeout=5000)  # Sport 1 listed once
    sport = pane.model.channel_at(0)
    menu = pane.context_menu(sport)
    next(a for a in menu.actions() if a.text() == "Sources (3)…").trigger()
    dialog = controller.dialogs.all_of(SourcesDialog)[-1]
    assert dialog.windowTitle() == "Sources of Sport 1"
    assert listed(dialog) == [SPORT, SPORT_HD, SPORT_BACKUP]

    dialog.list.setCurrentRow(2)
    qtbot.mouseClick(dialog.up, Qt.MouseButton.LeftButton)  # the backup before the HD link
    qtbot.waitUntil(lambda: listed(dialog) == [SPORT, SPORT_BACKUP, SPORT_HD], timeout=5000)
    assert dialog.list.currentRow() == 1  # the moved source stays chosen: another click moves it on

    dialog.list.setCurrentRow(2)
    qtbot.mouseClick(dialog.detach, Qt.MouseButton.LeftButton)  # the HD link: a channel of its own
    qtbot.waitUntil(lambda: listed(dialog) == [SPORT, SPORT_BACKUP], timeout=5000)
    qtbot.waitUntil(lambda: names(pane.model) == ["Sport 1", "Sport 1 HD", "News 24"], timeout=5000)

    qtbot.keyClicks(dialog.search, "news")
    assert [dialog.others.item(n).text().split("  ·  ")[0] for n in range(dialog.others.count())] == ["News 24"]
    qtbot.mouseClick(dialog.add, Qt.MouseButton.LeftButton)  # News 24's link becomes Sport 1's last source
    qtbot.waitUntil(lambda: listed(dialog) == [SPORT, SPORT_BACKUP, NEWS], timeout=5000)
    qtbot.waitUntil(lambda: names(pane.model) == ["Sport 1", "Sport 1 HD"], timeout=5000)
    assert dialog.message.text() == ""

    def kept() -> dict[str, object]:  # for the next start: written just after the view shows it
        path = private_config_dir / "channel_sources.json"
        return json.loads(path.read_text()) if path.exists() else {}

    qtbot.waitUntil(lambda: kept().get("attached") == [[["id", NEWS], ["id", SPORT]]], timeout=5000)
    assert kept()["detached"] == [["id", SPORT_HD]]
    assert kept()["order"] == [[["id", SPORT], [["id", SPORT], ["id", SPORT_BACKUP], ["id", SPORT_HD]]]]


def test_a_playlist_counts_its_channels_as_the_channels_tab_lists_them(
    make_controller, engine, qtbot, tmp_path: Path
) -> None:
    playlist = write_playlist(tmp_path, GROUPED)  # 4 links, 2 channels: Sport 1 has two backups
    controller = make_controller(engine_url=engine.url, options=LaunchOptions(playlists=(str(playlist),)))
    pane = controller.channels.pane
    qtbot.waitUntil(lambda: names(pane.model) == ["Sport 1", "News 24"], timeout=5000)
    dialog = controller.channels.open_playlists()
    count = dialog.table.item(0, 1)
    assert (count.text(), count.toolTip()) == ("2", "4 links: a channel with backup links counts once")
    menu = pane.context_menu(pane.model.channel_at(1))  # News 24
    assert [a.text() for a in menu.actions() if a.text()][-1] == f"Check links in {playlist.name} (2 channels)"


def test_adding_a_playlist_says_how_many_channels_its_links_make(
    make_controller, engine, qtbot, tmp_path: Path
) -> None:
    playlist = write_playlist(tmp_path, GROUPED)
    controller = make_controller(engine_url=engine.url)
    dialog = controller.channels.open_playlists()
    dialog.address.setText(str(playlist))
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Added"), timeout=5000)
    assert dialog.message.text() == f"Added {playlist.name}: 2 channels from 4 links."  # as the tab lists them
