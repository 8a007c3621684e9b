"""How often the UI asks the core for a snapshot: each second while the figures can be seen
moving, only on demand (and a slow safety net) while the app rests in the tray."""

from __future__ import annotations

import dataclasses

from desktop.streaming import service as service_module
from desktop.streaming.engine_host.state import EngineSnapshot, EngineState
from desktop.streaming.snapshot import ProxySnapshot, StreamSnapshot
from desktop.ui.icons import TrayState
from desktop.ui.snapshot_pacer import ACTIVE_MS, RESTING_MS, SnapshotPacer, at_rest
from desktop.ui.tick_monitor import TickMonitor
from tests.fake_engine import DEFAULT_PACKETS

CID = "0123456789abcdef0123456789abcdef01234567"
RESTING = ProxySnapshot(
    running=True,
    listen_url="http://127.0.0.1:1",
    engine_url="http://127.0.0.1:2",
    engine_reachable=False,
    engine_version=None,
)
STREAM = StreamSnapshot(
    content_id=CID,
    kind="id",
    name=None,
    state="playing",
    engine_status=None,
    peers=None,
    speed_down_kbps=None,
    speed_up_kbps=None,
    bytes_in=0,
    bytes_out=0,
    started_at=0.0,
    reconnects=0,
    last_error=None,
)


def engine(state: EngineState) -> EngineSnapshot:
    return EngineSnapshot(state=state, port=6878, label="acestreamengine")


class View:
    def __init__(self, shown: bool = False) -> None:
        self.shown = shown
        self.requests = 0

    def request(self) -> None:
        self.requests += 1


def make_pacer(view: View) -> SnapshotPacer:
    pacer = SnapshotPacer(view.request, watched=lambda: view.shown)
    pacer.start()
    return pacer


def test_at_rest_means_no_stream_and_no_engine_change_under_way():
    assert not at_rest(None)  # starting up
    assert at_rest(RESTING)
    assert not at_rest(dataclasses.replace(RESTING, streams=(STREAM,)))
    assert not at_rest(dataclasses.replace(RESTING, engine_host=engine(EngineState.STARTING)))
    assert not at_rest(dataclasses.replace(RESTING, engine_host=engine(EngineState.RESTARTING)))
    assert at_rest(dataclasses.replace(RESTING, engine_host=engine(EngineState.RUNNING)))
    assert at_rest(dataclasses.replace(RESTING, engine_host=engine(EngineState.STOPPED)))


def test_hidden_and_at_rest_the_pace_slows_and_no_timer_is_faster_than_1_hz(qapp):
    view = View(shown=False)
    pacer = make_pacer(view)
    assert pacer.interval_ms == ACTIVE_MS  # until a snapshot says the app is at rest
    pacer.seen(RESTING)
    assert pacer.interval_ms == RESTING_MS
    assert min(ACTIVE_MS, RESTING_MS) >= 1000
    pacer.seen(dataclasses.replace(RESTING, streams=(STREAM,)))
    assert pacer.interval_ms == ACTIVE_MS  # players come and go without an event each
    pacer.pace_for(RESTING, busy=True)
    assert pacer.interval_ms == ACTIVE_MS  # the proxy is starting or stopping
    pacer.stop()


def test_showing_the_window_asks_at_once_and_keeps_the_one_second_pace(qapp):
    view = View(shown=False)
    pacer = make_pacer(view)
    pacer.seen(RESTING)
    assert view.requests == 0
    view.shown = True
    pacer.view_changed()
    assert view.requests == 1  # not at the next tick: now
    assert pacer.interval_ms == ACTIVE_MS
    view.shown = False
    pacer.view_changed()
    assert view.requests == 1
    assert pacer.interval_ms == RESTING_MS
    pacer.stop()


def test_asking_now_does_nothing_before_start_or_after_stop(qapp):
    view = View()
    pacer = SnapshotPacer(view.request, watched=lambda: view.shown)
    pacer.now()
    assert view.requests == 0
    pacer.start()
    pacer.now()
    assert view.requests == 1
    pacer.stop()
    pacer.now()
    assert view.requests == 1


def test_a_burst_of_events_asks_for_one_snapshot(qapp):
    view = View()
    pacer = make_pacer(view)
    for _ in range(5):
        pacer.now()
    assert view.requests == 1
    pacer.seen(RESTING)  # it came: the next event asks again
    pacer.now()
    assert view.requests == 2
    pacer.stop()


def launched_in_the_tray(make_controller, engine, qtbot):
    """The app as it usually runs: started in the tray, window hidden, nothing playing."""
    controller = make_controller(engine_url=engine.url, tray=True, launch=False)
    controller.launch(show_window=False)
    qtbot.waitUntil(
        lambda: (
            controller.snapshot is not None
            and controller.snapshot.running
            and controller.snapshot.engine_reachable is True
        ),
        timeout=8000,
    )
    qtbot.waitUntil(lambda: controller.pacer.interval_ms == RESTING_MS, timeout=3000)
    return controller


