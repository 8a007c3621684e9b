"""What every command object of the UI uses, passed as one value instead of eight parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from desktop.launch import RunSettings
from desktop.ui import player
from desktop.ui.actions import AppActions
from desktop.ui.proxy_control import Notify, ProxyControl
from desktop.ui.ui_tasks import DialogKeeper, TaskSpawner


@dataclass(frozen=True)
class UiServices:
    """The app's shared services, built once by AppController (the composition root)."""

    settings: RunSettings  # the settings in force this run, and saving them
    proxy: ProxyControl  # start/stop/apply through the core host
    notify: Notify  # tell the user (tray balloon, status bar, events)
    tasks: TaskSpawner  # background work on the UI loop, failures told
    dialogs: DialogKeeper  # open dialogs kept alive
    actions: AppActions  # the tray and window commands
    dialog_parent: Callable[[], QWidget | None]  # the window when shown, else none
    player_system: player.PlayerSystem  # where VLC / mpv are looked for
