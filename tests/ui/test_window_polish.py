"""Small things a person notices: where balloons point, what the status bar keeps, the log folder, demo wording."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QGuiApplication

from desktop.streaming.snapshot import ProxySnapshot
from desktop.ui import log_folder
from desktop.ui.actions import AppActions
from desktop.ui.log_folder import LogFolderDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.notifier import Notifier
from desktop.ui.tray import tray_status


class FakeTray:
    """A tray icon whose host has not placed it yet (geometry unknown), as right after start-up."""

    def __init__(self) -> None:
        self.place = QRect()
        self.balloons: list[str] = []

    def isVisible(self) -> bool:
        return True

    def supportsMessages(self) -> bool:
        return True

    def geometry(self) -> QRect:
        return self.place

    def showMessage(self, title, message, icon, ms) -> None:
        placed = not self.place.isEmpty() and self.place.topLeft() != QPoint(0, 0)
        assert placed, "a balloon before the icon is placed points at the screen's corner"
        self.balloons.append(title)


def demo_snapshot(**changes) -> ProxySnapshot:
    values = {
        "running": True,
        "listen_url": "http://127.0.0.1:6880",
        "engine_url": "http://127.0.0.1:43389",
        "engine_reachable": True,
        "engine_version": "3.1.70",
        "demo_engine": True,
    }
    values.update(changes)
    return ProxySnapshot(**values)


def test_a_start_up_balloon_waits_until_the_tray_icon_is_placed(qtbot):
    window = MainWindow(AppActions())
    qtbot.addWidget(window)
    tray = FakeTray()
    notifier = Notifier(window, tray)  # type: ignore[arg-type]
    notifier.notify("Settings reset", "The settings file was broken.", level="warning")
    assert tray.balloons == []
    assert window.statusBar().currentMessage().startswith("Settings reset")  # the window has it at once
    tray.place = QRect(0, 0, 22, 22)  # an X11 icon's size is known before the tray host has embedded it
    with qtbot.waitSignal(notifier._poll.timeout, timeout=1000):
        pass  # the notifier looked again…
    assert tray.balloons == []  # …and still waits
    tray.place = QRect(1200, 0, 24, 24)  # the tray host embeds the icon
    qtbot.waitUntil(lambda: tray.balloons == ["Settings reset"], timeout=2000)


def test_the_status_bar_shows_only_while_it_has_something_to_say(qtbot):
    window = MainWindow(AppActions())
    qtbot.addWidget(window)
    window.show()
    bar = window.statusBar()
    assert not bar.isVisible()  # no empty strip at the bottom
    window.show_notice("Stream link copied: http://127.0.0.1:6880/…")
    assert bar.isVisible()
    bar.clearMessage()
    assert not bar.isVisible()


def test_reopening_the_window_clears_the_still_running_notice(make_controller, engine, qtbot):
    controller = make_controller(engine_url=engine.url, tray=True)
    controller.window.close()
    assert controller.window.statusBar().currentMessage().startswith("AceTray is still running")
    controller.show_window()
    assert controller.window.statusBar().currentMessage() == ""
    assert not controller.window.statusBar().isVisible()


def test_open_log_folder_without_a_file_manager_shows_the_path_to_copy(
    make_controller, engine, monkeypatch, qtbot, tmp_path: Path
):
    # xdg-open exists but finds nothing to open a folder with (Qt would call that a success).
    xdg_open = tmp_path / "xdg-open"
    xdg_open.write_text('#!/bin/sh\necho "xdg-open: no method available for opening $1" >&2\nexit 3\n')
    xdg_open.chmod(0o755)
    monkeypatch.setattr(log_folder, "find_xdg_open", lambda: str(xdg_open))
    controller = make_controller(engine_url=engine.url)
    controller.actions.open_logs.trigger()

    def dialogs() -> list[LogFolderDialog]:
        return [d for d in controller.dialogs.open if isinstance(d, LogFolderDialog)]

    qtbot.waitUntil(lambda: len(dialogs()) == 1, timeout=5000)
    (dialog,) = dialogs()
    assert dialog.isVisible() and dialog.path.text() == str(tmp_path / "logs")
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == str(tmp_path / "logs")
    assert (tmp_path / "logs").is_dir()


def test_a_file_manager_that_opens_the_folder_gets_no_dialog(
    make_controller, engine, monkeypatch, qtbot, tmp_path: Path
):
    seen = tmp_path / "opened"
    xdg_open = tmp_path / "xdg-open"
    xdg_open.write_text(f'#!/bin/sh\necho "$1" > "{seen}"\n')
    xdg_open.chmod(0o755)
    monkeypatch.setattr(log_folder, "find_xdg_open", lambda: str(xdg_open))
    controller = make_controller(engine_url=engine.url)
    controller.actions.open_logs.trigger()
    qtbot.waitUntil(lambda: seen.exists() and seen.read_text().strip() == str(tmp_path / "logs"), timeout=5000)
    qtbot.waitUntil(lambda: not controller.folder_opener._running, timeout=5000)  # it exited 0
    assert not [d for d in controller.dialogs.open if isinstance(d, LogFolderDialog)]


def test_the_demo_engine_is_called_the_built_in_demo_engine(qtbot):
    window = MainWindow(AppActions())
    qtbot.addWidget(window)
    window.show_snapshot(demo_snapshot())
    status = window.status_line.text()
    assert "built-in demo engine" in status and "3.1.70" not in status and "43389" not in status
    idle = tray_status(demo_snapshot())
    assert idle.tooltip.endswith("nothing playing (built-in demo engine)")
    down = tray_status(demo_snapshot(engine_reachable=False))
    assert down.tooltip == "AceTray — the built-in demo engine does not answer" and "43389" not in down.tooltip
    window.show_snapshot(demo_snapshot(engine_reachable=False))
    assert "built-in demo engine not answering" in window.status_line.text()
