"""The real app's controller, launched against the fake engine (fixtures.py has the rest)."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop import launch
from desktop import settings as settings_store
from desktop.app import CorePlacement, make_core_host
from desktop.launch import LaunchOptions
from desktop.settings import Settings
from desktop.streaming.service import ProxyService
from desktop.ui.controller import AppController
from desktop.ui.player import PlayerSystem
from tests.ports import free_port
from tests.ui.helpers import FakeAutostart


@pytest.fixture
def private_discovery_port(monkeypatch: pytest.MonkeyPatch) -> int:
    """The app's tuner answers discovery on a port of its own, not SiliconDust's 65001: that one is
    for the one test that needs it (test_tuner_http, hdhomerun_config), whatever runs beside it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    real = launch.proxy_config
    monkeypatch.setattr(launch, "proxy_config", lambda *a, **k: dataclasses.replace(real(*a, **k), discovery_port=port))
    return port


@pytest.fixture
def make_controller(qtbot, ui_loop, tmp_path: Path, no_player_system: PlayerSystem, private_discovery_port: int):
    """Build and launch the real app (minus QApplication/single instance); quit at teardown."""
    made: list[AppController] = []

    def make(
        settings: Settings | None = None,
        *,
        engine_url: str | None = None,
        options: LaunchOptions = LaunchOptions(),
        tray: bool = False,
        autostart: FakeAutostart | None = None,
        player_system: PlayerSystem | None = None,
        placement: CorePlacement = CorePlacement.THREAD,
        settings_problem: str | None = None,
        launch: bool = True,
        wait_running: bool = True,
        service_factory: Callable[..., ProxyService] = ProxyService,
    ) -> AppController:
        settings = settings or Settings(port=free_port(), linger=1.0)
        if engine_url:
            settings = dataclasses.replace(settings, engine_url=engine_url)
        controller = AppController(
            settings=settings,
            options=options,
            core_factory=lambda config: make_core_host(placement, config, service_factory),
            log_dir=tmp_path / "logs",
            settings_problem=settings_problem,
            autostart=autostart or FakeAutostart(),
            tray_available=tray,
            player_system=player_system or no_player_system,
            save_settings=settings_store.save,
        )
        # Not qtbot.addWidget: pytest-qt would close the window before this
        # fixture quits the app, which with players connected asks "Quit?".
        made.append(controller)
        if launch:
            controller.launch(show_window=True)
            if wait_running:
                qtbot.waitUntil(lambda: controller.snapshot is not None and controller.snapshot.running, timeout=5000)
        return controller

    yield make
    for controller in made:
        if controller.core is not None and not controller.quitting:
            with qtbot.waitSignal(controller.finished, timeout=5000):
                controller.request_quit()
        controller.window.deleteLater()
        # The controller too, here: left to the garbage collector, it could be destroyed on
        # the core thread of a later test (Qt objects must die on the thread that owns them).
        controller.deleteLater()
        if controller.tray is not None:
            controller.tray.deleteLater()
