"""Settings: inline validation, Test connection, persistence, and applying to the running proxy."""

from __future__ import annotations

import dataclasses
import json
import socket

from PySide6.QtCore import QTimer

from desktop import paths
from desktop import settings as settings_store
from desktop.launch import LaunchOptions, effective_settings, new_token, options_after_edit
from desktop.settings import Settings
from desktop.ui.note_line import Tone
from desktop.ui.settings_dialog import SettingsDialog
from tests.fake_engine import DEFAULT_PACKETS
from tests.ports import free_port
from tests.ui.helpers import FakeAutostart, port_accepts


async def _never_called(url: str) -> str:
    raise AssertionError("no engine check expected")


def test_ok_is_disabled_until_every_field_is_valid(qtbot, ui_loop, no_player_system):
    dialog = SettingsDialog(Settings(), _never_called, player_system=no_player_system)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.ok_button.isEnabled()

    dialog.engine_url.setText("ftp://127.0.0.1:6878")
    assert not dialog.ok_button.isEnabled()
    assert not dialog.test_button.isEnabled()
    # The message waits until typing pauses (test_settings_layout.py has the timing).
    qtbot.waitUntil(
        lambda: dialog.shown_errors().get("engine_url") == "Engine URL must start with http:// or https://."
    )
    dialog.engine_url.setText("http://192.168.1.20:6878")

    # Numbers cannot leave their setting's range: the box holds the same rule as the settings file
    # (a port below 1024 is kept and told why: test_settings_refused.py).
    dialog.port.setValue(70000)
    assert dialog.port.value() == 65535
    dialog.port.setValue(8080)
    dialog.linger.setValue(900)
    assert dialog.linger.value() == 600
    dialog.linger.setValue(5)

    dialog.player_command.setText("surely-not-a-player --fs")
    qtbot.waitUntil(lambda: "No program “surely-not-a-player” found" in dialog.shown_errors().get("player_command", ""))
    dialog.player_command.setText("")

    assert dialog.ok_button.isEnabled()
    assert dialog.shown_errors() == {}
    with qtbot.waitSignal(dialog.settings_accepted) as accepted:
        dialog.ok_button.click()
    chosen: Settings = accepted.args[0]
    assert (chosen.engine_url, chosen.port, chosen.linger) == ("http://192.168.1.20:6878", 8080, 5.0)


def test_a_chosen_token_shorter_than_acetrays_own_gets_a_note_until_a_new_one_is_made(qtbot, ui_loop, no_player_system):
    chosen = "Sixteen_chars_ok"  # from the settings file or `--token`: allowed, not advised
    dialog = SettingsDialog(
        Settings(lan_sharing=True, access_token=chosen), _never_called, player_system=no_player_system
    )
    qtbot.addWidget(dialog)
    dialog.show()
    note = dialog._notes["access_token"]
    assert note.tone is Tone.WARNING
    assert note.text() == (
        "This access token has 16 characters; the ones AceTray makes have 24. A shorter token is easier to guess."
    )
    assert dialog.ok_button.isEnabled() and dialog.shown_errors() == {}
    dialog.access_token.setText(new_token())  # what New token does once confirmed
    qtbot.waitUntil(lambda: note.tone is Tone.HINT)
    assert "Share with devices" in note.text()


def test_keeping_favourites_ready_says_what_it_costs_for_the_number_chosen(qtbot, ui_loop, no_player_system):
    dialog = SettingsDialog(Settings(), _never_called, player_system=no_player_system)
    qtbot.addWidget(dialog)
    dialog.show()
    note = dialog._notes["warm_favourites"]
    assert dialog.warm_favourites.text() == "Off"
    assert note.text() == "Off: a favourite starts when you choose it, after the engine's few seconds."
    dialog.warm_favourites.setValue(3)
    assert note.text().startswith("Your first 3 favourites download all the time, as if watched")
    dialog.warm_favourites.setValue(20)
    assert dialog.warm_favourites.value() == 8  # the setting's own limit
    with qtbot.waitSignal(dialog.settings_accepted) as accepted:
        dialog.ok_button.click()
    assert accepted.args[0].warm_favourites == 8


def test_test_connection_shows_the_engine_version(make_controller, engine, qtbot):
    controller = make_controller(engine_url=engine.url)
    dialog = controller.open_settings()
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "Connected" in dialog.test_result.text(), timeout=5000)
    assert dialog.test_result.text() == "Connected: AceStream engine 3.1.70."


def test_test_connection_shows_the_error(make_controller, engine, dead_engine_url, qtbot):
    controller = make_controller(engine_url=engine.url)
    dialog = controller.open_settings()
    dialog.engine_url.setText(dead_engine_url)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_result.text().startswith("No answer"), timeout=8000)
    assert "No answer from the engine:" in dialog.test_result.text()