def count_requests(controller, monkeypatch) -> list[int]:
    # Patched on the class, not the instance: a closure stored on the CoreHost that holds the CoreHost
    # would make a cycle the garbage collector may free on the core's thread (Qt crashes on that).
    host_class, calls = type(controller.core), [0]
    original = host_class.request_snapshot

    def counting(self) -> None:
        calls[0] += 1
        original(self)

    monkeypatch.setattr(host_class, "request_snapshot", counting)
    return calls


def test_in_the_tray_with_nothing_playing_the_snapshots_slow_down(make_controller, engine, qtbot):
    controller = launched_in_the_tray(make_controller, engine, qtbot)
    assert not controller.window.isVisible()
    assert controller.tray.status.state is TrayState.IDLE


def test_the_window_showing_gets_a_fresh_snapshot_at_once(make_controller, engine, qtbot, monkeypatch):
    controller = launched_in_the_tray(make_controller, engine, qtbot)
    calls = count_requests(controller, monkeypatch)
    with qtbot.waitSignal(controller.core.snapshot_ready, timeout=5000):
        controller.actions.show_window.trigger()
        assert calls[0] >= 1  # asked as the window showed, not at a later tick
    assert controller.pacer.interval_ms == ACTIVE_MS
    controller.window.close()  # back to the tray
    assert controller.pacer.interval_ms == RESTING_MS


def test_a_minimised_window_rests_like_a_hidden_one(make_controller, engine, qtbot):
    controller = launched_in_the_tray(make_controller, engine, qtbot)
    controller.show_window()
    assert controller.pacer.interval_ms == ACTIVE_MS
    controller.window.showMinimized()
    qtbot.waitUntil(lambda: controller.pacer.interval_ms == RESTING_MS, timeout=2000)
    controller.window.showNormal()
    qtbot.waitUntil(lambda: controller.pacer.interval_ms == ACTIVE_MS, timeout=2000)


def test_the_tray_menu_opening_gets_a_fresh_snapshot(make_controller, engine, qtbot, monkeypatch):
    controller = launched_in_the_tray(make_controller, engine, qtbot)
    # An event at start-up (the engine answering) may have asked for one that is still on its way:
    # the menu would rightly wait for that one rather than ask again.
    qtbot.waitUntil(lambda: not controller.pacer.asking, timeout=5000)
    calls = count_requests(controller, monkeypatch)
    with qtbot.waitSignal(controller.core.snapshot_ready, timeout=5000):
        controller.tray.menu.aboutToShow.emit()
        assert calls[0] == 1  # asked as the menu opened, not at a later tick


def test_a_channel_starting_shows_in_the_tray_at_once_and_the_pace_follows_it(make_controller, engine, players, qtbot):
    controller = launched_in_the_tray(make_controller, engine, qtbot)
    url = f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={CID}"
    players.start(url, 1, period=DEFAULT_PACKETS)
    # Well within the resting interval: the core's event asked for the snapshot, not the safety net.
    qtbot.waitUntil(lambda: controller.tray.status.state is TrayState.STREAMING, timeout=RESTING_MS // 2)
    assert controller.pacer.interval_ms == ACTIVE_MS
    players.stop()
    # The channel lingers (1 s here; the tray says idle meanwhile: nobody watches), then closes with an
    # event: back to rest.
    qtbot.waitUntil(lambda: not controller.snapshot.streams, timeout=RESTING_MS // 2)
    assert controller.tray.status.state is TrayState.IDLE
    assert controller.pacer.interval_ms == RESTING_MS


def test_a_change_of_pace_is_not_counted_as_a_late_tick():
    ticks = TickMonitor(ACTIVE_MS / 1000)
    ticks.tick(now=100.0)
    ticks.tick(now=101.0)
    ticks.set_interval(RESTING_MS / 1000)
    ticks.tick(now=101.5)  # the first tick at the new pace: no gap to measure yet
    ticks.tick(now=111.5)
    assert ticks.stats().max_ms == 0.0
    ticks.tick(now=122.0)
    assert ticks.stats().max_ms == 500.0  # a real lateness still shows


def test_the_banner_hears_at_once_when_the_engine_stops_and_starts_answering(
    make_controller, engine, background, qtbot, monkeypatch
):
    # The core's check runs often here; the point is that nobody has to ask for the news.
    monkeypatch.setattr(service_module, "HEALTH_INTERVAL", 0.2)
    controller = launched_in_the_tray(make_controller, engine, qtbot)
    asked = [0]

    def swallowed() -> None:  # the UI's own requests are not answered: only a push can tell it
        asked[0] += 1

    controller.core.request_snapshot = swallowed
    background.run(engine.go_offline())
    banner = controller.window.banner
    qtbot.waitUntil(lambda: controller.snapshot.engine_reachable is False, timeout=5000)
    assert not banner.isHidden() and "does not answer" in banner.label.text()
    background.run(engine.come_online())
    qtbot.waitUntil(lambda: controller.snapshot.engine_reachable is True, timeout=5000)
    assert banner.isHidden()
