"""Playlists, a fake player and helpers for the channel tests in the window."""

from __future__ import annotations

import stat
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QTableView

SPORT = "1111111111111111111111111111111111111111"
NEWS = "2222222222222222222222222222222222222222"
FILM = "3333333333333333333333333333333333333333"
MUSIC = "4444444444444444444444444444444444444444"

SMALL_PLAYLIST = f"""#EXTM3U
#EXTINF:-1 group-title="Sport",Sport One
acestream://{SPORT}
#EXTINF:-1 group-title="News",World News
acestream://{NEWS}
#EXTINF:-1 group-title="Films",Film Four
acestream://{FILM}
#EXTINF:-1 group-title="Music",Music by infohash
infohash://{MUSIC}
"""


def write_playlist(folder: Path, text: str = SMALL_PLAYLIST, name: str = "mine.m3u") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def fake_player(folder: Path) -> tuple[Path, Path]:
    """A player program that writes the arguments it was started with to a file."""
    record = folder / "player-args.txt"
    script = folder / "fake-player"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, record


def cell_point(table: QTableView, row: int, column: int) -> QPoint:
    return table.visualRect(table.model().index(row, column)).center()


def click_cell(qtbot, table: QTableView, row: int, column: int, double: bool = False) -> None:
    point = cell_point(table, row, column)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=point)
    if double:  # as a mouse does it: a press and release first, then the double click
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=point)


def names(model) -> list[str]:
    return [model.channel_at(row).name for row in range(model.rowCount())]