def test_a_silent_engine_does_not_freeze_the_dialog(make_controller, engine, qtbot):
    controller = make_controller(engine_url=engine.url)
    # Something that accepts connections and never answers, like a hung engine.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        dialog = controller.open_settings()
        dialog.engine_url.setText(f"http://127.0.0.1:{silent.getsockname()[1]}")
        dialog.test_button.click()
        assert dialog.test_result.text().startswith("Asking http://127.0.0.1:")
        assert not dialog.test_button.isEnabled()
        ticks = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start(50)
        qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=2000)  # the UI keeps running meanwhile
        timer.stop()
        assert dialog.test_result.text().startswith("Asking")
        dialog.reject()  # closing the dialog abandons the check
        qtbot.waitUntil(lambda: dialog._check_task is None, timeout=2000)
    finally:
        silent.close()


def test_accepted_settings_are_saved_as_json(make_controller, engine, qtbot):
    controller = make_controller(engine_url=engine.url)
    dialog = controller.open_settings()
    dialog.queue_size.setValue(128)
    dialog.stale_timeout.setValue(12.5)
    dialog.link_action.setCurrentIndex(dialog.link_action.findData("play"))
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: controller.saved_settings.queue_size == 128, timeout=3000)
    data = json.loads(paths.settings_file().read_text())
    assert (data["queue_size"], data["stale_timeout"], data["link_action"]) == (128, 12.5, "play")
    assert settings_store.load().settings == controller.saved_settings


def test_applying_a_new_engine_moves_new_channels_to_it(make_controller, engine_factory, players, qtbot):
    first, second = engine_factory(), engine_factory()
    controller = make_controller(engine_url=first.url)
    dialog = controller.open_settings()
    dialog.engine_url.setText(second.url)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: controller.snapshot.engine_url == second.url, timeout=5000)
    (viewer,) = players.start(
        f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={'b' * 40}", 1, period=DEFAULT_PACKETS
    )
    qtbot.waitUntil(lambda: viewer.bytes > 100_000, timeout=5000)
    assert (first.counters.sessions_started, second.counters.sessions_started) == (0, 1)
    assert second.url in controller.window.status_line.text()


def test_start_on_login_from_the_dialog(make_controller, engine, qtbot):
    autostart = FakeAutostart()
    controller = make_controller(engine_url=engine.url, autostart=autostart)
    dialog = controller.open_settings()
    dialog.start_on_login.setChecked(True)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: autostart.enabled, timeout=3000)
    assert controller.actions.start_on_login.isChecked()


def test_applying_a_new_port_moves_the_server_without_cutting_players(make_controller, engine, players, qtbot):
    controller = make_controller(engine_url=engine.url)
    old_port = controller.settings.port
    cid = "ab" * 20
    (viewer,) = players.start(f"http://127.0.0.1:{old_port}/ace/getstream?id={cid}", 1, period=DEFAULT_PACKETS)
    qtbot.waitUntil(lambda: viewer.bytes > 200_000, timeout=5000)

    new_port = free_port()
    dialog = controller.open_settings()
    dialog.port.setValue(new_port)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: controller.snapshot.listen_url == f"http://127.0.0.1:{new_port}", timeout=5000)
    assert port_accepts(new_port)
    assert not port_accepts(old_port)

    # The player that was already watching keeps getting the stream, unbroken.
    before = viewer.bytes
    qtbot.waitUntil(lambda: viewer.bytes > before + 200_000, timeout=5000)
    assert not viewer.breaks and not viewer.damaged and viewer.error is None
    assert json.loads(paths.settings_file().read_text())["port"] == new_port
    assert f"http://127.0.0.1:{new_port}" in controller.window.status_line.text()


def test_a_busy_port_is_explained_and_fixing_it_starts_the_proxy(make_controller, engine, qtbot):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    busy = blocker.getsockname()[1]
    try:
        controller = make_controller(Settings(port=busy), engine_url=engine.url, wait_running=False)
        qtbot.waitUntil(lambda: controller.window.banner.isVisible(), timeout=5000)
        assert f"Port {busy} is in use by another program" in controller.window.banner.label.text()
        assert not controller.snapshot.running

        dialog = controller.open_settings()
        dialog.port.setValue(free_port())
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: controller.snapshot.running, timeout=5000)
        qtbot.waitUntil(lambda: not controller.window.banner.isVisible(), timeout=3000)
    finally:
        blocker.close()


