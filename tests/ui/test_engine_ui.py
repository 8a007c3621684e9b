"""The engine AceTray runs, as a person sees and drives it: Settings → Engine, the tray menu,
the tooltip, the status line and the banner. The stand-in engine is the demo engine program."""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Sequence

import psutil
import pytest

from desktop.settings import Settings
from desktop.streaming.engine_host import EngineSnapshot, EngineState, OsAccess
from desktop.streaming.engine_host.discovery import CommandResult
from desktop.streaming.service import ProxyService
from desktop.ui.engine_rows import AS_WRITTEN, FLAGS_ADDED
from desktop.ui.engine_view import engine_menu_entry
from desktop.ui.icons import TrayState
from tests.owned_engine import FAST_POLICY, demo_engine_command, engine_process
from tests.ports import free_port

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the stand-in engine is killed with POSIX signals")


def fake_os(programs: dict[str, str], docker_version: str | None) -> OsAccess:
    """A Linux with these programs on PATH; `docker version` answers `docker_version` (None: no daemon)."""

    def run(argv: Sequence[str], _timeout: float) -> CommandResult | None:
        if tuple(argv[1:2]) == ("version",):
            return CommandResult(0, docker_version) if docker_version else CommandResult(1, "")
        return None

    return OsAccess(
        platform="linux",
        environ={},
        which=programs.get,
        is_file=lambda _p: False,
        read_registry=lambda _k, _v: None,
        run=run,
    )


def owned_settings(**changes: object) -> Settings:
    settings = Settings(
        port=free_port(),
        linger=1.0,
        engine_mode="program",
        engine_program=demo_engine_command(),
        engine_url=f"http://127.0.0.1:{free_port()}",
    )
    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]


def service_with(**options: object):  # type: ignore[no-untyped-def]
    return functools.partial(ProxyService, **options)


def engine_of(controller):  # type: ignore[no-untyped-def]
    snapshot = controller.snapshot
    return snapshot.engine_host if snapshot is not None else None


def test_settings_shows_the_engine_modes_and_what_was_found_here(make_controller, engine, qtbot):
    found = fake_os({"acestreamengine": "/usr/bin/acestreamengine", "docker": "/usr/bin/docker"}, "27.0.3")
    controller = make_controller(engine_url=engine.url, service_factory=service_with(engine_access=found))
    dialog = controller.open_settings()
    modes = [dialog.engine_mode.itemText(i) for i in range(dialog.engine_mode.count())]
    assert modes == [
        "Use an engine that is already running",
        "Start AceStream on this computer",
        "Start AceStream in Docker",
    ]
    starts = [dialog.engine_start.itemText(i) for i in range(dialog.engine_start.count())]
    assert starts == ["When AceTray starts", "On the first play"]
    note = dialog._notes["engine_program"]
    qtbot.waitUntil(lambda: note.text().startswith("Found AceStream engine"), timeout=5000)
    assert note.text() == "Found AceStream engine (/usr/bin/acestreamengine); it is used while this is empty."
    assert dialog._notes["docker_image"].text() == "Docker 27.0.3 is ready on this computer."
    assert dialog.engine_program.placeholderText() == "found: /usr/bin/acestreamengine"

    # The rows follow the mode: the program row or the Docker image row, one at a time.
    assert not dialog.engine_program.isEnabled() and not dialog.engine_start.isEnabled()
    assert dialog.engine_program.isVisible() and not dialog.docker_image.isVisible()
    dialog.engine_mode.setCurrentIndex(1)
    assert dialog.engine_program.isEnabled() and dialog.browse_engine.isEnabled() and dialog.engine_start.isEnabled()
    # The note says what will run.
    dialog.engine_program.setText("/opt/ace/engine")
    assert note.text() == FLAGS_ADDED
    dialog.engine_program.setText("ace --http-port {port}")
    assert note.text() == AS_WRITTEN
    dialog.engine_program.setText("")
    assert note.text().startswith("Found AceStream engine")
    dialog.engine_mode.setCurrentIndex(2)
    assert dialog.docker_image.isVisible() and not dialog.engine_program.isVisible()
    # An engine AceTray starts runs here: a remote engine URL is refused, with the fix.
    dialog.engine_url.setText("http://192.168.1.20:6878")
    dialog.engine_url.editingFinished.emit()
    assert "use http://127.0.0.1:6878" in dialog.shown_errors()["engine_url"]
    assert not dialog.ok_button.isEnabled()
    dialog.reject()


def test_settings_says_when_nothing_was_found_and_docker_is_not_running(make_controller, engine, qtbot):
    nothing = fake_os({"docker": "/usr/bin/docker"}, None)
    controller = make_controller(engine_url=engine.url, service_factory=service_with(engine_access=nothing))
    dialog = controller.open_settings()
    note = dialog._notes["engine_program"]
    qtbot.waitUntil(lambda: note.text().startswith("No AceStream engine was found"), timeout=5000)
    assert "choose its program with Browse…" in note.text()
    assert dialog._notes["docker_image"].text().startswith("Docker is installed but not running")
    dialog.reject()


