"""Open in player says what happened to the player's request: playing, refused, or no connection at all."""

from __future__ import annotations

import os
import signal
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from desktop.settings import Settings
from desktop.streaming.live.requests import SeenRequest
from desktop.ui import player_check
from desktop.ui.player import PlayerSystem
from desktop.ui.player_check import PlayerOutcome, WatchedPlayer, check_player
from tests.ports import free_port

posix_only = pytest.mark.skipif(sys.platform.startswith("win"), reason="uses scripts as players")

CID = "0123456789abcdef0123456789abcdef01234567"
TOKEN = "s3cret-Token_0123456789ab"
VLC_AGENT = "VLC/3.0.21 LibVLC/3.0.21"
# A player as far as the proxy can tell: it asks for the link (its last argument) with VLC's user agent,
# reads a little when it may, and stays open (as VLC does, showing "Your input can't be opened" or the picture).
PLAYER = """import os, sys, time, urllib.error, urllib.request
open({pid!r}, "w").write(str(os.getpid()))
url = sys.argv[-1].replace("token=", "token=not-") if {wrong_token!r} else sys.argv[-1]
if {connects!r}:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={{"User-Agent": {agent!r}}})) as answer:
            answer.read(188 * 50)
            time.sleep(60)
    except urllib.error.HTTPError:
        print("Your input can't be opened", file=sys.stderr)
time.sleep(60)
"""


@pytest.fixture
def make_player(tmp_path: Path) -> Iterator:
    """A player program named `name` (what AceTray calls it until its request names it); killed at the end."""
    pids: list[Path] = []

    def make(name: str = "vlc", *, connects: bool = True, wrong_token: bool = False, agent: str = VLC_AGENT) -> Path:
        pid = tmp_path / f"{name}.pid"
        pids.append(pid)
        body = PLAYER.format(pid=str(pid), wrong_token=wrong_token, connects=connects, agent=agent)
        path = tmp_path / name
        path.write_text(f"#!{sys.executable}\n{body}")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        return path

    yield make
    for pid in pids:
        if pid.exists() and pid.read_text():
            try:
                os.kill(int(pid.read_text()), signal.SIGTERM)
            except ProcessLookupError:
                pass


def open_in_player(controller) -> None:
    QGuiApplication.clipboard().setText(f"acestream://{CID}")
    controller.actions.open_player.trigger()


def notices(controller) -> list[str]:
    return [controller.window.statusBar().currentMessage(), *controller.window.events_model.texts()]


@posix_only
def test_a_player_that_gets_the_channel_is_said_to_play_it(make_controller, engine, make_player, qtbot):
    player = make_player("vlc")
    controller = make_controller(
        Settings(port=free_port(), player_command=str(player)), engine_url=engine.url, player_system=PlayerSystem()
    )
    open_in_player(controller)
    bar = controller.window.statusBar()
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("Playing:"), timeout=10000)
    assert bar.currentMessage() == f"Playing: VLC is playing channel {CID[:8]}…"


@posix_only
def test_a_refused_player_is_told_with_the_proxys_reason(make_controller, engine, make_player, qtbot):
    # LAN sharing on, and a link whose token is wrong (an old one, a player that mangles it): 401.
    player = make_player("run-vlc", wrong_token=True)
    settings = Settings(port=free_port(), player_command=str(player), lan_sharing=True, access_token=TOKEN)
    controller = make_controller(settings, engine_url=engine.url, player_system=PlayerSystem())
    open_in_player(controller)
    bar = controller.window.statusBar()
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("The player was refused"), timeout=10000)
    # "VLC", from its request (the program was a wrapper), and the proxy's own sentence.
    assert bar.currentMessage() == (
        "The player was refused: VLC was refused: AceTray asks for its access token: "
        "use the links from Share with devices (they end in ?token=…)."
    )
    assert any("VLC was refused" in line for line in controller.window.events_model.texts())
    assert TOKEN not in " ".join(notices(controller))


@posix_only
def test_a_player_that_never_connects_is_said_not_to(make_controller, engine, make_player, qtbot, monkeypatch):
    monkeypatch.setattr(player_check, "CONNECT_WITHIN", 1.0)  # a timeout, not a pause: nothing will come
    player = make_player("mpv", connects=False)
    controller = make_controller(
        Settings(port=free_port(), player_command=str(player)), engine_url=engine.url, player_system=PlayerSystem()
    )
    open_in_player(controller)
    bar = controller.window.statusBar()
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("The player did not connect"), timeout=10000)
    assert "mpv did not connect to AceTray within 1 s" in bar.currentMessage()


# -- the judgement itself, on a clock of its own ---------------------------------------------------------
WATCHED = WatchedPlayer("VLC", "“Sport 1”", since=1000.0)


def seen(status: int | None = None, sent: int = 0, *, at: float = 1001.0, address: str = "127.0.0.1:40000", **kw):
    values = {"user_agent": VLC_AGENT, "path": "/ace/getstream", "message": "", "open": True, **kw}
    return SeenRequest(at=at, address=address, status=status, bytes_sent=sent, **values)


class Clock:
    """Time that moves only when the check sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += 1


async def judge(*answers: tuple[SeenRequest, ...], exited: bool = False, clock: Clock | None = None):
    """check_player against a record that gives `answers` one after the other (the last one again after)."""
    clock = clock or Clock()
    given = list(answers)

    async def ask() -> tuple[SeenRequest, ...]:
        return given.pop(0) if len(given) > 1 else given[0]

    return await check_player(
        ask, WATCHED, exited=lambda: exited, clock=clock, sleep=clock.sleep, connect_within=5, bytes_within=60
    )


async def test_bytes_mean_playing_once_they_come():
    assert await judge((), (seen(),), (seen(200, 94_000),)) == PlayerOutcome(
        "info", "Playing", "VLC is playing “Sport 1”."
    )


async def test_a_refusal_and_a_failed_start_are_told_with_the_proxys_words():
    refused = await judge((seen(401, message="AceTray asks for its access token.", open=False),))
    assert refused == PlayerOutcome(
        "error", "The player was refused", "VLC was refused: AceTray asks for its access token."
    )
    failed = await judge((seen(504, message="No data from the engine within 60 s", open=False),))
    assert failed.message == "VLC asked for “Sport 1”; AceTray answered: No data from the engine within 60 s"


async def test_nothing_within_the_wait_is_no_connection_unless_the_player_already_said_why():
    clock = Clock()
    outcome = await judge((), clock=clock)
    assert outcome.title == "The player did not connect" and clock.now >= 5
    assert await judge((), exited=True) is None  # it exited at once: PlayerProcess told that


async def test_only_this_players_request_counts_not_an_older_one_or_another_devices():
    older = seen(200, 5_000_000, at=990.0)
    elsewhere = seen(200, 5_000_000, address="192.168.1.30:50000")
    outcome = await judge((older, elsewhere))
    assert outcome.title == "The player did not connect"


async def test_a_player_still_waiting_for_the_engine_is_told_so_at_the_end_of_the_wait():
    clock = Clock()
    outcome = await judge((seen(),), clock=clock)
    assert outcome.title == "Still waiting" and clock.now >= 60
    assert outcome.message == "VLC is connected, but the engine has sent nothing of “Sport 1” yet."
