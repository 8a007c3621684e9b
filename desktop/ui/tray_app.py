"""`acetray`: the tray app's composition root (QApplication, single instance, controller, loops)."""

from __future__ import annotations

import asyncio
import logging
import sys

import qasync
from PySide6.QtWidgets import QApplication

from desktop import paths
from desktop import settings as settings_store
from desktop.app import make_core_host, placement_from_env
from desktop.launch import LaunchOptions, override_problem
from desktop.logging_setup import setup_logging
from desktop.streaming.http.connection_guard import raise_open_files_limit
from desktop.ui.controller import AppController
from desktop.ui.qt_glue import QuitSignals, UrlOpenFilter, route_qt_messages_to_logging
from desktop.ui.single_instance import SingleInstance, server_name

log = logging.getLogger(__name__)


def run_tray(options: LaunchOptions) -> int:
    """Run the tray app until Quit; returns the process exit code."""
    log_path = setup_logging(to_file=True, to_stderr=True, verbose=options.verbose)
    problem = override_problem(options)
    if problem:
        log.error("%s", problem)
        return 2
    route_qt_messages_to_logging()
    raise_open_files_limit()  # more players and devices before the connection caps have to act
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("AceTray")
    app.setOrganizationName("AceTray")
    app.setDesktopFileName("acetray")
    # Closing the window hides it; only Quit ends the app.
    app.setQuitOnLastWindowClosed(False)

    # Single instance: before any window exists, hand our arguments over.
    name = server_name(paths.config_dir())
    if SingleInstance.forward(name, list(options.links)):
        log.info("AceTray is already running; handed over %d link(s)", len(options.links))
        return 0
    instance = SingleInstance(name)
    if not instance.listen():
        log.warning("could not claim the single-instance name %s; a second launch will start another app", name)

    first_run = not paths.settings_file().exists()
    loaded = settings_store.load()
    placement = placement_from_env()
    controller = AppController(
        settings=loaded.settings,
        options=options,
        core_factory=lambda config: make_core_host(placement, config),
        log_dir=log_path.parent if log_path else paths.log_dir(),
        settings_problem=loaded.problem,
    )
    instance.message_received.connect(controller.links.handle_forwarded)
    url_filter = UrlOpenFilter(controller.links.handle_forwarded)
    app.installEventFilter(url_filter)
    controller.finished.connect(app.quit)
    log.info("AceTray starting (core loop: %s, settings: %s)", placement.value, paths.settings_file())

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    quit_signals = QuitSignals(controller.request_quit)
    with loop:
        controller.launch(show_window=first_run, links=options.links)
        loop.run_forever()
    quit_signals.close()
    instance.close()
    log.info("AceTray exited")
    return controller.exit_code
