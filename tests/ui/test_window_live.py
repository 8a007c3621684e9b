"""The window while real streams run through the proxy (real core thread, fake engine)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.app import CorePlacement
from desktop.settings import Settings
from desktop.streaming.ids import ChannelKey
from desktop.ui.icons import TrayState
from desktop.ui.models import READY_TIP
from tests.fake_engine import DEFAULT_PACKETS
from tests.ports import free_port

SPORTS = "5" * 40
NEWS = "a" * 40


def column(model, name: str) -> int:
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    return titles.index(name)


def cell(model, row: int, name: str) -> str:
    return model.data(model.index(row, column(model, name)))


def test_models_follow_two_live_streams(make_controller, engine, players, qtbot):
    controller = make_controller(engine_url=engine.url, tray=True)
    window = controller.window
    base = f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id="
    assert window.streams_stack.currentWidget() is window.streams_placeholder
    assert "Nothing is playing" in window.streams_placeholder.text()

    sports = players.start(base + SPORTS, 3, period=DEFAULT_PACKETS, user_agent="VLC/3.0.20 LibVLC/3.0.20")
    news = players.start(base + NEWS, 1, period=DEFAULT_PACKETS, user_agent="mpv 0.37.0")
    streams = window.streams_model
    qtbot.waitUntil(lambda: streams.rowCount() == 2 and controller.snapshot.player_count == 4, timeout=8000)

    # The tray says it in words.
    assert controller.tray.status.state is TrayState.STREAMING
    assert controller.tray.status.tooltip.splitlines()[0] == "AceTray — 2 streams, 4 players"
    sports_row = streams.row_of(SPORTS)
    assert cell(streams, sports_row, "Channel") == SPORTS  # no name known: the whole id (elided by the view)
    assert cell(streams, sports_row, "Players") == "3"

    # Select the sports channel: its three players show up; the selection survives ticks.
    window.streams_view.selectRow(sports_row)
    clients = window.clients_model
    qtbot.waitUntil(lambda: clients.rowCount() == 3, timeout=3000)
    assert window.clients_heading.text() == "Players of 55555555…55555555"
    assert {cell(clients, r, "Player") for r in range(3)} == {"VLC 3.0.20"}
    assert all(cell(clients, r, "Address").startswith("127.0.0.1:") for r in range(3))
    assert all(cell(clients, r, "State") in ("playing", "waiting") for r in range(3))

    resets = []
    streams.modelAboutToBeReset.connect(lambda: resets.append(1))
    clients.modelAboutToBeReset.connect(lambda: resets.append(1))
    first_delivered = cell(streams, sports_row, "Delivered")
    first_sent = cell(clients, 0, "Sent")
    qtbot.waitUntil(lambda: cell(streams, streams.row_of(SPORTS), "Delivered") != first_delivered, timeout=4000)
    qtbot.waitUntil(lambda: cell(clients, 0, "Sent") != first_sent, timeout=4000)
    assert not resets
    assert [streams.row_at(i.row()).content_id for i in window.streams_view.selectionModel().selectedRows()] == [SPORTS]
    qtbot.waitUntil(lambda: cell(clients, 0, "Recent rate").endswith("/s"), timeout=4000)  # "—" until measured

    # Every viewer stops: the channels linger (1 s here), then go; the empty state explains.
    players.stop()
    qtbot.waitUntil(lambda: controller.snapshot.player_count == 0, timeout=5000)
    qtbot.waitUntil(lambda: streams.rowCount() == 0, timeout=8000)  # linger is 1 s in these tests
    assert window.streams_stack.currentWidget() is window.streams_placeholder
    assert all(p.packets > 0 and not p.breaks and not p.damaged for p in sports + news)
    assert any("Starting channel" in t or "playing" in t.lower() for t in window.events_model.texts())


def test_the_core_can_run_on_the_qasync_loop_too(make_controller, engine, players, qtbot):
    """The benchmark switch: same app, proxy on the UI's loop."""
    controller = make_controller(engine_url=engine.url, placement=CorePlacement.QASYNC)
    assert controller.core.placement is CorePlacement.QASYNC
    (viewer,) = players.start(
        f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={SPORTS}", 1, period=DEFAULT_PACKETS
    )
    qtbot.waitUntil(lambda: viewer.bytes > 300_000, timeout=8000)
    qtbot.waitUntil(lambda: controller.window.streams_model.rowCount() == 1, timeout=3000)
    assert not viewer.breaks


def test_the_tray_shows_idle_once_the_last_player_leaves_while_the_channel_lingers(
    make_controller, engine, players, qtbot
):
    from desktop.settings import Settings
    from tests.ports import free_port

    controller = make_controller(Settings(port=free_port(), linger=60.0), engine_url=engine.url, tray=True)
    players.start(f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={SPORTS}", 1, period=DEFAULT_PACKETS)
    qtbot.waitUntil(lambda: controller.tray.status.state is TrayState.STREAMING, timeout=8000)
    players.stop()
    qtbot.waitUntil(lambda: controller.snapshot.player_count == 0, timeout=5000)
    assert [s.state for s in controller.snapshot.streams] == ["lingering"]  # still open, for zapping back
    assert controller.window.streams_model.rowCount() == 1
    assert controller.tray.status.state is TrayState.IDLE
    assert controller.tray.status.tooltip.endswith(": no players, closing soon")


def test_a_favourite_kept_ready_shows_as_ready_in_the_window_and_is_no_stream_to_the_tray(
    make_controller, engine, qtbot
):
    settings = Settings(port=free_port(), linger=1.0, warm_favourites=1)
    controller = make_controller(settings, engine_url=engine.url, tray=True)
    window, streams = controller.window, controller.window.streams_model
    controller.channels.set_favourite(ChannelKey("id", SPORTS), True)  # the star in the Channels tab
    qtbot.waitUntil(lambda: streams.rowCount() == 1 and cell(streams, 0, "Status") == "ready", timeout=8000)
    status = streams.index(0, column(streams, "Status"))
    assert streams.data(status, Qt.ItemDataRole.ToolTipRole) == READY_TIP
    assert cell(streams, 0, "Players") == "0"
    qtbot.waitUntil(lambda: controller.tray.status.tooltip.endswith("nothing playing; 1 favourite ready"), timeout=3000)
    assert controller.tray.status.state is TrayState.IDLE
    assert window.status_line.text().endswith("1 channel (1 kept ready), 0 players")
    window.streams_view.selectRow(0)
    assert "This favourite is kept ready" in window.clients_placeholder.text()
    controller.channels.set_favourite(ChannelKey("id", SPORTS), False)
    qtbot.waitUntil(lambda: streams.rowCount() == 0, timeout=5000)
