"""Fixtures shared by the UI tests and the app-process tests (registered in tests/conftest.py):
a background loop for the fake engine and players, engines, players, the UI's qasync loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
import qasync

from desktop.streaming.demo.engine import DemoEngine
from desktop.ui.player import PlayerSystem
from tests.fake_engine import fake_engine_kwargs, make_ts_source
from tests.ui.helpers import BackgroundLoop, PlayerGroup


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


async def _start_engine(engine_class: type[DemoEngine] = DemoEngine, **overrides) -> DemoEngine:
    engine = engine_class(make_ts_source(), **fake_engine_kwargs(**overrides))
    await engine.start()
    return engine


@pytest.fixture
def engine_factory(background: BackgroundLoop) -> Iterator[Callable[..., DemoEngine]]:
    """Start fake engines on the background loop (a DemoEngine subclass, kwargs as overrides)."""
    engines: list[DemoEngine] = []

    def make(engine_class: type[DemoEngine] = DemoEngine, **overrides) -> DemoEngine:
        engine = background.run(_start_engine(engine_class, **overrides))
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
