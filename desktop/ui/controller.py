"""What the user's commands do: the glue between the widgets and the core host.

The controller owns the saved settings and this run's command-line overrides,
feeds snapshots and events to the tray and the window, and turns actions
(start/stop, copy link, play, settings, quit) into calls on the core.
It never touches sockets: every network operation is a service method run
through `CoreHost.call`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Coroutine, Sequence

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QSystemTrayIcon

from desktop import autostart as autostart_mod
from desktop import settings as settings_store
from desktop.cli import LaunchOptions, settings_with_overrides
from desktop.settings import ALL_INTERFACES, Settings, is_loopback
from desktop.streaming.config import LOOPBACK, ProxyConfig
from desktop.streaming.service import ProxyStartError
from desktop.streaming.snapshot import ProxyEvent, ProxySnapshot
from desktop.ui import banner as banner_keys
from desktop.ui import player
from desktop.ui.actions import AppActions
from desktop.ui.banner import banner_for
from desktop.ui.formatting import count_phrase
from desktop.ui.link_dialog import LinkDialog
from desktop.ui.links import LinkRequest, link_host, stream_link
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.tick_monitor import TickMonitor
from desktop.ui.tray import TrayIcon, tray_status

if TYPE_CHECKING:
    from desktop.app import CoreHost

log = logging.getLogger(__name__)

SNAPSHOT_INTERVAL_MS = 1000
# Quit must finish within 2 s even if the engine hangs: this much for the
# engine stop commands, a little for the core thread, the rest is slack.
QUIT_STOP_BUDGET = 1.0
CORE_JOIN_BUDGET = 0.3
HEALTH_LOG_EVERY_TICKS = 60


def effective_settings(saved: Settings, options: LaunchOptions) -> Settings:
    """The settings this run uses: saved ones with command-line overrides on top."""
    settings = settings_with_overrides(saved, options)
    if options.host:
        settings = dataclasses.replace(settings, lan_sharing=not is_loopback(options.host))
    return settings


def options_after_edit(options: LaunchOptions, shown: Settings, chosen: Settings) -> LaunchOptions:
    """Once the user has chosen in Settings, their choice replaces the command line's.

    The dialog shows the effective values, so the port/engine overrides are
    now saved settings and can go; a `--host` (possibly a specific address,
    which has no setting) stays unless the user flipped LAN sharing.
    """
    host = options.host if chosen.lan_sharing == shown.lan_sharing else None
    return dataclasses.replace(options, engine_url=None, port=None, host=host)


def override_note(options: LaunchOptions) -> str | None:
    given = [
        f"{flag} {value}"
        for flag, value in (("--engine", options.engine_url), ("--host", options.host), ("--port", options.port))
        if value
    ]
    if not given:
        return None
    return (
        f"AceTray was started with {', '.join(given)}. The values below include "
        "them, and OK saves what you see."
    )


async def _stop(service) -> None:  # noqa: ANN001 - ProxyService, kept import-light
    await service.stop()


async def _start(service) -> None:  # noqa: ANN001
    await service.start()


async def _is_running(service) -> bool:  # noqa: ANN001
    return bool(service.running)


class AppController(QObject):
    finished = Signal()  # quit is done: the app's event loop may end

    def __init__(
        self,
        *,
        settings: Settings,
        options: LaunchOptions,
        core_factory: Callable[[ProxyConfig], "CoreHost"],
        log_dir: Path,
        settings_problem: str | None = None,
        autostart: autostart_mod.Autostart | None = None,
        tray_available: bool | None = None,
        player_system: player.PlayerSystem = player.PlayerSystem(),
        save_settings: Callable[[Settings], None] = settings_store.save,
    ) -> None:
        super().__init__()
        self._saved = settings
        self._options = options
        self._core_factory = core_factory
        self._log_dir = log_dir
        self._settings_problem = settings_problem
        self._autostart = autostart if autostart is not None else autostart_mod.for_platform()
        self._player_system = player_system
        self._save_settings = save_settings
        self.core: CoreHost | None = None
        self.snapshot: ProxySnapshot | None = None
        self._start_error: str | None = None
        self._user_stopped = False
        self._busy = False
        self._quitting = False
        self._told_about_tray = False
        self._last_copied: str | None = None
        self._names: dict[str, str] = {}
        self._link_hint_cache: tuple[tuple[str, int], str] | None = None
        self._tasks: set[asyncio.Task] = set()
        self._dialogs: list[QObject] = []  # keep open dialogs alive
        self.exit_code = 0

        self.actions = AppActions(self)
        self.window = MainWindow(self.actions)
        if tray_available is None:
            tray_available = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray: TrayIcon | None = TrayIcon(self.actions) if tray_available else None

        self.ticks = TickMonitor(SNAPSHOT_INTERVAL_MS / 1000)
        self._timer = QTimer(self)
        self._timer.setInterval(SNAPSHOT_INTERVAL_MS)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_tick)

        self._connect_actions()
        self._refresh_recent()
        self._sync_autostart_check()

    # -- wiring ----------------------------------------------------------------
    def _connect_actions(self) -> None:
        a = self.actions
        a.start_stop.triggered.connect(self.toggle_proxy)
        a.copy_link.triggered.connect(self.copy_stream_link)
        a.open_player.triggered.connect(self.open_in_player)
        a.show_window.triggered.connect(self.show_window)
        a.settings.triggered.connect(self.open_settings)
        a.start_on_login.toggled.connect(self.set_start_on_login)
        a.open_logs.triggered.connect(self.open_log_folder)
        a.quit.triggered.connect(self.request_quit)
        self.window.copy_link_requested.connect(self.copy_link_for)
        self.window.play_requested.connect(lambda cid: self._spawn(self.play(cid)))
        self.window.close_requested.connect(self._on_window_close)
        self.window.banner.action.connect(self._on_banner_action)
        if self.tray is not None:
            self.tray.open_window.connect(self.show_window)

    def _spawn(self, coro: Coroutine) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("UI task failed", exc_info=task.exception())
            self.notify("Something went wrong", f"{task.exception()}", level="error")

    # -- settings -------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        """The settings in force for this run (saved + command-line overrides)."""
        return effective_settings(self._saved, self._options)

    @property
    def saved_settings(self) -> Settings:
        return self._saved

    def proxy_config(self) -> ProxyConfig:
        return self.settings.proxy_config(host_override=self._options.host)

    def _save(self, settings: Settings) -> None:
        self._saved = settings
        try:
            self._save_settings(settings)
        except OSError as exc:
            self.notify("Settings not saved", f"Could not write the settings file: {exc}.", level="error")

    # -- start-up and the tick ---------------------------------------------------
    def launch(self, show_window: bool = False, links: Sequence[str] = ()) -> None:
        self.core = self._core_factory(self.proxy_config())
        queued = Qt.ConnectionType.QueuedConnection  # emitted on the core's thread
        self.core.snapshot_ready.connect(self._on_snapshot, queued)
        self.core.event_received.connect(self._on_event, queued)
        self.core.start()
        if self.tray is not None:
            self.tray.show()
        if show_window or self.tray is None:
            self.show_window()
        if self._settings_problem:
            self.notify("Settings reset", self._settings_problem, level="warning")
        self._refresh_view()
        self._timer.start()
        self._spawn(self._startup(list(links)))

    async def _startup(self, links: list[str]) -> None:
        await self.start_proxy()
        for link in links:
            await self.handle_link(link)

    def _on_tick(self) -> None:
        self.ticks.tick()
        if self.ticks.count % HEALTH_LOG_EVERY_TICKS == 0:
            log.info("%s", self.ticks.stats().log_line())
        if self.core is not None:
            self.core.request_snapshot()

    def _on_snapshot(self, snapshot: ProxySnapshot) -> None:
        if self._quitting:
            return
        self.snapshot = snapshot
        for stream in snapshot.streams:
            if stream.name:
                self._names[stream.content_id] = stream.name
        self._refresh_view()

    def _on_event(self, event: ProxyEvent) -> None:
        if not self._quitting:
            self.window.add_event(event)

    def _refresh_view(self) -> None:
        snapshot = self.snapshot
        self.actions.set_running(bool(snapshot and snapshot.running), busy=self._busy)
        if self.tray is not None:
            self.tray.show_status(tray_status(snapshot, self._start_error))
        self.window.show_snapshot(snapshot, link_hint=self._link_hint())
        self.window.show_banner(
            banner_for(
                snapshot,
                demo_engine=self.settings.demo_engine,
                start_error=self._start_error,
                settings_problem=self._settings_problem,
            )
        )

    def _link_hint(self) -> str:
        """The example link in the empty channels table.

        Cached per listen address: finding the LAN address walks the network
        interfaces, which need not happen on every one-second refresh.
        """
        config = self.proxy_config()
        key = (config.host, config.port)
        if self._link_hint_cache is None or self._link_hint_cache[0] != key:
            self._link_hint_cache = (key, stream_link("<content id>", link_host(config.host), config.port))
        return self._link_hint_cache[1]

    # -- proxy start / stop / apply ------------------------------------------------
    def toggle_proxy(self) -> None:
        if self.snapshot is not None and self.snapshot.running:
            self._spawn(self.stop_proxy())
        else:
            self._spawn(self.start_proxy())

    async def _core_call(self, fn, what: str) -> bool:  # noqa: ANN001
        """Run a service call; a failure becomes a message, never a crash. True on success."""
        assert self.core is not None
        self._set_busy(True)
        try:
            await self.core.call(fn)
        except ProxyStartError as exc:
            self._start_error = str(exc)
            self.notify("The proxy could not start", str(exc), level="error")
            return False
        except Exception as exc:  # noqa: BLE001 - shown to the user, logged in full
            log.exception("%s failed", what)
            self.notify(f"Could not {what}", str(exc) or type(exc).__name__, level="error")
            return False
        finally:
            self._set_busy(False)
            self.core.request_snapshot()
        return True

    async def start_proxy(self) -> bool:
        self._user_stopped = False
        ok = await self._core_call(_start, "start the proxy")
        if ok:
            self._start_error = None
        return ok

    async def stop_proxy(self) -> bool:
        self._user_stopped = True
        return await self._core_call(_stop, "stop the proxy")

    async def apply_settings(self, chosen: Settings, shown: Settings | None = None) -> None:
        """Save `chosen` and apply it to the running proxy.

        `shown` is what the Settings dialog displayed (this run's effective
        values); given, the user's choice replaces the command-line overrides.
        Without it (e.g. "Use demo engine") the overrides stay in force.
        """
        if shown is not None:
            self._options = options_after_edit(self._options, shown, chosen)
        previous = self._saved
        self._save(chosen)
        self._settings_problem = None
        if chosen.start_on_login != previous.start_on_login:
            self._apply_autostart(chosen.start_on_login)
        self._refresh_recent()
        config = self.proxy_config()
        ok = await self._core_call(lambda service: service.apply(config), "apply the settings")
        if ok:
            self._start_error = None
            assert self.core is not None
            if not self._user_stopped and not await self.core.call(_is_running):
                await self.start_proxy()  # e.g. a port that was busy was changed
        self._refresh_view()

    def use_demo_engine(self, enabled: bool = True) -> None:
        self._spawn(self.apply_settings(dataclasses.replace(self._saved, demo_engine=enabled)))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.actions.set_running(bool(self.snapshot and self.snapshot.running), busy=busy)

    # -- links -------------------------------------------------------------------
    def stream_link_for(self, content_id: str, local: bool = False) -> str:
        """The link to give out: LAN address when sharing, loopback for this machine."""
        config = self.proxy_config()
        if local and config.host in (ALL_INTERFACES, "::", ""):
            host = LOOPBACK  # a player on this machine can always use loopback
        else:
            host = link_host(config.host)
        return stream_link(content_id, host, config.port)

    def copy_stream_link(self) -> None:
        """Copy the link for the id on the clipboard, or ask for one."""
        text = QGuiApplication.clipboard().text()
        request = LinkRequest.parse(text)
        # Our own last link is on the clipboard right after a copy: the user
        # wants another channel now, so ask instead of copying it again.
        if request.content_id and text.strip() != self._last_copied:
            self.copy_link_for(request.content_id)
        else:
            self._ask_for_link("Copy stream link", "Copy link", self.copy_link_for)

    def copy_link_for(self, content_id: str) -> None:
        link = self.stream_link_for(content_id)
        QGuiApplication.clipboard().setText(link)
        self._last_copied = link
        self._remember(content_id)
        where = "any device on your network" if not is_loopback(self.proxy_config().host) else "a player on this computer"
        note = "" if self.snapshot is None or self.snapshot.running else " (start the proxy before playing)"
        self.notify("Stream link copied", f"{link}\nPaste it into {where}{note}.")

    def open_in_player(self) -> None:
        request = LinkRequest.parse(QGuiApplication.clipboard().text())
        if request.content_id:
            self._spawn(self.play(request.content_id))
        else:
            self._ask_for_link("Open in player", "Play", lambda cid: self._spawn(self.play(cid)))

    async def play(self, content_id: str) -> bool:
        link = self.stream_link_for(content_id, local=True)
        command = player.build_command(self.settings.player_command, link, self._player_system)
        if command is None:
            self.notify("No video player found", player.HOW_TO_SET_PLAYER, level="error")
            return False
        if self.snapshot is not None and not self.snapshot.running and not self._busy:
            await self.start_proxy()
        problem = player.launch(command)
        if problem:
            self.notify("The player did not start", problem, level="error")
            return False
        self._remember(content_id)
        self.notify("Opening in player", f"{command.program} {link}")
        return True

    async def handle_link(self, text: str) -> None:
        """An acestream:// link handed to the app (command line or a second launch)."""
        request = LinkRequest.parse(text)
        if request.content_id is None:
            self.notify("Not an AceStream link", f"“{text}”: {request.problem}", level="warning")
            return
        if self.settings.link_action == "play":
            await self.play(request.content_id)
        else:
            self.copy_link_for(request.content_id)

    def handle_forwarded(self, args: list) -> None:
        """A second `acetray` launch handed over its arguments."""
        log.info("second launch handed over %r", args)
        if not args:
            self.show_window()
            return
        self._spawn(self._handle_links([str(a) for a in args]))

    async def _handle_links(self, links: list[str]) -> None:
        for link in links:
            await self.handle_link(link)

    def _ask_for_link(self, title: str, ok_text: str, then: Callable[[str], None]) -> None:
        dialog = LinkDialog(title, ok_text, parent=self.window if self.window.isVisible() else None)
        dialog.link_chosen.connect(then)
        self._keep_dialog(dialog)
        dialog.open()
        dialog.raise_()
        dialog.activateWindow()

    def _keep_dialog(self, dialog) -> None:  # noqa: ANN001
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _result, d=dialog: self._drop_dialog(d))

    def _drop_dialog(self, dialog) -> None:  # noqa: ANN001
        if dialog in self._dialogs:
            self._dialogs.remove(dialog)
        dialog.deleteLater()

    def _remember(self, content_id: str) -> None:
        if self._saved.recent_channels[:1] != (content_id,):
            self._save(self._saved.with_recent(content_id))
            self._refresh_recent()

    def _refresh_recent(self) -> None:
        entries = [(cid, self._names.get(cid)) for cid in self._saved.recent_channels]
        play = self._saved.link_action == "play"
        self.actions.set_recent(
            entries,
            (lambda cid: self._spawn(self.play(cid))) if play else self.copy_link_for,
            verb="Open in player" if play else "Copy link",
        )

    # -- settings dialog -----------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        for dialog in self._dialogs:
            if isinstance(dialog, SettingsDialog):
                dialog.raise_()
                dialog.activateWindow()
                return dialog
        shown = self.settings
        dialog = SettingsDialog(
            shown,
            self.check_engine,
            autostart_supported=self._autostart.supported,
            override_note=override_note(self._options),
            player_system=self._player_system,
            parent=self.window if self.window.isVisible() else None,
        )
        dialog.settings_accepted.connect(lambda chosen: self._spawn(self.apply_settings(chosen, shown)))
        self._keep_dialog(dialog)
        dialog.open()
        return dialog

    async def check_engine(self, engine_url: str) -> str:
        assert self.core is not None
        return await self.core.call(lambda service: service.check_engine(engine_url))

    # -- start on login --------------------------------------------------------------
    def _sync_autostart_check(self) -> None:
        action = self.actions.start_on_login
        if not self._autostart.supported:
            action.setEnabled(False)
            action.setToolTip("Not supported on this system")
        action.blockSignals(True)
        action.setChecked(self._autostart.supported and self._autostart.is_enabled())
        action.blockSignals(False)

    def set_start_on_login(self, enabled: bool) -> None:
        if self._apply_autostart(enabled):
            self._save(dataclasses.replace(self._saved, start_on_login=enabled))

    def _apply_autostart(self, enabled: bool) -> bool:
        try:
            self._autostart.set_enabled(enabled, autostart_mod.launch_command())
        except autostart_mod.AutostartError as exc:
            self.notify("Start on login not changed", str(exc), level="error")
            self._sync_autostart_check()
            return False
        self._sync_autostart_check()
        return True

    # -- window, notices, logs ----------------------------------------------------------
    def show_window(self) -> None:
        self._link_hint_cache = None  # the LAN address may have changed while hidden
        self.window.show_snapshot(self.snapshot, link_hint=self._link_hint())
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def _on_window_close(self) -> None:
        if self.tray is not None and self.tray.isVisible():
            self.window.hide()
            if not self._told_about_tray:
                self._told_about_tray = True
                self.notify("AceTray is still running", "Streams keep flowing. Quit from the tray menu.")
            return
        players = self.snapshot.player_count if self.snapshot else 0
        if not players:
            self.request_quit()
            return
        # No tray to return to: closing means quitting, so say what it stops.
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Quit AceTray?",
            f"{count_phrase(players, 'player')} still watching. Quitting stops their streams.",
            parent=self.window,
        )
        quit_button = box.addButton("Quit", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Keep running", QMessageBox.ButtonRole.RejectRole)
        box.finished.connect(lambda _r: self.request_quit() if box.clickedButton() is quit_button else self.window.showMinimized())
        self._keep_dialog(box)
        box.open()

    def _on_banner_action(self, key: str) -> None:
        if key == banner_keys.USE_DEMO:
            self.use_demo_engine(True)
        elif key == banner_keys.USE_ENGINE:
            self.use_demo_engine(False)
        elif key == banner_keys.OPEN_SETTINGS:
            self.open_settings()
        elif key == banner_keys.START_PROXY:
            self._spawn(self.start_proxy())
        elif key == banner_keys.DISMISS:
            self._settings_problem = None
            self._refresh_view()

    def open_log_folder(self) -> None:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._log_dir))):
            self.notify("Log folder", f"The logs are in {self._log_dir}")

    def notify(self, title: str, message: str, level: str = "info") -> None:
        """Tell the user: a tray balloon when there is a tray, and always the window's status bar."""
        getattr(log, "info" if level == "info" else "warning")("%s: %s", title, message)
        if self.tray is not None and self.tray.isVisible() and QSystemTrayIcon.supportsMessages():
            icon = {
                "info": QSystemTrayIcon.MessageIcon.Information,
                "warning": QSystemTrayIcon.MessageIcon.Warning,
            }.get(level, QSystemTrayIcon.MessageIcon.Critical)
            self.tray.showMessage(title, message, icon, 6000)
        self.window.show_notice(f"{title}: {message}".replace("\n", " "))
        if level != "info":
            self.window.add_event(ProxyEvent(time=time.time(), level=level, message=f"{title}: {message}"))

    # -- quit ---------------------------------------------------------------------------
    def request_quit(self) -> None:
        if not self._quitting:
            self._spawn(self.quit())

    async def quit(self) -> None:
        """Stop every stream (engine stop commands), then end; bounded even if the engine hangs."""
        if self._quitting:
            return
        self._quitting = True
        started = time.monotonic()
        self._timer.stop()
        for dialog in list(self._dialogs):
            if shiboken6.isValid(dialog):
                dialog.close()
        self.window.hide()
        if self.tray is not None:
            self.tray.hide()
        if self.core is not None:
            try:
                await asyncio.wait_for(self.core.call(_stop), QUIT_STOP_BUDGET)
            except asyncio.TimeoutError:
                log.warning("the engine did not confirm the stop commands within %.1f s; quitting anyway", QUIT_STOP_BUDGET)
            except Exception:  # noqa: BLE001 - quitting regardless
                log.exception("stopping the proxy failed while quitting")
            self.core.shutdown(CORE_JOIN_BUDGET)
        log.info("%s", self.ticks.stats().log_line())
        log.info("quit took %.2f s", time.monotonic() - started)
        self.finished.emit()
