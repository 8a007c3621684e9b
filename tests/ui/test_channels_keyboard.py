"""The Channels tab with the keyboard alone; its group list and names in the order people read them."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.ui.channels_model import NAME
from tests.ui.channel_fixtures import fake_player, names
from tests.ui.test_play_by_name import SPORT_87, link, with_channels

posix_only = pytest.mark.skipif(sys.platform.startswith("win"), reason="uses a shell script as the player")


def focused():
    return QApplication.focusWidget()


@posix_only
def test_ctrl_f_finds_down_enters_the_list_and_enter_plays(make_controller, engine, qtbot, tmp_path):
    script, record = fake_player(tmp_path)
    controller = with_channels(make_controller, engine, qtbot, tmp_path, player_command=str(script))
    window = controller.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    pane = controller.channels.pane
    assert window.tabs.currentIndex() == 0  # "Now playing"

    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is pane and focused() is pane.search
    qtbot.keyClicks(pane.search, "sport")
    assert names(pane.model) == ["Sport One", "Sport 131", "Sport 87"]

    qtbot.keyClick(pane.search, Qt.Key.Key_Down)
    assert focused() is pane.table and pane.selected_channel().name == "Sport One"
    qtbot.keyClick(pane.table, Qt.Key.Key_Down)
    qtbot.keyClick(pane.table, Qt.Key.Key_Down)
    assert pane.selected_channel().name == "Sport 87"
    qtbot.keyClick(pane.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: record.exists() and record.read_text().strip() != "", timeout=5000)
    assert record.read_text().splitlines() == [link(controller, SPORT_87)]

    # Ctrl+F again: back in the search box, its words selected so typing replaces them; Enter plays
    # the first channel found without leaving the keyboard.
    record.unlink()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert focused() is pane.search and pane.search.selectedText() == "sport"
    qtbot.keyClicks(pane.search, "tele")
    qtbot.keyClick(pane.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: record.exists() and record.read_text().strip() != "", timeout=5000)
    assert record.read_text().splitlines() == [link(controller, "7" * 40)]


def test_groups_are_listed_in_order_with_their_counts_and_names_sort_naturally(
    make_controller, engine, qtbot, tmp_path
):
    controller = with_channels(make_controller, engine, qtbot, tmp_path)
    pane = controller.channels.pane
    assert [pane.group.itemText(i) for i in range(pane.group.count())] == [
        "All groups",
        "Français (1)",
        "News (1)",
        "News again (1)",
        "Sport (3)",
    ]
    pane.group.setCurrentIndex(pane.group.findData("Sport"))
    assert names(pane.model) == ["Sport One", "Sport 131", "Sport 87"]  # the playlist's own order
    pane.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
    assert names(pane.model) == ["Sport 87", "Sport 131", "Sport One"]  # 87 before 131
    pane.group.setCurrentIndex(0)
    assert names(pane.model) == ["Sport 87", "Sport 131", "Sport One", "Télé Cinq", "World News", "World News"]
