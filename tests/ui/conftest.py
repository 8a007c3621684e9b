"""Fixtures for the desktop UI: the app's real pieces (controller, window, core thread,
ProxyService), a fake engine on a loop of its own, and players."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Callable, Iterator

import pytest
import qasync

from desktop import settings as settings_store
from desktop.app import CorePlacement, make_core_host
from desktop.cli import LaunchOptions
from desktop.settings import Settings
from desktop.streaming.demo_engine import DemoEngine
from desktop.ui.controller import AppController
from desktop.ui.player import PlayerSystem
from tests.fake_engine import fake_engine_kwargs, make_ts_source
from tests.ui.helpers import BackgroundLoop, FakeAutostart, PlayerGroup, free_port


@pytest.fixture
def ui_loop(qapp) -> Iterator[asyncio.AbstractEventLoop]:
    """The qasync loop on the Qt thread, as in the app; qtbot's waits drive it."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture
def background() -> Iterator[BackgroundLoop]:
    bg = BackgroundLoop()
    yield bg
    bg.close()


async def _start_engine(**overrides) -> DemoEngine:
    engine = DemoEngine(make_ts_source(), **fake_engine_kwargs(**overrides))
    await engine.start()
    return engine


@pytest.fixture
def engine_factory(background: BackgroundLoop) -> Iterator[Callable[..., DemoEngine]]:
    """Start fake engines on the background loop (DemoEngine kwargs as overrides)."""
    engines: list[DemoEngine] = []

    def make(**overrides) -> DemoEngine:
        engine = background.run(_start_engine(**overrides))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        background.run(engine.stop())


@pytest.fixture
def engine(engine_factory) -> DemoEngine:
    return engine_factory()


@pytest.fixture
def players(background: BackgroundLoop) -> Iterator[PlayerGroup]:
    group = PlayerGroup(background)
    yield group
    group.stop()


@pytest.fixture
def no_player_system() -> PlayerSystem:
    """An OS with no VLC or mpv anywhere."""
    return PlayerSystem(platform="linux", environ={}, which=lambda _name: None, is_file=lambda _p: False)


@pytest.fixture
def make_controller(qtbot, ui_loop, tmp_path: Path, no_player_system: PlayerSystem):
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
    ) -> AppController:
        settings = settings or Settings(port=free_port(), linger=1.0)
        if engine_url:
            settings = dataclasses.replace(settings, engine_url=engine_url)
        controller = AppController(
            settings=settings,
            options=options,
            core_factory=lambda config: make_core_host(placement, config),
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
        if controller.core is not None and not controller._quitting:
            with qtbot.waitSignal(controller.finished, timeout=5000):
                controller.request_quit()
        controller.window.deleteLater()
        if controller.tray is not None:
            controller.tray.deleteLater()
