"""A settings change is applied first and saved only once it is in force; links follow the listening socket."""

from __future__ import annotations

import json
import socket

from PySide6.QtGui import QGuiApplication

from desktop import paths
from desktop.settings import Settings
from desktop.streaming.config import ProxyConfig
from desktop.streaming.snapshot import ProxySnapshot
from desktop.ui.links import ListenAddress
from tests.fake_engine import DEFAULT_PACKETS
from tests.ports import free_port
from tests.ui.helpers import port_accepts

CID = "0123456789abcdef0123456789abcdef01234567"


def test_a_refused_port_change_saves_nothing_and_says_what_stayed_and_the_dialog_keeps_the_edits(
    make_controller, engine, qtbot
):
    controller = make_controller(Settings(port=free_port(), linger=1.0, queue_size=64), engine_url=engine.url)
    port = controller.settings.port
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    busy = blocker.getsockname()[1]
    try:
        dialog = controller.open_settings()
        dialog.port.setValue(busy)
        dialog.queue_size.setValue(128)  # not applied either: nothing of a refused change is in force
        dialog.ok_button.click()
        bar = controller.window.statusBar()
        qtbot.waitUntil(lambda: "Nothing was saved" in bar.currentMessage(), timeout=5000)
        message = bar.currentMessage()
        assert message.startswith("Settings not changed:")
        assert f"Port {busy}" in message and f"AceTray stays on {port}." in message

        # Still serving on the old port, and everything the user sees says so.
        assert port_accepts(port)
        assert (controller.saved_settings.port, controller.saved_settings.queue_size) == (port, 64)
        assert not paths.settings_file().exists() or json.loads(paths.settings_file().read_text())["port"] == port
        qtbot.waitUntil(lambda: controller.snapshot.listen_url == f"http://127.0.0.1:{port}", timeout=3000)
        assert f"http://127.0.0.1:{port} " in controller.window.status_line.text() + " "
        assert f"127.0.0.1:{port}/ace/getstream" in controller.window.streams_placeholder.text()
        QGuiApplication.clipboard().setText(CID)
        controller.actions.copy_link.trigger()
        assert QGuiApplication.clipboard().text() == f"http://127.0.0.1:{port}/ace/getstream?id={CID}"
        # The dialog is still open with every edit, and says which field was refused and why.
        assert dialog.isVisible() and controller.open_settings() is dialog
        assert (dialog.port.value(), dialog.queue_size.value()) == (busy, 128)
        assert dialog.shown_errors()["port"].startswith(f"Port {busy} is in use by another program")
        assert dialog.ok_button.isEnabled()

        # Another port: this time it is put in force, with the other edit, and the dialog closes.
        other = free_port()
        dialog.port.setValue(other)
        assert "port" not in dialog.shown_errors()  # the mark goes with the refused value
        with qtbot.waitSignal(dialog.finished, timeout=5000):
            dialog.ok_button.click()
        assert (controller.saved_settings.port, controller.saved_settings.queue_size) == (other, 128)
        assert port_accepts(other)
    finally:
        blocker.close()
    assert any("Nothing was saved" in line for line in controller.window.events_model.texts())


def test_a_refused_change_is_one_call_to_the_core_and_a_player_keeps_playing(
    make_controller, engine, players, qtbot, monkeypatch
):
    controller = make_controller(Settings(port=free_port(), linger=1.0, queue_size=64), engine_url=engine.url)
    port = controller.settings.port
    (viewer,) = players.start(f"http://127.0.0.1:{port}/ace/getstream?id={CID}", 1, period=DEFAULT_PACKETS)
    qtbot.waitUntil(lambda: viewer.bytes > 200_000, timeout=5000)
    core = controller.proxy.core
    assert core is not None
    calls: list[object] = []
    host_class = type(core)  # patched on the class: a closure on the instance holding it would be a cycle
    run = host_class._run

    async def counted(self, fn):  # every call that crosses the thread seam goes through _run
        calls.append(fn)
        return await run(self, fn)

    monkeypatch.setattr(host_class, "_run", counted)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        dialog = controller.open_settings()
        dialog.port.setValue(blocker.getsockname()[1])
        dialog.queue_size.setValue(128)
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: "Nothing was saved" in controller.window.statusBar().currentMessage(), timeout=5000)
    # The core puts itself back: no rollback calls from the UI (the dialog, open until the change is
    # in force, may have asked what engines this computer has meanwhile: not a settings call).
    applied = [c for c in calls if "discover_engines" not in c.__qualname__]
    assert len(applied) == 1
    before = viewer.bytes
    qtbot.waitUntil(lambda: viewer.bytes > before + 200_000, timeout=5000)
    assert not viewer.breaks and viewer.error is None
    assert port_accepts(port)


def test_links_name_the_socket_that_listens_not_the_settings():
    config = ProxyConfig(host="127.0.0.1", port=6999)
    running = ProxySnapshot(
        running=True, listen_url="http://127.0.0.1:6890", engine_url="", engine_reachable=True, engine_version=None
    )
    assert ListenAddress.of(running, config) == ListenAddress("127.0.0.1", 6890)
    stopped = ProxySnapshot(running=False, listen_url=None, engine_url="", engine_reachable=None, engine_version=None)
    assert ListenAddress.of(stopped, config) == ListenAddress("127.0.0.1", 6999)  # where it will listen
    assert ListenAddress("0.0.0.0", 6890).link_host(local=True) == "127.0.0.1"
    assert ListenAddress("0.0.0.0", 6890).shared and not ListenAddress("127.0.0.1", 6890).shared


def test_lan_sharing_shows_the_address_other_devices_use(make_controller, engine, qtbot, monkeypatch):
    monkeypatch.setattr("desktop.ui.links.lan_address", lambda: "192.168.1.23")
    controller = make_controller(Settings(port=free_port(), lan_sharing=True), engine_url=engine.url, tray=True)
    port = controller.settings.port
    assert controller.snapshot.listen_url == f"http://0.0.0.0:{port}"  # what the socket is bound to
    status = controller.window.status_line.text()
    assert status.startswith(f"Proxy running at http://192.168.1.23:{port}  ·") and "0.0.0.0" not in status
    assert f"http://192.168.1.23:{port}/ace/getstream?id=<content id>" in controller.window.streams_placeholder.text()
    qtbot.waitUntil(lambda: "ready at" in controller.tray.status.tooltip, timeout=3000)
    assert controller.tray.status.tooltip.startswith(f"AceTray — ready at http://192.168.1.23:{port},")
