"""LAN sharing works the first time: from a fresh config, every link shown after turning it on answers 200.

The real path, as a new user takes it: Share with devices → Turn on LAN sharing,
or Settings → Sharing → OK. Then every URL AceTray shows or hands out is opened
as another device would: the page and the playlist (their text and their QR
codes), what Copy stream link puts on the clipboard, and the URL Open in player
gives the player.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from desktop.settings import Settings
from desktop.ui.controller import AppController
from desktop.ui.player import PlayerSystem
from desktop.ui.share_dialog import ShareDialog
from tests.ports import free_port
from tests.ui.lan_session import lan_is_loopback, recording_player, status_of
from tests.ui.test_share_dialog import decode

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="uses a shell script as the player")

CID = "0123456789abcdef0123456789abcdef01234567"


def fresh_app(make_controller, engine, tmp_path: Path, record: Path) -> AppController:
    player = recording_player(tmp_path, record)
    settings = Settings(port=free_port(), linger=1.0, player_command=str(player))
    controller = make_controller(settings, engine_url=engine.url, player_system=PlayerSystem())
    assert controller.saved_settings.access_token == "" and not controller.saved_settings.lan_sharing
    return controller


def wait_sharing(controller: AppController, qtbot) -> None:
    qtbot.waitUntil(
        lambda: (
            controller.saved_settings.lan_sharing
            and controller.snapshot is not None
            and controller.snapshot.listen_url == f"http://0.0.0.0:{controller.settings.port}"
        ),
        timeout=5000,
    )


def every_url_shown(controller: AppController, share: ShareDialog, qtbot, record: Path) -> dict[str, str]:
    urls = {"page": share.page.url.text(), "playlist": share.playlist.url.text()}
    urls["page QR code"], urls["playlist QR code"] = (
        *decode(share.page.qr.pixmap().toImage()),
        *decode(share.playlist.qr.pixmap().toImage()),
    )
    QGuiApplication.clipboard().setText(f"acestream://{CID}")
    controller.actions.copy_link.trigger()
    urls["Copy stream link"] = QGuiApplication.clipboard().text()
    controller.actions.open_player.trigger()  # the clipboard holds the copied link: its channel is played
    qtbot.waitUntil(lambda: record.exists() and record.read_text().strip() != "", timeout=8000)
    urls["Open in player"] = record.read_text().split()[-1]
    return urls


def test_turning_lan_sharing_on_in_the_share_dialog_gives_links_that_work_at_once(
    make_controller, engine, qtbot, tmp_path: Path, monkeypatch
):
    lan_is_loopback(monkeypatch)
    record = tmp_path / "player-args"
    controller = fresh_app(make_controller, engine, tmp_path, record)
    first = controller.open_share_dialog()
    first.turn_on.click()
    wait_sharing(controller, qtbot)
    qtbot.waitUntil(lambda: controller.dialogs.find(ShareDialog) not in (None, first), timeout=5000)
    share = controller.dialogs.find(ShareDialog)
    assert isinstance(share, ShareDialog) and not share.off_note.isVisibleTo(share)

    urls = every_url_shown(controller, share, qtbot, record)
    token = controller.saved_settings.access_token
    assert all(url.startswith("http://127.0.0.1:") and token in url for url in urls.values()), urls
    assert {name: status_of(url) for name, url in urls.items()} == dict.fromkeys(urls, 200)


def test_turning_lan_sharing_on_in_settings_gives_links_that_work_at_once(
    make_controller, engine, qtbot, tmp_path: Path, monkeypatch
):
    lan_is_loopback(monkeypatch)
    record = tmp_path / "player-args"
    controller = fresh_app(make_controller, engine, tmp_path, record)
    dialog = controller.open_settings()
    dialog.lan_sharing.setChecked(True)
    dialog.ok_button.click()
    wait_sharing(controller, qtbot)
    share = controller.open_share_dialog()

    urls = every_url_shown(controller, share, qtbot, record)
    token = controller.saved_settings.access_token
    assert all(url.startswith("http://127.0.0.1:") and token in url for url in urls.values()), urls
    assert {name: status_of(url) for name, url in urls.items()} == dict.fromkeys(urls, 200)
