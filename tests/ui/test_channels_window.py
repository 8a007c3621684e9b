"""The Channels tab as a person uses it: add a playlist, search, star, double-click, the tray's Favourites."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop import paths
from desktop.settings import Settings
from desktop.streaming.channels import ChannelsView
from desktop.ui.channels_model import GROUP, NAME, STAR
from desktop.ui.player import PlayerSystem
from desktop.ui.playlists_dialog import PlaylistsDialog
from tests.ports import free_port
from tests.ui.channel_fixtures import (
    FILM,
    MUSIC,
    NEWS,
    SPORT,
    click_cell,
    fake_player,
    names,
    write_playlist,
)

posix_only = pytest.mark.skipif(sys.platform.startswith("win"), reason="uses a shell script as the player")


def add_through_the_dialog(controller, qtbot, *sources: str) -> PlaylistsDialog:
    dialog = controller.channels.open_playlists()
    for source in sources:
        dialog.address.setText(source)
        dialog.add_button.click()
    return dialog


def with_playlist(make_controller, engine, qtbot, tmp_path: Path, settings: Settings | None = None, **kwargs):
    controller = make_controller(settings, engine_url=engine.url, **kwargs)
    dialog = add_through_the_dialog(controller, qtbot, str(write_playlist(tmp_path)))
    qtbot.waitUntil(lambda: controller.channels.pane.model.rowCount() == 4, timeout=5000)
    qtbot.waitUntil(lambda: "Added mine.m3u" in dialog.message.text(), timeout=5000)  # the add is over
    dialog.close()
    return controller


def test_a_playlist_added_in_the_dialog_fills_the_list_with_names_and_groups(make_controller, engine, qtbot, tmp_path):
    controller = make_controller(engine_url=engine.url)
    pane = controller.channels.pane
    assert pane.stack.currentIndex() == 0 and "No channels yet" in pane.placeholder.text()
    assert not pane.add_button.isHidden()
    dialog = add_through_the_dialog(controller, qtbot, str(write_playlist(tmp_path)))
    qtbot.waitUntil(lambda: pane.model.rowCount() == 4, timeout=5000)
    assert names(pane.model) == ["Sport One", "World News", "Film Four", "Music by infohash"]
    assert [pane.model.data(pane.model.index(r, GROUP)) for r in range(4)] == ["Sport", "News", "Films", "Music"]
    tabs = controller.window.tabs
    assert tabs.tabText(tabs.indexOf(pane)) == "Channels (4)"
    qtbot.waitUntil(lambda: "Added mine.m3u: 4 channels." in dialog.message.text(), timeout=3000)
    row = dialog.table
    assert [row.item(0, c).text() for c in range(4)] == ["mine.m3u", "4", "0", "just now"]
    assert row.item(0, 4).text() == "Up to date."


def test_the_tray_app_takes_playlists_for_this_run_from_the_command_line(make_controller, engine, qtbot, tmp_path):
    from desktop.launch import LaunchOptions

    source = str(write_playlist(tmp_path))
    controller = make_controller(engine_url=engine.url, options=LaunchOptions(playlists=(source,)))
    pane = controller.channels.pane
    # The rows come with the refresh's result; the refresh itself ends a moment later (its files are written).
    qtbot.waitUntil(lambda: pane.model.rowCount() == 4 and not controller.channels.view.refreshing, timeout=5000)
    dialog = controller.channels.open_playlists()
    assert dialog.table.item(0, 4).text() == "Up to date. For this run only (--playlist): not saved."
    saved = json.loads((paths.config_dir() / "playlists.json").read_text())
    assert saved["playlists"] == []


def test_search_filters_by_name_and_group_as_you_type(make_controller, engine, qtbot, tmp_path):
    controller = with_playlist(make_controller, engine, qtbot, tmp_path)
    pane = controller.channels.pane
    qtbot.keyClicks(pane.search, "fil")
    assert names(pane.model) == ["Film Four"]
    pane.search.setText("NEWS")  # the group "News" and the name "World News", any case
    assert names(pane.model) == ["World News"]
    pane.search.setText("music infohash")  # every word must match
    assert names(pane.model) == ["Music by infohash"]
    pane.search.setText("nothing like this")
    assert pane.stack.currentIndex() == 0 and "No channel matches “nothing like this”" in pane.placeholder.text()
    pane.search.clear()
    pane.group.setCurrentIndex(pane.group.findData("Sport"))
    assert names(pane.model) == ["Sport One"]
    assert pane.count.text() == "1 of 4 channels"


def test_sorting_by_a_column_header(make_controller, engine, qtbot, tmp_path):
    controller = with_playlist(make_controller, engine, qtbot, tmp_path)
    table = controller.channels.pane.table
    table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
    assert names(table.model()) == ["Film Four", "Music by infohash", "Sport One", "World News"]
    table.sortByColumn(GROUP, Qt.SortOrder.DescendingOrder)
    assert names(table.model()) == ["Sport One", "World News", "Music by infohash", "Film Four"]


def test_clicking_a_star_makes_a_favourite_that_persists_and_is_in_the_tray_menu(
    make_controller, engine, qtbot, tmp_path
):
    controller = with_playlist(make_controller, engine, qtbot, tmp_path, tray=True)
    pane = controller.channels.pane
    controller.show_window()
    controller.window.tabs.setCurrentWidget(pane)
    row = pane.model.row_of(("id", NEWS))
    assert pane.model.data(pane.model.index(row, STAR)) == "☆"
    click_cell(qtbot, pane.table, row, STAR)
    qtbot.waitUntil(lambda: pane.model.data(pane.model.index(row, STAR)) == "★", timeout=3000)
    # The star shows as soon as the core's view says so; the file is written right after (off the loop).
    favourites = paths.config_dir() / "favourites.json"
    qtbot.waitUntil(lambda: favourites.exists() and NEWS in favourites.read_text(), timeout=3000)
    assert ["id", NEWS] in json.loads(favourites.read_text())["favourites"]
    menu = controller.actions.favourites_menu
    assert [(a.text(), a.data()) for a in menu.actions()] == [("World News", ("id", NEWS))]

    pane.favourites_only.setChecked(True)
    assert names(pane.model) == ["World News"]
    click_cell(qtbot, pane.table, 0, STAR)  # and off again
    qtbot.waitUntil(lambda: pane.model.rowCount() == 0, timeout=3000)
    assert "No favourites yet" in pane.placeholder.text()
    assert [a.isEnabled() for a in menu.actions()] == [False]


def test_favourites_are_there_at_the_next_start(make_controller, engine, qtbot, tmp_path):
    first = with_playlist(make_controller, engine, qtbot, tmp_path)
    first.channels.set_favourite(("id", FILM), True)
    qtbot.waitUntil(lambda: ("id", FILM) in first.channels.view.state.favourites, timeout=3000)
    with qtbot.waitSignal(first.finished, timeout=5000):
        first.request_quit()
    second = make_controller(engine_url=engine.url)
    model = second.channels.pane.model
    qtbot.waitUntil(lambda: model.rowCount() == 4, timeout=5000)
    assert model.data(model.index(model.row_of(("id", FILM)), STAR)) == "★"


@posix_only
def test_double_click_opens_the_channel_in_the_configured_player(make_controller, engine, qtbot, tmp_path):
    script, record = fake_player(tmp_path)
    settings = Settings(port=free_port(), player_command=f"{script} --fullscreen")
    controller = with_playlist(make_controller, engine, qtbot, tmp_path, settings, player_system=PlayerSystem())
    pane = controller.channels.pane
    controller.show_window()
    controller.window.tabs.setCurrentWidget(pane)
    click_cell(qtbot, pane.table, pane.model.row_of(("id", SPORT)), NAME, double=True)
    qtbot.waitUntil(lambda: record.exists() and record.read_text().count("\n") == 2, timeout=5000)
    assert record.read_text().splitlines() == [
        "--fullscreen",
        f"http://127.0.0.1:{settings.port}/ace/getstream?id={SPORT}",
    ]
    assert controller.window.statusBar().currentMessage().startswith("Opening Sport One in the player")
    # Recent channels names it.
    recent = [a for a in controller.actions.recent_menu.actions() if a.data()]
    assert [(a.text(), a.data()) for a in recent] == [("Sport One", ("id", SPORT))]

    record.unlink()
    click_cell(qtbot, pane.table, pane.model.row_of(("infohash", MUSIC)), NAME, double=True)
    qtbot.waitUntil(lambda: record.exists() and record.read_text().count("\n") == 2, timeout=5000)
    assert record.read_text().splitlines()[1].endswith(f"/ace/getstream?infohash={MUSIC}")


@posix_only
def test_one_click_on_a_tray_favourite_starts_it_in_the_player(make_controller, engine, qtbot, tmp_path):
    script, record = fake_player(tmp_path)
    settings = Settings(port=free_port(), player_command=str(script), link_action="play")
    controller = with_playlist(
        make_controller, engine, qtbot, tmp_path, settings, tray=True, player_system=PlayerSystem()
    )
    controller.channels.set_favourite(("id", FILM), True)
    menu = controller.actions.favourites_menu
    qtbot.waitUntil(lambda: [a.text() for a in menu.actions()] == ["Film Four"], timeout=3000)
    assert menu in [a.menu() for a in controller.tray.menu.actions() if a.menu()]
    menu.actions()[0].trigger()
    qtbot.waitUntil(lambda: record.exists() and record.read_text().strip() != "", timeout=5000)
    assert record.read_text().splitlines() == [f"http://127.0.0.1:{settings.port}/ace/getstream?id={FILM}"]


def test_the_context_menu_copies_the_link_and_changes_the_favourite(make_controller, engine, qtbot, tmp_path):
    controller = with_playlist(make_controller, engine, qtbot, tmp_path)
    pane = controller.channels.pane
    channel = pane.model.channel_at(pane.model.row_of(("infohash", MUSIC)))
    menu = pane.context_menu(channel)
    labels = [a.text() for a in menu.actions() if a.text()]
    assert labels[:4] == ["Open in player", "Copy stream link", "Change number…", "Add to favourites"]
    next(a for a in menu.actions() if a.text() == "Copy stream link").trigger()
    assert QGuiApplication.clipboard().text() == (
        f"http://127.0.0.1:{controller.settings.port}/ace/getstream?infohash={MUSIC}"
    )
    next(a for a in menu.actions() if a.text() == "Add to favourites").trigger()
    qtbot.waitUntil(lambda: channel.key in controller.channels.view.state.favourites, timeout=3000)
    again = pane.context_menu(channel)
    assert "Remove from favourites" in [a.text() for a in again.actions()]


def test_a_playing_channel_is_named_in_the_streams_table_events_and_tray(
    make_controller, engine, players, qtbot, tmp_path
):
    from tests.fake_engine import DEFAULT_PACKETS

    controller = with_playlist(make_controller, engine, qtbot, tmp_path, tray=True)
    base = f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id="
    players.start(base + SPORT, 2, period=DEFAULT_PACKETS)
    window = controller.window
    qtbot.waitUntil(
        lambda: window.streams_model.rowCount() == 1 and controller.snapshot.player_count == 2, timeout=8000
    )
    assert window.streams_model.data(window.streams_model.index(0, 0)) == "Sport One"
    assert "[Sport One] Starting channel" in "\n".join(window.events_model.texts())
    assert controller.tray.status.tooltip == "AceTray — 1 stream, 2 players\nSport One: 2 players"
    pane = controller.channels.pane
    font = pane.model.data(pane.model.index(pane.model.row_of(("id", SPORT)), NAME), 6)  # FontRole
    assert font is not None and font.bold()


def test_the_dialog_says_what_went_wrong_and_keeps_the_previous_channels(make_controller, engine, qtbot, tmp_path):
    controller = with_playlist(make_controller, engine, qtbot, tmp_path)
    dialog = add_through_the_dialog(controller, qtbot, "ftp://example.org/list.m3u")
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=3000)
    assert "Only http, https and local files can be playlists" in dialog.message.text()

    (tmp_path / "mine.m3u").unlink()
    dialog.table.selectRow(0)
    dialog.refresh_button.click()
    qtbot.waitUntil(lambda: "mine.m3u:" in dialog.message.text(), timeout=5000)
    status = dialog.table.item(0, 4).text()
    assert (
        status == f"The file {tmp_path / 'mine.m3u'} does not exist. The last good copy (4 channels, just now) is kept."
    )
    assert controller.channels.pane.model.rowCount() == 4  # nothing lost

    dialog.remove_button.click()
    qtbot.waitUntil(lambda: controller.channels.pane.model.rowCount() == 0, timeout=3000)
    # The list empties when the core's view arrives; the dialog says so once the removal is saved.
    qtbot.waitUntil(lambda: "Removed mine.m3u" in dialog.message.text(), timeout=3000)
    assert dialog.table.rowCount() == 0 and not dialog.empty.isHidden()


def test_the_refresh_interval_is_set_in_the_dialog_and_saved(make_controller, engine, qtbot, tmp_path):
    controller = make_controller(engine_url=engine.url)
    dialog = controller.channels.open_playlists()
    assert dialog.interval.widget.value() == 6
    dialog.interval.widget.setValue(0)
    assert dialog.interval.widget.text() == "Only when asked"
    qtbot.waitUntil(lambda: controller.saved_settings.playlist_refresh_hours == 0, timeout=3000)


def test_a_download_in_progress_shows_a_moving_bar(qtbot):
    from desktop.streaming.channels import ChannelsState
    from desktop.ui.channels_view import ChannelsPane

    state = ChannelsState().with_playlist("http://lists.example/a.m3u")
    pane = ChannelsPane()
    dialog = PlaylistsDialog(6)
    qtbot.addWidget(pane)  # deleted on this thread when the test ends
    qtbot.addWidget(dialog)
    busy = ChannelsView(state, frozenset({"http://lists.example/a.m3u"}), True)
    pane.show_view(busy)
    dialog.show_view(busy)
    assert not pane.progress_box.isHidden() and pane.progress_label.text() == "Downloading 1 playlist…"
    assert not dialog.progress.isHidden() and dialog.table.item(0, 4).text() == "Downloading…"
    done = ChannelsView(state, frozenset(), True)
    pane.show_view(done)
    dialog.show_view(done)
    assert pane.progress_box.isHidden() and dialog.progress.isHidden()
    assert dialog.table.item(0, 4).text() == "Not downloaded yet"


def test_a_person_renumbers_a_channel_in_its_no_column_and_a_number_taken_is_refused_in_words(
    make_controller, engine, qtbot, tmp_path
):
    from PySide6.QtWidgets import QAbstractItemView, QLineEdit

    from desktop.ui.channels_model import NUMBER

    controller = with_playlist(make_controller, engine, qtbot, tmp_path)
    pane = controller.channels.pane
    model = pane.model

    def number(content_id: str) -> str:
        return model.data(model.index(model.row_of(("id", content_id)), NUMBER))

    assert [number(c) for c in (SPORT, NEWS, FILM)] == ["1", "2", "3"]
    pane.table.show()
    click_cell(qtbot, pane.table, model.row_of(("id", FILM)), NUMBER, double=True)  # opens the editor, does not play
    assert pane.table.state() == QAbstractItemView.State.EditingState
    (editor,) = pane.table.viewport().findChildren(QLineEdit)
    assert editor.text() == "3"
    editor.setText("42")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: number(FILM) == "42", timeout=3000)
    model.setData(model.index(model.row_of(("id", SPORT)), NUMBER), "42")
    qtbot.waitUntil(lambda: "Number 42 is already Film Four's" in "\n".join(controller.window.events_model.texts()))
    assert number(SPORT) == "1" and number(FILM) == "42"


def test_an_empty_playlists_dialog_keeps_each_part_together(qtbot):
    """With no playlist and no guide, the room is left below each note, not spread between the rows."""
    dialog = PlaylistsDialog(6)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    def top(widget) -> int:
        return widget.mapTo(dialog, widget.rect().topLeft()).y()

    def bottom(widget) -> int:
        return widget.mapTo(dialog, widget.rect().bottomLeft()).y()

    guides = dialog.guides
    assert top(guides.empty) - bottom(guides.address) < 20  # the note right under its address row
    assert top(guides.address) - bottom(dialog.refresh_button) < 60  # the guide's part right under the playlists'
    assert top(dialog.empty) - bottom(dialog.address) < 60
