"""Open in player checks the engine first, reports a player that exits at once, and leaves a running one alone."""

from __future__ import annotations

import os
import signal
import stat
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from desktop.settings import Settings
from desktop.ui import player_process
from desktop.ui.player import PlayerCommand, PlayerSystem
from tests.ports import free_port

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="uses shell scripts as players")

CID = "0123456789abcdef0123456789abcdef01234567"
VLC_AS_ROOT = """VLC is not supposed to be run as root. Sorry.
If you need to use real-time priorities and/or privileged TCP ports
you can use vlc-wrapper (make sure it is Set-UID root and
cannot be run by non-trusted users first).
"""


def script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def open_in(controller, cid: str = CID) -> None:
    QGuiApplication.clipboard().setText(f"acestream://{cid}")
    controller.actions.open_player.trigger()


def notice(controller) -> str:
    return controller.window.statusBar().currentMessage()


def test_with_the_engine_down_no_player_is_started_and_the_user_is_told(
    make_controller, dead_engine_url, qtbot, tmp_path: Path
):
    ran = tmp_path / "ran"
    player = script(tmp_path, "vlc", f'touch "{ran}"\n')
    controller = make_controller(
        Settings(port=free_port(), player_command=str(player)), engine_url=dead_engine_url, player_system=PlayerSystem()
    )
    open_in(controller)
    qtbot.waitUntil(lambda: notice(controller).startswith("The player was not started"), timeout=8000)
    assert f"The AceStream engine does not answer at {dead_engine_url}." in notice(controller)
    assert not ran.exists() and not controller.links.players.players


def test_a_player_that_exits_at_once_is_reported_with_its_status_and_last_line(
    make_controller, engine, qtbot, tmp_path: Path
):
    # What VLC prints when started as root (one message, wrapped over four lines).
    player = script(tmp_path, "vlc", "cat >&2 <<'EOF'\n" + VLC_AS_ROOT + "EOF\nexit 1\n")
    controller = make_controller(
        Settings(port=free_port(), player_command=str(player)), engine_url=engine.url, player_system=PlayerSystem()
    )
    open_in(controller)
    qtbot.waitUntil(lambda: notice(controller).startswith("The player stopped"), timeout=5000)
    assert notice(controller) == (
        "The player stopped: VLC exited at once (status 1): " + " ".join(VLC_AS_ROOT.splitlines())
    )
    assert any("VLC exited at once" in line for line in controller.window.events_model.texts())
    qtbot.waitUntil(lambda: not controller.links.players.players, timeout=2000)  # forgotten once reported


def test_a_player_that_hands_the_link_on_and_exits_cleanly_is_not_an_error(qtbot, qapp, tmp_path: Path):
    # VLC in "one instance" mode passes the link to the running VLC and exits 0 at once.
    launcher = player_process.PlayerLauncher()
    problems: list[tuple[str, str]] = []
    launcher.problem.connect(lambda title, message: problems.append((title, message)))
    launched = launcher.launch(PlayerCommand(str(script(tmp_path, "vlc", "exit 0\n")), ()))
    with qtbot.waitSignal(launched.done, timeout=5000):
        pass
    assert problems == []


def test_a_player_that_keeps_running_is_left_alone_and_outlives_quit(
    make_controller, engine, qtbot, monkeypatch, tmp_path: Path
):
    monkeypatch.setattr(player_process, "EARLY_EXIT_MS", 300)
    pid_file, ticks = tmp_path / "pid", tmp_path / "ticks"
    player = script(
        tmp_path,
        "mpv",
        f'echo $$ > "{pid_file}"\ni=0\n'
        f'while true; do i=$((i+1)); echo "AV: playing $i"; echo $i > "{ticks}"; sleep 0.1; done\n',
    )
    controller = make_controller(
        Settings(port=free_port(), player_command=str(player)), engine_url=engine.url, player_system=PlayerSystem()
    )
    open_in(controller)
    qtbot.waitUntil(lambda: pid_file.exists() and pid_file.read_text().strip() != "", timeout=5000)
    pid = int(pid_file.read_text())
    try:
        (started,) = controller.links.players.players
        qtbot.waitUntil(lambda: started.settled, timeout=3000)
        assert notice(controller).startswith("Opening in player: ")
        with qtbot.waitSignal(controller.finished, timeout=5000):
            controller.request_quit()
        os.kill(pid, 0)  # still there after AceTray's quit (raises if it is gone)
        # …and still printing with AceTray gone: its output never was a pipe that could close under it.
        after_quit = int(ticks.read_text() or 0)
        qtbot.waitUntil(lambda: int(ticks.read_text() or 0) >= after_quit + 3, timeout=3000)
        os.kill(pid, 0)
    finally:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def test_the_name_a_person_knows_a_player_by():
    assert player_process.player_name("/usr/bin/vlc") == "VLC"
    assert player_process.player_name(r"C:\Program Files\VideoLAN\VLC\vlc.exe") == "VLC"
    assert player_process.player_name("/usr/local/bin/mpv") == "mpv"
    assert player_process.player_name("/opt/players/SuperPlayer") == "SuperPlayer"


def test_only_the_end_of_a_long_output_is_read_and_told(tmp_path: Path):
    log = tmp_path / "out.log"
    log.write_bytes(b"x" * 1_000_000 + b"\nfirst\nsecond line\nthe last words\n\n")
    assert player_process.last_words(log, budget=30, limit=64) == "second line the last words"
    log.write_bytes(b"banner\n" + b"y" * 500 + b"\n")
    said = player_process.last_words(log, budget=40)
    assert len(said) <= 40 and said.startswith("yyy") and "…" in said


def test_a_player_that_says_why_and_exits_0_is_reported(qtbot, qapp, tmp_path: Path):
    # ffplay prints "…: Connection refused" and exits 0 all the same.
    launcher = player_process.PlayerLauncher()
    problems: list[str] = []
    launcher.problem.connect(lambda title, message: problems.append(message))
    ffplay = script(tmp_path, "ffplay", 'echo "http://127.0.0.1:6880/x: Connection refused" >&2\nexit 0\n')
    launched = launcher.launch(PlayerCommand(str(ffplay), ()))
    with qtbot.waitSignal(launched.done, timeout=5000):
        pass
    assert problems == ["ffplay exited at once (status 0): http://127.0.0.1:6880/x: Connection refused"]