def test_start_and_stop_engine_in_the_tray_menu_drive_the_engine_and_the_tooltip_follows(make_controller, qtbot):
    controller = make_controller(owned_settings(), tray=True, service_factory=service_with(engine_policy=FAST_POLICY))
    tray, action = controller.tray, controller.actions.engine
    qtbot.waitUntil(lambda: "Engine 3.1.70 running" in tray.status.tooltip, timeout=30000)
    assert tray.status.tooltip.startswith("AceTray — ready at") and tray.status.state is TrayState.IDLE
    port = engine_of(controller).port
    assert (
        f"AceStream engine 3.1.70 running on port {port} (started by AceTray)" in controller.window.status_line.text()
    )
    # 3.1.70 is older than 3.2: said once, in words, until read.
    banner = controller.window.banner
    assert banner.isVisible() and "older than 3.2" in banner.label.text()
    banner.button("Dismiss").click()
    assert not banner.isVisible()
    first = engine_process(engine_of(controller).pid)

    assert action.text() == "Stop engine" and action.isEnabled()
    action.trigger()
    qtbot.waitUntil(lambda: tray.status.tooltip.endswith("\nEngine stopped"), timeout=10000)
    assert psutil.wait_procs([first], timeout=10)[1] == []
    assert action.text() == "Start engine"
    assert banner.isVisible() and banner.label.text().startswith("The AceStream engine is stopped")

    action.trigger()  # Start engine
    qtbot.waitUntil(lambda: "Engine 3.1.70 running" in tray.status.tooltip, timeout=30000)
    second = engine_process(engine_of(controller).pid)
    assert second.pid != first.pid and not banner.isVisible()

    with qtbot.waitSignal(controller.finished, timeout=15000):
        controller.request_quit()
    assert psutil.wait_procs([second], timeout=10)[1] == []  # Quit takes the engine along


def test_a_killed_engine_shows_as_restarting_in_the_window_and_comes_back(make_controller, qtbot):
    slow_backoff = dataclasses.replace(FAST_POLICY, backoff_first=3.0, backoff_max=3.0)
    controller = make_controller(owned_settings(), tray=True, service_factory=service_with(engine_policy=slow_backoff))
    tray, window = controller.tray, controller.window
    qtbot.waitUntil(lambda: "Engine 3.1.70 running" in tray.status.tooltip, timeout=30000)
    engine_process(engine_of(controller).pid).kill()

    qtbot.waitUntil(lambda: "Engine crashed; restarting (attempt 1)" in tray.status.tooltip, timeout=10000)
    assert tray.status.state is TrayState.ERROR
    assert "engine crashed; restarting (attempt 1)" in window.status_line.text()
    assert "AceTray is restarting it (attempt 1)" in window.banner.label.text()
    qtbot.waitUntil(lambda: "Engine 3.1.70 running" in tray.status.tooltip, timeout=30000)
    assert engine_of(controller).restarts == 1 and tray.status.state is TrayState.IDLE
    assert any("stopped unexpectedly (killed by SIGKILL" in text for text in window.events_model.texts())


def test_an_engine_that_cannot_start_is_explained_with_a_try_again(make_controller, qtbot):
    failing = f"{sys.executable} -c 'import sys; print(\"no licence\"); sys.exit(3)' {{port}}"
    controller = make_controller(
        owned_settings(engine_program=failing), tray=True, service_factory=service_with(engine_policy=FAST_POLICY)
    )
    qtbot.waitUntil(
        lambda: engine_of(controller) is not None and engine_of(controller).state is EngineState.FAILED, timeout=30000
    )
    banner = controller.window.banner
    qtbot.waitUntil(banner.isVisible, timeout=3000)
    assert banner.label.text().startswith("The AceStream engine could not be started: The AceStream engine exited")
    assert "it said: no licence" in banner.label.text() and "Gave up after 3 restarts" in banner.label.text()
    assert banner.button("Try again") is not None and controller.tray.status.state is TrayState.ERROR
    assert controller.actions.engine.text() == "Start engine" and controller.actions.engine.isEnabled()


def test_on_the_first_play_nothing_runs_until_a_channel_is_played(make_controller, qtbot):
    controller = make_controller(
        owned_settings(engine_start="first-play"), tray=True, service_factory=service_with(engine_policy=FAST_POLICY)
    )
    qtbot.waitUntil(lambda: engine_of(controller) is not None, timeout=5000)
    assert engine_of(controller).state is EngineState.STOPPED
    assert "engine stopped; it starts on the first play" in controller.window.status_line.text()
    assert controller.tray.status.tooltip.endswith("\nEngine stopped; it starts on the first play")
    assert not controller.window.banner.isVisible()  # nothing is wrong


def test_the_menu_never_offers_to_stop_an_engine_acetray_did_not_start():
    theirs = EngineSnapshot(EngineState.EXTERNAL, 6878, "acestreamengine", version="3.2.3")
    entry = engine_menu_entry(theirs)
    assert (entry.text, entry.enabled) == ("Stop engine", False)
    assert "leaves it running" in entry.tooltip
    ours = dataclasses.replace(theirs, state=EngineState.RUNNING, owned=True)
    assert (engine_menu_entry(ours).text, engine_menu_entry(ours).enabled) == ("Stop engine", True)
    failed = dataclasses.replace(theirs, state=EngineState.FAILED, reason="no program")
    assert (engine_menu_entry(failed).text, engine_menu_entry(failed).enabled) == ("Start engine", True)
