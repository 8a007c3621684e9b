"""The real app process: a quit request (SIGTERM, as at logout) stops the streams and exits within 2 s."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop.settings import Settings
from desktop.streaming.demo.state import EngineFaults
from tests.fake_engine import DEFAULT_PACKETS
from tests.ports import free_port
from tests.ui.app_process import AppProcess, wait_for
from tests.ui.helpers import port_accepts

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX signals")

CID = "f" * 40


def start_watching(app: AppProcess, players, count: int):
    watchers = players.start(
        f"http://127.0.0.1:{app.settings.port}/ace/getstream?id={CID}", count, period=DEFAULT_PACKETS
    )
    wait_for(lambda: all(w.bytes > 100_000 for w in watchers), 10, "the players to receive data")
    return watchers


def test_quit_stops_streams_and_exits_within_two_seconds(tmp_path: Path, engine, players):
    app = AppProcess(tmp_path / "config", Settings(engine_url=engine.url, port=free_port())).start()
    try:
        start_watching(app, players, 2)
        took = app.terminate()
        print(f"quit took {took:.2f} s")
        assert took < 2.0, f"quit took {took:.2f} s"
        assert app.proc.returncode == 0
        assert engine.counters.sessions_stopped == 1  # the engine was told to stop the channel
        assert not port_accepts(app.settings.port)
        assert "AceTray exited" in app.log_text()
    finally:
        app.kill()


def test_quit_within_two_seconds_even_if_the_engine_hangs(tmp_path: Path, engine_factory, players):
    engine = engine_factory(faults=EngineFaults(stop_hangs=True))
    app = AppProcess(tmp_path / "config", Settings(engine_url=engine.url, port=free_port())).start()
    try:
        start_watching(app, players, 1)
        took = app.terminate()
        print(f"quit took {took:.2f} s")
        assert took < 2.0, f"quit took {took:.2f} s"
        assert engine.counters.stop_calls == 1
    finally:
        app.kill()
