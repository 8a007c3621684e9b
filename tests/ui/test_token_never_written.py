"""The access token is never written down by AceTray: not in a log line, not in a notification.

A whole LAN session in the tray app — sharing turned on, a link copied, a
player opened (one that prints the link it could not open, as mpv does), the
share dialog, a settings change, a player streaming, a device guessing — and
then every log record and every notification text is searched for the token.
(`acetray serve`'s side is in tests/test_serve_token.py.)
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from desktop.settings import Settings
from desktop.ui.notifier import Notifier
from desktop.ui.player import PlayerSystem
from desktop.ui.share_dialog import ShareDialog
from tests.fake_engine import DEFAULT_PACKETS
from tests.ports import free_port
from tests.ui.lan_session import lan_is_loopback, recording_player, status_of

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="uses a shell script as the player")

CID = "0123456789abcdef0123456789abcdef01234567"
# What mpv prints when it cannot open a link: the whole link, token and all.
MPV_FAILS = (
    'for a; do last="$a"; done\necho "[ffmpeg] http: HTTP error 404 Not Found"\necho "Failed to open $last."\nexit 2\n'
)


def test_a_whole_lan_session_writes_the_token_into_no_log_line_and_no_notification(
    make_controller, engine, players, qtbot, tmp_path: Path, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    told: list[str] = []
    notify = Notifier.notify

    def spy(self: Notifier, title: str, message: str, level: str = "info") -> None:
        told.append(f"{title}: {message}")
        notify(self, title, message, level)

    monkeypatch.setattr(Notifier, "notify", spy)
    lan_is_loopback(monkeypatch)
    record = tmp_path / "player-args"
    player = recording_player(tmp_path, record, then=MPV_FAILS)
    controller = make_controller(
        Settings(port=free_port(), linger=1.0, player_command=str(player)),
        engine_url=engine.url,
        player_system=PlayerSystem(),
    )

    # LAN sharing on, from the share dialog.
    controller.open_share_dialog().turn_on.click()
    qtbot.waitUntil(lambda: controller.saved_settings.lan_sharing, timeout=5000)
    token = controller.saved_settings.access_token
    qtbot.waitUntil(lambda: token in controller.dialogs.find(ShareDialog).page.url.text(), timeout=5000)

    # Copy stream link, then Open in player with it: the player fails and prints the link.
    QGuiApplication.clipboard().setText(f"acestream://{CID}")
    controller.actions.copy_link.trigger()
    link = QGuiApplication.clipboard().text()
    assert token in link
    controller.actions.open_player.trigger()
    qtbot.waitUntil(lambda: any(text.startswith("The player stopped") for text in told), timeout=8000)
    assert token in record.read_text()  # the player was given the whole link

    # A player streaming, and a device guessing the token.
    (streaming,) = players.start(link, 1, period=DEFAULT_PACKETS)
    qtbot.waitUntil(lambda: streaming.packets > 100, timeout=10000)
    statuses = [status_of(link.replace(token, f"guess-number-{n:02d}-xxxxxxx")) for n in range(12)]
    assert statuses == [401] * 10 + [429] * 2

    # A settings change, applied and saved.
    dialog = controller.open_settings()
    dialog.linger.setValue(2)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: controller.saved_settings.linger == 2, timeout=5000)
    assert controller.saved_settings.access_token == token

    players.stop()
    with qtbot.waitSignal(controller.finished, timeout=8000):
        controller.request_quit()

    logged = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    shown = told + controller.window.events_model.texts()
    assert any("Stream link copied" in text for text in told) and any("is opening" in text for text in told)
    assert any("token=…" in text for text in told)  # the player's words, told without the token
    assert [line for line in logged if token in line] == []
    assert [text for text in shown if token in text] == []
