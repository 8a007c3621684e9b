"""The app's composition: builds the window, tray and command objects, and keeps the view fresh.

Each concern has its own module — `proxy_control` (start/stop/apply),
`link_commands` (links, players, recent channels), `settings_flow` (the
dialog, saving, start on login), `notifier` (telling the user) — and this
controller wires them to the actions, feeds snapshots and events to the tray
and the window (at the pace `snapshot_pacer` sets), and quits. It never
touches sockets: the core is reached through `CoreHost`'s named methods only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from desktop import autostart as autostart_mod
from desktop import settings as settings_store
from desktop.app import CoreHost
from desktop.launch import LaunchOptions, RunSettings
from desktop.settings import Settings
from desktop.streaming.config import START_ON_PLAY, ProxyConfig
from desktop.streaming.snapshot import ProxyEvent, ProxySnapshot
from desktop.ui import banner as banner_keys
from desktop.ui import player
from desktop.ui.actions import AppActions
from desktop.ui.banner import banner_for
from desktop.ui.channel_commands import ChannelCommands
from desktop.ui.confirm import CuttingQuestion, ask_before_cutting
from desktop.ui.engine_view import engine_menu_entry
from desktop.ui.icons import app_icon
from desktop.ui.link_commands import LinkCommands
from desktop.ui.links import base_url
from desktop.ui.log_folder import FolderOpener, show_log_folder
from desktop.ui.main_window import MainWindow
from desktop.ui.notifier import Notifier
from desktop.ui.proxy_control import ProxyControl
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.settings_flow import SettingsFlow
from desktop.ui.share_dialog import ShareDialog
from desktop.ui.share_flow import ShareFlow
from desktop.ui.shutdown import stop_core
from desktop.ui.snapshot_pacer import SnapshotPacer
from desktop.ui.tray import TrayIcon, tray_status
from desktop.ui.ui_services import UiServices
from desktop.ui.ui_tasks import DialogKeeper, TaskSpawner

log = logging.getLogger(__name__)

STILL_RUNNING = "AceTray is still running"


class AppController(QObject):
    finished = Signal()  # quit is done: the app's event loop may end

    def __init__(
        self,
        *,
        settings: Settings,
        options: LaunchOptions,
        core_factory: Callable[[ProxyConfig], CoreHost],
        log_dir: Path,
        settings_problem: str | None = None,
        autostart: autostart_mod.Autostart | None = None,
        tray_available: bool | None = None,
        player_system: player.PlayerSystem = player.PlayerSystem(),
        save_settings: Callable[[Settings], None] = settings_store.save,
    ) -> None:
        super().__init__()
        self.run_settings = RunSettings(settings, options, save_settings)
        self._core_factory = core_factory
        self._log_dir = log_dir
        self.snapshot: ProxySnapshot | None = None
        self.quitting = False
        self._told_about_tray = False
        self._outdated_dismissed = False  # the old-engine warning was read: not shown again this run
        self._address_cache: tuple[tuple[str, int], str] | None = None
        self.exit_code = 0

        QGuiApplication.setWindowIcon(app_icon())  # every window's, dialogs opened from the tray (no parent) too
        self.actions = AppActions(self)
        self.window = MainWindow(self.actions)
        if tray_available is None:
            tray_available = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray: TrayIcon | None = TrayIcon(self.actions) if tray_available else None
        self.notifier = Notifier(self.window, self.tray)
        self.notify = self.notifier.notify
        self.tasks = TaskSpawner(lambda title, message, level: self.notify(title, message, level=level))
        self.dialogs = DialogKeeper()
        self.folder_opener = FolderOpener(self)
        self.proxy = ProxyControl(self.notify)
        ui = UiServices(
            settings=self.run_settings,
            proxy=self.proxy,
            notify=self.notify,
            tasks=self.tasks,
            dialogs=self.dialogs,
            actions=self.actions,
            dialog_parent=self._dialog_parent,
            player_system=player_system,
        )
        self.links = LinkCommands(ui, snapshot=lambda: self.snapshot)
        self.settings_flow = SettingsFlow(
            ui,
            autostart=autostart if autostart is not None else autostart_mod.for_platform(),
            on_applied=self._after_settings_applied,
        )
        self.settings_flow.problem = settings_problem
        self.share = ShareFlow(ui, snapshot=lambda: self.snapshot, apply_settings=self.settings_flow.apply_settings)
        self.channels = ChannelCommands.in_window(
            self.window, ui, links=self.links, apply_settings=self.settings_flow.apply_settings
        )

        self.pacer = SnapshotPacer(self._request_snapshot, watched=self.window.in_view)

        self._connect_actions()
        self.links.recent.refresh()
        self.settings_flow.sync_autostart_check()

    # -- wiring ----------------------------------------------------------------
    def _connect_actions(self) -> None:
        a = self.actions
        a.start_stop.triggered.connect(self.toggle_proxy)
        a.engine.triggered.connect(self.toggle_engine)
        a.copy_link.triggered.connect(self.links.copy_stream_link)
        a.open_player.triggered.connect(self.links.open_in_player)
        a.show_window.triggered.connect(self.show_window)
        a.share.triggered.connect(self.open_share_dialog)
        a.settings.triggered.connect(self.open_settings)
        a.start_on_login.toggled.connect(self.settings_flow.set_start_on_login)
        a.open_logs.triggered.connect(self.open_log_folder)
        a.quit.triggered.connect(self.confirm_quit)
        self.window.copy_link_requested.connect(self.links.copy_link_for)
        self.window.play_requested.connect(self.links.play_soon)
        self.window.close_requested.connect(self._on_window_close)
        self.window.banner.action.connect(self._on_banner_action)
        self.proxy.changed.connect(self._on_proxy_changed)
        self.window.view_changed.connect(self.pacer.view_changed)
        if self.tray is not None:
            self.tray.open_window.connect(self.show_window)
            self.tray.menu.aboutToShow.connect(self.pacer.now)  # its entries right when it opens

    def _dialog_parent(self) -> QWidget | None:
        return self.window if self.window.isVisible() else None

    @property
    def settings(self) -> Settings:
        """The settings in force for this run (saved + command-line overrides)."""
        return self.run_settings.effective

    @property
    def saved_settings(self) -> Settings:
        return self.run_settings.saved

    @property
    def core(self) -> CoreHost | None:
        return self.proxy.core

    def open_settings(self) -> SettingsDialog:
        return self.settings_flow.open_settings()

    # -- start-up and the tick ---------------------------------------------------
    def launch(self, show_window: bool = False, links: Sequence[str] = ()) -> None:
        core = self._core_factory(self.run_settings.proxy_config())
        queued = Qt.ConnectionType.QueuedConnection  # emitted on the core's thread
        core.snapshot_ready.connect(self._on_snapshot, queued)
        core.event_received.connect(self._on_event, queued)
        self.channels.attach(core)
        core.start()
        self.proxy.core = core
        if self.tray is not None:
            self.tray.show()
        if show_window or self.tray is None:
            self.show_window()
        if self.settings_flow.problem:
            self.notify("Settings reset", self.settings_flow.problem, level="warning")
        self._refresh_view()
        self.pacer.start()
        self.tasks.spawn(self._startup(list(links)))

    async def _startup(self, links: list[str]) -> None:
        await self.proxy.start()
        await self.links.handle_links(links)

    def toggle_proxy(self) -> None:
        running = self.snapshot is not None and self.snapshot.running
        if not running:
            self.tasks.spawn(self.proxy.start())
            return
        ask_before_cutting(
            players=self._players(),
            title="Stop the proxy?",
            go="Stop proxy",
            consequence="Stopping the proxy ends their streams; players cannot connect until you start it again.",
            then=lambda: self.tasks.spawn(self.proxy.stop()),
            parent=self._dialog_parent(),
            dialogs=self.dialogs,
        )

    def toggle_engine(self) -> None:
        """Start engine / Stop engine from the menu: stopping asks first when players are watching."""
        if not self.actions.engine_stops:
            self.tasks.spawn(self.proxy.start_engine())
            return
        ask_before_cutting(
            players=self._players(),
            title="Stop the engine?",
            go="Stop engine",
            consequence="Stopping the AceStream engine ends their streams.",
            then=lambda: self.tasks.spawn(self.proxy.stop_engine()),
            parent=self._dialog_parent(),
            dialogs=self.dialogs,
        )

    def confirm_quit(self) -> None:
        """Quit from the menu or the window: ask first when players are watching."""
        ask_before_cutting(
            players=self._players(),
            title="Quit AceTray?",
            go="Quit",
            consequence="Quitting stops their streams.",
            then=self.request_quit,
            parent=self._dialog_parent(),
            dialogs=self.dialogs,
        )

    def _players(self) -> int:
        return self.snapshot.player_count if self.snapshot is not None and self.snapshot.running else 0

    def _request_snapshot(self) -> None:
        if self.proxy.core is not None:
            self.proxy.core.request_snapshot()

    def _on_snapshot(self, snapshot: ProxySnapshot) -> None:
        if self.quitting:
            return
        self.snapshot = snapshot
        self.links.learn(snapshot)
        self.channels.show_snapshot(snapshot)
        for question in self.dialogs.all_of(CuttingQuestion):  # "1 player is watching — quit anyway?" kept true
            question.show_players(self._players())
        self._refresh_view()
        self.pacer.seen(snapshot, busy=self.proxy.busy)

    def _on_event(self, event: ProxyEvent) -> None:
        if not self.quitting:
            self.window.add_event(event)
            self.pacer.now()  # what happened shows in the tray too, not only at the next tick

    def _on_proxy_changed(self) -> None:
        self._refresh_view()
        self.pacer.pace_for(self.snapshot, busy=self.proxy.busy)
        self.pacer.now()  # started, stopped or failed: the tray says so at once

    def _after_settings_applied(self) -> None:
        self.links.recent.refresh()  # a click on its entries may do something else now (acestream:// links)
        self.channels.refresh_favourites_menu()
        self._refresh_view()
        self.pacer.now()

    def _refresh_view(self) -> None:
        snapshot, proxy = self.snapshot, self.proxy
        address = self._shown_address()
        first_play = self.settings.engine_start == START_ON_PLAY
        self.actions.set_running(bool(snapshot and snapshot.running), busy=proxy.busy)
        self.actions.set_engine(engine_menu_entry(snapshot.engine_host if snapshot is not None else None))
        if self.tray is not None:
            status = tray_status(snapshot, proxy.start_error, address=address, engine_on_first_play=first_play)
            self.tray.show_status(status)
        token = self.run_settings.proxy_config().token
        hint = f"{address}/ace/getstream?id=<content id>" + (f"&token={token}" if token else "")
        self.window.engine_on_first_play = first_play
        self.window.show_snapshot(snapshot, link_hint=hint, address=address)
        self.window.show_banner(
            banner_for(
                snapshot,
                demo_engine=self.settings.demo_engine,
                start_error=proxy.start_error,
                settings_problem=self.settings_flow.problem,
                engine_on_first_play=first_play,
                outdated_dismissed=self._outdated_dismissed,
            )
        )

    def _shown_address(self) -> str:
        """The proxy's address as other players reach it: the socket actually listening,
        with this machine's LAN address in place of 0.0.0.0.

        Cached per listen address: finding the LAN address walks the network
        interfaces, which need not happen on every one-second refresh.
        """
        address = self.links.listen_address()
        key = (address.host, address.port)
        if self._address_cache is None or self._address_cache[0] != key:
            self._address_cache = (key, base_url(address.link_host(), address.port))
        return self._address_cache[1]

    # -- window, banner, logs --------------------------------------------------------
    def show_window(self) -> None:
        self._address_cache = None  # the LAN address may have changed while hidden
        if not self.window.isVisible():
            self.window.clear_notice(STILL_RUNNING)  # said when it was closed; not news now
        self._refresh_view()
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def _on_window_close(self) -> None:
        if self.tray is not None and self.tray.isVisible():
            self.window.hide()
            if not self._told_about_tray:
                self._told_about_tray = True
                self.notify(STILL_RUNNING, "Streams keep flowing. Quit from the tray menu.")
            return
        # No tray to return to: closing means quitting, so say what it stops.
        ask_before_cutting(
            players=self._players(),
            title="Quit AceTray?",
            go="Quit",
            consequence="Quitting stops their streams.",
            then=self.request_quit,
            otherwise=self.window.showMinimized,
            parent=self.window,
            dialogs=self.dialogs,
        )

    def _on_banner_action(self, key: str) -> None:
        if key == banner_keys.USE_DEMO:
            self.settings_flow.use_demo_engine(True)
        elif key == banner_keys.USE_ENGINE:
            self.settings_flow.use_demo_engine(False)
        elif key == banner_keys.OPEN_SETTINGS:
            self.open_settings()
        elif key == banner_keys.START_PROXY:
            self.tasks.spawn(self.proxy.start())
        elif key == banner_keys.DISMISS:
            self.settings_flow.problem = None
            self._refresh_view()
        elif key == banner_keys.START_ENGINE:
            self.tasks.spawn(self.proxy.start_engine())
        elif key == banner_keys.DISMISS_OUTDATED:
            self._outdated_dismissed = True
            self._refresh_view()

    def open_share_dialog(self) -> ShareDialog:
        return self.share.open()

    def open_log_folder(self) -> None:
        show_log_folder(self._log_dir, self.folder_opener, self._dialog_parent, self.dialogs)

    # -- quit ---------------------------------------------------------------------------
    def request_quit(self) -> None:
        if not self.quitting:
            self.tasks.spawn(self.quit())

    async def quit(self) -> None:
        """Stop every stream (engine stop commands), then end; bounded even if the engine hangs."""
        if self.quitting:
            return
        self.quitting = True
        started = time.monotonic()
        self.pacer.stop()
        self.notifier.stop()
        for dialog in list(self.dialogs.open):
            if shiboken6.isValid(dialog):
                dialog.close()  # type: ignore[attr-defined]
        self.window.hide()
        if self.tray is not None:
            self.tray.hide()
        self.links.players.release_all()  # players we started keep their windows (player_process.py)
        if self.proxy.core is not None:
            await stop_core(self.proxy.core)
        log.info("%s", self.pacer.ticks.stats().log_line())
        log.info("quit took %.2f s", time.monotonic() - started)
        self.finished.emit()