def test_a_broken_settings_file_is_kept_aside_and_the_user_is_told(make_controller, engine, qtbot):
    path = paths.settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{ this is not json")
    loaded = settings_store.load()
    assert loaded.settings == Settings()
    assert list(path.parent.glob("settings.broken-*.json"))
    controller = make_controller(
        dataclasses.replace(loaded.settings, port=free_port()), engine_url=engine.url, settings_problem=loaded.problem
    )
    banner = controller.window.banner
    assert banner.isVisible()
    assert "The settings file was broken" in banner.label.text() and "Defaults are in use" in banner.label.text()
    assert any("Settings reset" in line for line in controller.window.events_model.texts())
    banner.button("Dismiss").click()
    assert not banner.isVisible()


def test_one_bad_value_in_the_settings_file_is_told_and_the_rest_is_kept(make_controller, engine, qtbot):
    path = paths.settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = "house-token-0123456789abcdef"
    path.write_text(json.dumps({"port": free_port(), "queue_size": 0, "lan_sharing": True, "access_token": token}))
    loaded = settings_store.load()
    assert (loaded.settings.access_token, loaded.settings.lan_sharing) == (token, True)
    controller = make_controller(loaded.settings, engine_url=engine.url, settings_problem=loaded.problem)
    banner = controller.window.banner
    assert banner.isVisible()
    assert "Queue per player is back to 64 (the saved 0 is not allowed" in banner.label.text()
    assert token not in banner.label.text()
    assert any("Queue per player is back to 64" in line for line in controller.window.events_model.texts())
    assert controller.run_settings.proxy_config().token == token  # every shared link stays as it was


def test_unreachable_engine_banner_offers_the_demo_engine_and_streams_flow(
    make_controller, dead_engine_url, players, qtbot
):
    controller = make_controller(engine_url=dead_engine_url)
    banner = controller.window.banner
    qtbot.waitUntil(lambda: banner.isVisible() and banner.button("Use demo engine") is not None, timeout=8000)
    assert f"does not answer at {dead_engine_url}" in banner.label.text()

    banner.button("Use demo engine").click()
    # The core's events may show the demo engine ready a moment before the choice is saved.
    qtbot.waitUntil(
        lambda: (
            controller.snapshot.running
            and controller.snapshot.engine_reachable is True
            and controller.saved_settings.demo_engine
        ),
        timeout=8000,
    )
    cid = "cd" * 20
    (viewer,) = players.start(f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={cid}", 1, period=1)
    qtbot.waitUntil(lambda: viewer.bytes > 100_000, timeout=8000)
    qtbot.waitUntil(lambda: controller.window.streams_model.rowCount() == 1, timeout=3000)
    assert "demo engine is in use" in banner.label.text()
    assert "built-in demo engine" in controller.window.status_line.text()


def test_use_demo_engine_keeps_this_runs_command_line_port(make_controller, dead_engine_url, qtbot):
    override = free_port()
    controller = make_controller(engine_url=dead_engine_url, options=LaunchOptions(overrides={"port": override}))
    assert controller.snapshot.listen_url == f"http://127.0.0.1:{override}"
    banner = controller.window.banner
    qtbot.waitUntil(lambda: banner.button("Use demo engine") is not None, timeout=8000)
    banner.button("Use demo engine").click()
    qtbot.waitUntil(
        lambda: controller.snapshot.engine_reachable is True and controller.saved_settings.demo_engine, timeout=8000
    )
    assert controller.snapshot.listen_url == f"http://127.0.0.1:{override}"
    assert controller.saved_settings.port != override  # the override was for this run only


def test_command_line_overrides_hold_until_the_user_chooses():
    saved = Settings(port=6880, engine_url="http://127.0.0.1:6878")
    options = LaunchOptions(overrides={"engine_url": "http://10.0.0.2:6878", "port": 7000}, host="0.0.0.0")
    shown = effective_settings(saved, options)
    assert (shown.port, shown.engine_url, shown.lan_sharing) == (7000, "http://10.0.0.2:6878", True)
    # Changing only the queue keeps --host; the shown port/engine become the saved ones.
    after = options_after_edit(options, shown, dataclasses.replace(shown, queue_size=100))
    assert (after.overrides, after.host) == ({}, "0.0.0.0")
    # Turning LAN sharing off drops --host.
    assert options_after_edit(options, shown, dataclasses.replace(shown, lan_sharing=False)).host is None


def test_turning_the_tuner_on_says_in_one_sentence_what_tv_apps_may_do_without_the_token(
    qtbot, ui_loop, no_player_system
):
    dialog = SettingsDialog(Settings(), _never_called, player_system=no_player_system)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentIndex(1)  # Sharing
    assert not dialog.tuner.isChecked() and not dialog.tuner_note.isVisible()
    dialog.tuner.setChecked(True)
    assert dialog.tuner_note.isVisible()
    assert dialog.tuner_note.text().count(".") == 1 and "without the access token" in dialog.tuner_note.text()
    # It reads as a line of the page, as wide as the token's note above it, not a narrow column.
    qtbot.waitUntil(lambda: dialog.tuner_note.width() >= dialog._notes["access_token"].width())
    assert dialog.values().tuner is True
    dialog.tuner.setChecked(False)
    assert not dialog.tuner_note.isVisible()


def test_new_token_asks_first_and_only_then_makes_a_new_one(qtbot, ui_loop, no_player_system):
    from PySide6.QtWidgets import QMessageBox

    old = new_token()
    dialog = SettingsDialog(Settings(lan_sharing=True, access_token=old), _never_called, player_system=no_player_system)
    qtbot.addWidget(dialog)
    dialog.show()
    for answer, changed in (("Cancel", False), ("Make a new token", True)):
        dialog.new_token_button.click()
        (box,) = [w for w in dialog.findChildren(QMessageBox) if w.isVisible()]
        assert "stops working" in box.text() + box.informativeText()
        next(b for b in box.buttons() if b.text().replace("&", "") == answer).click()
        qtbot.waitUntil(lambda b=box: not b.isVisible(), timeout=2000)
        assert (dialog.access_token.text() != old) is changed
