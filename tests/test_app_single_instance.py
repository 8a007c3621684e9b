"""Single instance, with two real processes: the second launch hands over its link and exits."""

from __future__ import annotations

import stat
import sys
import time
from pathlib import Path

import pytest

from desktop.settings import Settings
from tests.ports import free_port
from tests.ui.app_process import AppProcess, wait_for

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX signals and shell-script player")

CID = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def running_app(tmp_path: Path, engine):
    apps: list[AppProcess] = []

    def start(**changes) -> AppProcess:
        settings = Settings(engine_url=engine.url, port=free_port(), **changes)
        app = AppProcess(tmp_path / "config", settings).start()
        apps.append(app)
        return app

    yield start
    for app in apps:
        if app.alive():
            app.terminate()
        app.kill()


def test_second_launch_hands_its_link_to_the_running_app(running_app):
    first = running_app(link_action="copy")
    started = time.monotonic()
    second = first.run(f"acestream://{CID}")
    assert second.returncode == 0, second.stderr
    assert time.monotonic() - started < 10
    copied = f"Stream link copied: The link to channel {CID[:8]}… is on the clipboard."
    wait_for(lambda: copied in first.log_text(), 5, "the running app to copy the link")
    assert first.alive()
    # The second process really did step aside: one start-up, one proxy.
    assert first.log_text().count("AceTray starting") == 1
    assert "AceTray is already running; handed over 1 link(s)" in first.log_text()


def test_running_app_opens_a_handed_over_link_in_the_player(running_app, tmp_path: Path):
    record = tmp_path / "player-args.txt"
    script = tmp_path / "fake-player"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    first = running_app(link_action="play", player_command=str(script))
    second = first.run(CID)
    assert second.returncode == 0, second.stderr
    wait_for(lambda: record.exists() and record.read_text().strip(), 5, "the player to be started")
    assert record.read_text().split() == [f"http://127.0.0.1:{first.settings.port}/ace/getstream?id={CID}"]
    assert first.alive()


def test_a_fresh_launch_after_quit_starts_normally(running_app):
    first = running_app()
    assert first.terminate() < 5
    again = running_app()  # the single-instance name is free again
    assert again.alive()
