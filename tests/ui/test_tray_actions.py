"""The tray menu's commands, driven as a user would, against the real proxy core."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QToolBar

from desktop.settings import Settings
from desktop.ui.icons import TrayState
from desktop.ui.link_dialog import LinkDialog
from desktop.ui.links import lan_address
from desktop.ui.player import PlayerSystem
from tests.ports import free_port
from tests.ui.helpers import FakeAutostart, port_accepts

CID = "0123456789abcdef0123456789abcdef01234567"


def clipboard() -> str:
    return QGuiApplication.clipboard().text()


def open_dialog(controller, kind=LinkDialog):
    dialogs = [d for d in controller.dialogs.open if isinstance(d, kind)]
    assert dialogs, f"no {kind.__name__} open"
    return dialogs[-1]


def test_menu_lists_the_commands_in_order(make_controller, engine):
    controller = make_controller(engine_url=engine.url, tray=True)
    labels = [a.text() or "—" for a in controller.tray.menu.actions() if a.isVisible()]
    assert labels == [
        "Stop proxy",
        "Start engine",
        "    Not run by AceTray (Settings → Engine)",  # why it is greyed: tray menus show no tooltips
        "—",
        "Copy stream link…",
        "Open in player…",
        "Favourites",
        "Recent channels",
        "Share with devices…",
        "—",
        "Show window",
        "Settings…",
        "Start on login",
        "—",
        "Quit",
    ]
    assert controller.actions.start_on_login.isCheckable()
    # The engine is the user's own here: AceTray has none to start, and says so in the menu itself.
    assert not controller.actions.engine.isEnabled() and not controller.actions.engine_reason.isEnabled()
    assert "Start AceStream on this computer" in controller.actions.engine.toolTip()  # the window's toolbar


def test_start_and_stop_change_the_server_state(make_controller, engine, qtbot):
    controller = make_controller(engine_url=engine.url, tray=True)
    port = controller.settings.port
    assert port_accepts(port)
    # Idle, and the start call done: the engine's first answer may show before it (a pushed snapshot).
    qtbot.waitUntil(
        lambda: controller.tray.status.state is TrayState.IDLE and controller.actions.start_stop.isEnabled(),
        timeout=3000,
    )

    controller.actions.start_stop.trigger()  # "Stop proxy"
    qtbot.waitUntil(lambda: not controller.snapshot.running and controller.actions.start_stop.isEnabled(), timeout=5000)
    assert not port_accepts(port)
    assert controller.actions.start_stop.text() == "Start proxy"
    assert controller.tray.status.state is TrayState.STOPPED
    assert controller.tray.status.tooltip == "AceTray — proxy stopped"

    controller.actions.start_stop.trigger()  # "Start proxy"
    qtbot.waitUntil(lambda: controller.snapshot.running, timeout=5000)
    assert port_accepts(port)
    assert controller.actions.start_stop.text() == "Stop proxy"


@pytest.mark.parametrize(
    "given",
    [
        f"acestream://{CID}",
        CID.upper(),  # a bare id, in whatever case it was pasted
        f"http://127.0.0.1:6878/ace/getstream?id={CID}&pid=kodi",
        f"  https://example.org/play/{CID}/stream.m3u8  ",
    ],
    ids=["acestream-link", "bare-id", "engine-url", "url-with-id-in-path"],
)
def test_copy_link_from_the_clipboard(make_controller, engine, given):
    controller = make_controller(engine_url=engine.url)
    QGuiApplication.clipboard().setText(given)
    controller.actions.copy_link.trigger()
    expected = f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={CID}"
    assert clipboard() == expected
    assert (
        controller.window.statusBar()
        .currentMessage()
        .startswith(f"Stream link copied: The link to channel {CID[:8]}… is on the clipboard.")
    )
    assert controller.saved_settings.recent_channels[0] == CID


def test_invalid_input_gets_a_message_and_nothing_is_copied(make_controller, engine, qtbot):
    controller = make_controller(engine_url=engine.url)
    QGuiApplication.clipboard().setText("some unrelated text")
    controller.actions.copy_link.trigger()
    dialog = open_dialog(controller)  # nothing usable on the clipboard: ask
    dialog.input.setText("acestream://not-a-real-id")
    assert not dialog.ok_button.isEnabled()
    assert "not an AceStream link" in dialog.message.text()
    dialog._accept_if_valid()  # even forced, nothing happens
    assert dialog.isVisible()
    assert clipboard() == "some unrelated text"

    dialog.input.setText(f"acestream://{CID}")
    assert dialog.ok_button.isEnabled()
    dialog.ok_button.click()
    assert clipboard().endswith(f"/ace/getstream?id={CID}")


def test_after_a_copy_the_next_copy_asks_for_another_channel(make_controller, engine):
    controller = make_controller(engine_url=engine.url)
    QGuiApplication.clipboard().setText(CID)
    controller.actions.copy_link.trigger()
    controller.actions.copy_link.trigger()  # the clipboard holds our own link now
    assert open_dialog(controller).isVisible()


def test_lan_sharing_puts_this_machines_address_in_the_link(make_controller, engine):
    address = lan_address()
    if address is None:
        pytest.skip("this machine has no network address")
    controller = make_controller(Settings(port=free_port(), lan_sharing=True), engine_url=engine.url)
    QGuiApplication.clipboard().setText(CID)
    controller.actions.copy_link.trigger()
    token = controller.saved_settings.access_token  # LAN sharing: made on first use, in every link
    assert len(token) >= 16
    assert clipboard() == f"http://{address}:{controller.settings.port}/ace/getstream?id={CID}&token={token}"
    assert "any device on your network" in controller.window.statusBar().currentMessage()


def test_recent_channels_menu_repeats_a_copy(make_controller, engine):
    controller = make_controller(engine_url=engine.url)
    QGuiApplication.clipboard().setText(CID)
    controller.actions.copy_link.trigger()
    QGuiApplication.clipboard().setText("")
    entries = [a for a in controller.actions.recent_menu.actions() if a.data()]
    assert [a.data() for a in entries] == [("id", CID)]
    entries[0].trigger()
    assert clipboard().endswith(f"id={CID}")


def test_open_in_player_without_a_player_says_how_to_set_one(make_controller, engine, qtbot):
    controller = make_controller(engine_url=engine.url)
    QGuiApplication.clipboard().setText(CID)
    controller.actions.open_player.trigger()
    qtbot.waitUntil(lambda: controller.window.statusBar().currentMessage() != "", timeout=3000)
    message = controller.window.statusBar().currentMessage()
    assert message.startswith("No video player found")
    assert "Settings" in message and "VLC" in message


@pytest.mark.skipif(sys.platform.startswith("win"), reason="uses a shell script as the player")
def test_open_in_player_starts_the_configured_player_with_the_link(make_controller, engine, qtbot, tmp_path: Path):
    record = tmp_path / "player-args.txt"
    script = tmp_path / "fake-player"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    settings = Settings(port=free_port(), player_command=f"{script} --fullscreen")
    controller = make_controller(settings, engine_url=engine.url, player_system=PlayerSystem())
    QGuiApplication.clipboard().setText(f"acestream://{CID}")
    controller.actions.open_player.trigger()
    qtbot.waitUntil(lambda: record.exists() and record.read_text().count("\n") == 2, timeout=5000)
    assert record.read_text().splitlines() == [
        "--fullscreen",
        f"http://127.0.0.1:{settings.port}/ace/getstream?id={CID}",
    ]


def test_start_on_login_follows_the_check_mark(make_controller, engine):
    autostart = FakeAutostart()
    controller = make_controller(engine_url=engine.url, autostart=autostart)
    controller.actions.start_on_login.trigger()
    assert autostart.enabled and controller.actions.start_on_login.isChecked()
    assert controller.saved_settings.start_on_login
    controller.actions.start_on_login.trigger()
    assert not autostart.enabled and not controller.saved_settings.start_on_login


def test_start_on_login_failure_is_explained_and_unchecked(make_controller, engine):
    autostart = FakeAutostart(fail_with="Could not change /home/x/.config/autostart: read-only file system.")
    controller = make_controller(engine_url=engine.url, autostart=autostart)
    controller.actions.start_on_login.trigger()
    assert not controller.actions.start_on_login.isChecked()
    assert "read-only file system" in controller.window.statusBar().currentMessage()


def test_closing_the_window_keeps_the_app_in_the_tray(make_controller, engine, qtbot):
    controller = make_controller(engine_url=engine.url, tray=True)
    controller.window.close()
    assert not controller.window.isVisible()
    assert controller.snapshot.running and port_accepts(controller.settings.port)
    controller.actions.show_window.trigger()
    assert controller.window.isVisible()


def test_without_a_tray_the_window_is_shown_and_has_every_command(make_controller, engine):
    controller = make_controller(engine_url=engine.url, tray=False)
    assert controller.tray is None
    assert controller.window.isVisible()
    toolbar_actions = {a.text() for bar in controller.window.findChildren(QToolBar) for a in bar.actions()}
    for needed in (
        "Stop proxy",
        "Start engine",
        "Copy stream link…",
        "Open in player…",
        "Settings…",
        "Open log folder",
        "Quit",
    ):
        assert needed in toolbar_actions


class _UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_open_log_folder_opens_the_log_directory(make_controller, engine, tmp_path: Path, monkeypatch):
    monkeypatch.setattr("desktop.ui.log_folder.find_xdg_open", lambda: None)  # Qt's own way (Windows, macOS)
    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")  # what the desktop would be asked to open
    try:
        controller = make_controller(engine_url=engine.url)
        controller.actions.open_logs.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(u.toLocalFile()) for u in catcher.urls] == [tmp_path / "logs"]
    assert (tmp_path / "logs").is_dir()


def test_without_a_tray_closing_asks_before_cutting_players(make_controller, engine, players, qtbot):
    from PySide6.QtWidgets import QMessageBox

    from tests.fake_engine import DEFAULT_PACKETS

    controller = make_controller(engine_url=engine.url, tray=False)
    players.start(f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={CID}", 2, period=DEFAULT_PACKETS)
    qtbot.waitUntil(lambda: controller.snapshot.player_count == 2, timeout=5000)
    controller.window.close()
    box = open_dialog(controller, QMessageBox)
    assert box.text() == "2 players are watching — quit anyway?"
    assert "stops their streams" in box.informativeText()
    next(b for b in box.buttons() if b.text() == "Keep running").click()
    qtbot.waitUntil(lambda: controller.window.isMinimized(), timeout=2000)
    assert controller.snapshot.running and not controller.quitting


def test_stop_proxy_asks_first_when_players_are_watching(make_controller, engine, players, qtbot):
    from PySide6.QtWidgets import QMessageBox

    from tests.fake_engine import DEFAULT_PACKETS

    controller = make_controller(engine_url=engine.url, tray=True)
    players.start(f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={CID}", 2, period=DEFAULT_PACKETS)
    qtbot.waitUntil(lambda: controller.snapshot.player_count == 2, timeout=5000)
    controller.actions.start_stop.trigger()  # "Stop proxy"
    box = open_dialog(controller, QMessageBox)
    assert box.text() == "2 players are watching — stop proxy anyway?"
    assert box.defaultButton().text() == "Keep running"
    next(b for b in box.buttons() if b.text() == "Keep running").click()
    assert controller.snapshot.running and port_accepts(controller.settings.port)
    controller.actions.start_stop.trigger()
    next(b for b in open_dialog(controller, QMessageBox).buttons() if b.text() == "Stop proxy").click()
    qtbot.waitUntil(lambda: not controller.snapshot.running, timeout=5000)


def asked_to_quit(make_controller, engine, players, qtbot, *, from_the_tray_alone: bool = False):
    """The app with one player watching, after Quit from the menu: (controller, the question)."""
    from PySide6.QtWidgets import QMessageBox

    from tests.fake_engine import DEFAULT_PACKETS

    controller = make_controller(engine_url=engine.url, tray=True)
    players.start(f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={CID}", 1, period=DEFAULT_PACKETS)
    qtbot.waitUntil(lambda: controller.snapshot.player_count == 1, timeout=5000)
    if from_the_tray_alone:
        controller.window.hide()
    controller.actions.quit.trigger()
    box = open_dialog(controller, QMessageBox)
    assert box.text() == "1 player is watching — quit anyway?"
    return controller, box


def test_quit_from_the_menu_asks_first_when_players_are_watching(make_controller, engine, players, qtbot):
    controller, box = asked_to_quit(make_controller, engine, players, qtbot)
    next(b for b in box.buttons() if b.text() == "Keep running").click()
    assert not controller.quitting and controller.snapshot.running


def test_a_quit_question_left_open_follows_the_players(make_controller, engine, players, qtbot):
    controller, box = asked_to_quit(make_controller, engine, players, qtbot)
    players.stop()  # the player leaves while the question is open
    qtbot.waitUntil(lambda: box.text() == "Nobody is watching now — quit?", timeout=15_000)
    assert box.informativeText() == ""
    with qtbot.waitSignal(controller.finished, timeout=5000):
        next(b for b in box.buttons() if b.text() == "Quit").click()


def test_without_a_tray_closing_an_idle_window_quits(make_controller, engine, qtbot):
    controller = make_controller(engine_url=engine.url, tray=False)
    with qtbot.waitSignal(controller.finished, timeout=3000):
        controller.window.close()
    assert not port_accepts(controller.settings.port)


def test_a_dialog_opened_from_the_tray_carries_acetrays_icon(make_controller, engine, players, qtbot):
    """A question asked from the tray has no parent window: its title bar shows the app's icon, not a blank one."""
    controller, box = asked_to_quit(make_controller, engine, players, qtbot, from_the_tray_alone=True)
    assert box.parent() is None
    assert not box.windowIcon().isNull()
    assert box.windowIcon().cacheKey() == controller.window.windowIcon().cacheKey()  # the same icon as the window
    next(b for b in box.buttons() if b.text() == "Keep running").click()
