"""The user's commands as QActions, shared by the tray menu and the window."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from desktop.streaming.channels import elide_id
from desktop.ui.engine_view import EngineMenuEntry


class AppActions(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.start_stop = QAction("Start proxy", self)
        self.engine = QAction("Start engine", self)  # the engine AceTray runs (Settings → Engine)
        self.engine_stops = False  # what `engine` does when triggered now
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
        self.set_recent([], lambda _cid: None)
        self.favourites_menu = QMenu("Favourites")
        self.set_favourites([], lambda _key: None)

    def set_running(self, running: bool, busy: bool = False) -> None:
        self.start_stop.setText("Stop proxy" if running else "Start proxy")
        self.start_stop.setEnabled(not busy)

    def set_engine(self, entry: EngineMenuEntry) -> None:
        self.engine.setText(entry.text)
        self.engine.setEnabled(entry.enabled)
        self.engine.setToolTip(entry.tooltip)
        self.engine_stops = entry.stops

    def set_recent(
        self, entries: Sequence[tuple[str, str | None]], on_pick: Callable[[str], None], verb: str = "Copy link"
    ) -> None:
        """(content id, name) newest first; picking one calls `on_pick(content_id)`."""
        self.recent_menu.clear()
        if not entries:
            empty = self.recent_menu.addAction("No channels yet")
            empty.setEnabled(False)
            return
        for content_id, name in entries:
            label = name or elide_id(content_id)
            action = self.recent_menu.addAction(label)
            action.setToolTip(f"{verb}: {content_id}")
            action.setData(content_id)
            action.triggered.connect(lambda _checked=False, cid=content_id: on_pick(cid))

    def set_favourites(self, entries: Sequence[tuple[object, str]], on_pick: Callable[[object], None]) -> None:
        """(channel key, title) in the order shown; one click calls `on_pick(key)` (it plays the channel)."""
        self.favourites_menu.clear()
        if not entries:
            empty = self.favourites_menu.addAction("No favourites yet (★ in the channel list)")
            empty.setEnabled(False)
            return
        for key, title in entries:
            action = self.favourites_menu.addAction(title)
            action.setData(key)
            action.setToolTip(f"Open {title} in the player")
            action.triggered.connect(lambda _checked=False, k=key: on_pick(k))

    def fill_menu(self, menu: QMenu) -> None:
        """The tray's right-click menu, in the order the issue lists it."""
        menu.addAction(self.start_stop)
        menu.addAction(self.engine)
        menu.setToolTipsVisible(True)  # a disabled Start engine says why
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
