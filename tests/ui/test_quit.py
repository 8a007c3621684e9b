"""Quit stops the streams (engine stop commands) and finishes within 2 s, even if the engine hangs."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QMessageBox

from desktop.streaming.demo.state import EngineFaults
from tests.fake_engine import DEFAULT_PACKETS
from tests.ui.helpers import port_accepts

CID = "e" * 40


def quit_and_time(controller, qtbot) -> float:
    """Quit from the menu while a player watches: confirm, then time the quit itself."""
    qtbot.waitUntil(lambda: controller.snapshot.player_count == 1, timeout=5000)
    controller.actions.quit.trigger()
    (box,) = [d for d in controller.dialogs.open if isinstance(d, QMessageBox)]
    assert box.text() == "1 player is watching — quit anyway?"
    started = time.monotonic()
    with qtbot.waitSignal(controller.finished, timeout=5000):
        next(b for b in box.buttons() if b.text() == "Quit").click()
    return time.monotonic() - started


def test_quit_stops_the_engine_sessions(make_controller, engine, players, qtbot):
    controller = make_controller(engine_url=engine.url, tray=True)
    (viewer,) = players.start(
        f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={CID}", 1, period=DEFAULT_PACKETS
    )
    qtbot.waitUntil(lambda: viewer.bytes > 100_000, timeout=5000)
    assert quit_and_time(controller, qtbot) < 2.0
    assert engine.counters.sessions_stopped == 1
    assert not port_accepts(controller.settings.port)
    assert not controller.window.isVisible() and not controller.tray.isVisible()


def test_quit_is_bounded_when_the_engine_hangs(make_controller, engine_factory, players, qtbot):
    engine = engine_factory(faults=EngineFaults(stop_hangs=True))
    controller = make_controller(engine_url=engine.url)
    (viewer,) = players.start(
        f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={CID}", 1, period=DEFAULT_PACKETS
    )
    qtbot.waitUntil(lambda: viewer.bytes > 100_000, timeout=5000)
    assert quit_and_time(controller, qtbot) < 2.0
    assert engine.counters.stop_calls == 1  # it was asked; it just never answered
