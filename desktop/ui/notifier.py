"""Telling the user something: a tray balloon when there is a tray, the window's status bar always."""

from __future__ import annotations

import logging
import time

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


class Notifier:
    def __init__(self, window: MainWindow, tray: TrayIcon | None) -> None:
        self._window = window
        self._tray = tray

    def notify(self, title: str, message: str, level: str = "info") -> None:
        """Log it, show it, and keep warnings and errors in the window's events."""
        log.log(log_level(level), "%s: %s", title, message)
        tray = self._tray
        if tray is not None and tray.isVisible() and QSystemTrayIcon.supportsMessages():
            tray.showMessage(title, message, _BALLOON_ICONS.get(level, _BALLOON_ICONS["error"]), 6000)
        self._window.show_notice(f"{title}: {message}".replace("\n", " "))
        if level != "info":
            self._window.add_event(ProxyEvent(time=time.time(), level=level, message=f"{title}: {message}"))
