"""The user's commands as QActions, shared by the tray menu and the window."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from desktop.streaming.channels import ChannelKey
from desktop.ui.engine_view import EngineMenuEntry

Pick = Callable[[ChannelKey], None]


class AppActions(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.start_stop = QAction("Start proxy", self)
        self.engine = QAction("Start engine", self)  # the engine AceTray runs (Settings → Engine)
        self.engine_stops = False  # what `engine` does when triggered now
        # Why `engine` is greyed, as a greyed line under it in the tray menu (menus show no tooltips).
        self.engine_reason = QAction("", self)
        self.engine_reason.setEnabled(False)
        self.engine_reason.setVisible(False)
        self.copy_link = QAction("Copy stream link…", self)
        self.open_player = QAction("Open in player…", self)
        self.share = QAction("Share with devices…", self)
        self.show_window = QAction("Show window", self)
        self.settings = QAction("Settings…", self)
        self.start_on_login = QAction("Start on login", self)
        self.start_on_login.setCheckable(True)
        self.open_logs = QAction("Open log folder", self)
        self.quit = QAction("Quit", self)
        self.recent_menu = QMenu("Recent channels")
        self.set_recent([], lambda _key: None, "")
        self.favourites_menu = QMenu("Favourites")
        self.set_favourites([], lambda _key: None, "")

    def set_running(self, running: bool, busy: bool = False) -> None:
        self.start_stop.setText("Stop proxy" if running else "Start proxy")
        self.start_stop.setEnabled(not busy)

    def set_engine(self, entry: EngineMenuEntry) -> None:
        self.engine.setText(entry.text)
        self.engine.setEnabled(entry.enabled)
        self.engine.setToolTip(entry.tooltip)
        self.engine_stops = entry.stops
        self.engine_reason.setText(f"    {entry.reason}")  # indented: it belongs to the entry above
        self.engine_reason.setVisible(bool(entry.reason) and not entry.enabled)

    def set_recent(self, entries: Sequence[tuple[ChannelKey, str]], on_pick: Pick, verb: str) -> None:
        """(channel, title) newest first; a click calls `on_pick(channel)`, which does what `verb` says."""
        _fill(self.recent_menu, entries, on_pick, verb, empty="No channels yet")

    def set_favourites(self, entries: Sequence[tuple[ChannelKey, str]], on_pick: Pick, verb: str) -> None:
        """(channel, title) in the order shown; a click as for Recent channels (the same setting rules both)."""
        _fill(self.favourites_menu, entries, on_pick, verb, empty="No favourites yet (★ in the channel list)")

    def fill_menu(self, menu: QMenu) -> None:
        """The tray's right-click menu, in the order the issue lists it."""
        menu.addAction(self.start_stop)
        menu.addAction(self.engine)
        menu.addAction(self.engine_reason)
        menu.setToolTipsVisible(True)  # where the desktop's menus show them
        menu.addSeparator()
        menu.addAction(self.copy_link)
        menu.addAction(self.open_player)
        menu.addMenu(self.favourites_menu)
        menu.addMenu(self.recent_menu)
        menu.addAction(self.share)
        menu.addSeparator()
        menu.addAction(self.show_window)
        menu.addAction(self.settings)
        menu.addAction(self.start_on_login)
        menu.addSeparator()
        menu.addAction(self.quit)


def _fill(menu: QMenu, entries: Sequence[tuple[ChannelKey, str]], on_pick: Pick, verb: str, empty: str) -> None:
    menu.clear()
    if not entries:
        menu.addAction(empty).setEnabled(False)
        return
    for key, title in entries:
        action = menu.addAction(title)
        action.setData(key)
        action.setToolTip(f"{verb}: {title}")
        action.triggered.connect(lambda _checked=False, k=key: on_pick(k))
