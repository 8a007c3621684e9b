"""Telling the user something: a tray balloon when there is a tray, the window's status bar always."""

from __future__ import annotations

import logging
import time

import shiboken6
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QSystemTrayIcon

from desktop.streaming.events import log_level
from desktop.streaming.snapshot import ProxyEvent
from desktop.ui.main_window import MainWindow
from desktop.ui.tray import TrayIcon

log = logging.getLogger(__name__)

_BALLOON_ICONS = {
    "info": QSystemTrayIcon.MessageIcon.Information,
    "warning": QSystemTrayIcon.MessageIcon.Warning,
    "error": QSystemTrayIcon.MessageIcon.Critical,
}
BALLOON_MS = 6000
PLACE_POLL_MS = 100  # how often to look whether the tray host has placed the icon
PLACE_WAIT_MS = 3000  # some tray hosts never tell a geometry: show the balloon anyway after this


class Notifier(QObject):
    def __init__(self, window: MainWindow, tray: TrayIcon | None) -> None:
        super().__init__()
        self._window = window
        self._tray = tray
        # Balloons asked for before the tray host has placed the icon (at start-up,
        # e.g. "Settings reset"): shown once it has, so they point at the icon and
        # not at the screen's corner.
        self._waiting: list[tuple[str, str, QSystemTrayIcon.MessageIcon]] = []
        self._waited_ms = 0
        self._poll = QTimer(self)
        self._poll.setInterval(PLACE_POLL_MS)
        self._poll.timeout.connect(self._show_waiting)

    def notify(self, title: str, message: str, level: str = "info") -> None:
        """Log it, show it, and keep warnings and errors in the window's events."""
        log.log(log_level(level), "%s: %s", title, message)
        tray = self._tray
        if tray is not None and tray.isVisible() and tray.supportsMessages():
            self._balloon(title, message, _BALLOON_ICONS.get(level, _BALLOON_ICONS["error"]))
        self._window.show_notice(f"{title}: {message}".replace("\n", " "))
        if level != "info":
            self._window.add_event(ProxyEvent(time=time.time(), level=level, message=f"{title}: {message}"))

    def _balloon(self, title: str, message: str, icon: QSystemTrayIcon.MessageIcon) -> None:
        if self._waiting or not self._placed():
            self._waiting.append((title, message, icon))
            if not self._poll.isActive():
                self._waited_ms = 0
                self._poll.start()
            return
        assert self._tray is not None
        self._tray.showMessage(title, message, icon, BALLOON_MS)

    def stop(self) -> None:
        """Quitting: balloons still waiting for the tray are dropped."""
        self._poll.stop()
        self._waiting.clear()

    def _placed(self) -> bool:
        # Before the tray host embeds it, an X11 icon reports (0, 0, 22, 22): not yet placed.
        if self._tray is None:
            return False
        where = self._tray.geometry()
        return not where.isEmpty() and not (where.x() == 0 and where.y() == 0)

    def _show_waiting(self) -> None:
        self._waited_ms += PLACE_POLL_MS
        tray = self._tray if self._tray is not None and shiboken6.isValid(self._tray) else None
        if tray is None or not tray.isVisible():
            self._waiting.clear()
        elif not self._placed() and self._waited_ms < PLACE_WAIT_MS:
            return
        self._poll.stop()
        waiting, self._waiting = self._waiting, []
        # One balloon at a time is all a tray shows: the newest wins, as it would have anyway.
        if waiting and tray is not None:
            title, message, icon = waiting[-1]
            tray.showMessage(title, message, icon, BALLOON_MS)
