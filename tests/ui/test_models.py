"""The tables update in place from snapshots: selection and scroll survive every tick."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView

from desktop.streaming.snapshot import ClientSnapshot, ProxyEvent, StreamSnapshot
from desktop.ui.models import ClientsModel, EventsModel, StreamsModel

NOW = 1_800_000_000.0


def stream(
    n: int, *, clients: int = 0, bytes_out: int = 0, name: str | None = None, engine_status: str = "dl", **more: Any
) -> StreamSnapshot:
    return StreamSnapshot(
        content_id=f"{n:040x}",
        kind="id",
        name=name,
        state="playing",
        engine_status=engine_status,
        peers=7,
        speed_down_kbps=1200,
        speed_up_kbps=10,
        bytes_in=bytes_out,
        bytes_out=bytes_out,
        started_at=NOW - 192,
        reconnects=0,
        last_error=None,
        clients=tuple(client(i) for i in range(clients)),
        **more,
    )


def client(i: int, sent: int = 1_500_000) -> ClientSnapshot:
    return ClientSnapshot(
        client_id=i,
        address=f"192.168.1.{10 + i}:5{i:04d}",
        user_agent="VLC/3.0.20 LibVLC/3.0.20",
        connected_at=NOW - 60,
        bytes_sent=sent,
        rate_bps=1_200_000,
        dropped_chunks=0,
        state="playing",
    )


def texts(model, row: int) -> list[str]:
    return [model.data(model.index(row, c)) for c in range(model.columnCount())]


def test_streams_table_shows_what_a_user_reads(qapp):
    model = StreamsModel()
    model.update_rows([stream(1, clients=3, bytes_out=15_300_000, name="Sports HD")], NOW)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == [
        "Channel",
        "Status",
        "Source",
        "Peers",
        "Download",
        "Players",
        "Uptime",
        "Delivered",
    ]
    assert texts(model, 0) == ["Sports HD", "playing", "—", "7", "1.2 MB/s", "3", "3m 12s", "15.3 MB"]
    # The engine's own words are said plainly (its "dl" is what "playing" means), the raw one in the tooltip.
    model.update_rows([stream(1, clients=3, name="Sports HD", engine_status="prebuf")], NOW)
    assert texts(model, 0)[1] == "playing (buffering)"
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole) == "The engine says: prebuf"
    model.update_rows([stream(1, clients=3, bytes_out=15_300_000, name="Sports HD", source_number=2, sources=3)], NOW)
    assert texts(model, 0)[2] == "source 2 of 3"  # a channel of several sources, on its second


def test_an_unnamed_channel_shows_its_whole_id_for_the_view_to_elide_in_the_middle(qapp, qtbot):
    from desktop.ui.actions import AppActions
    from desktop.ui.main_window import CHANNEL_COLUMN_WIDTH, MainWindow

    model = StreamsModel()
    model.update_rows([stream(1)], NOW)
    assert model.data(model.index(0, 0)) == f"{1:040x}"
    window = MainWindow(AppActions())
    qtbot.addWidget(window)
    view = window.streams_view
    assert view.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert view.horizontalHeader().sectionSize(0) == CHANNEL_COLUMN_WIDTH


def test_clients_table_shows_what_a_user_reads(qapp):
    model = ClientsModel()
    model.show_stream(stream(1, clients=1), NOW)
    row = texts(model, 0)
    assert row[0] == "192.168.1.10:50000"
    assert row[1] == "VLC 3.0.20"
    assert row[3:] == ["1.5 MB", "1.2 MB/s", "0", "playing"]


def test_a_players_rate_is_labelled_as_its_own_recent_rate_and_explained(qapp):
    model = ClientsModel()
    model.show_stream(stream(1, clients=1), NOW)
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    rate = titles.index("Recent rate")
    tip = model.headerData(rate, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "this player" in tip and "its own rate, not the channel's" in tip and "falls behind" in tip
    assert model.data(model.index(0, rate), Qt.ItemDataRole.ToolTipRole) == tip


def test_an_hls_player_is_marked_as_such_in_the_player_column(qapp):
    hls = dataclasses.replace(client(0), kind="HLS", user_agent="AppleCoreMedia/1.0", address="192.168.1.20")
    model = ClientsModel()
    model.show_stream(dataclasses.replace(stream(1), clients=(client(1), hls)), NOW)
    assert texts(model, 0)[1] == "VLC 3.0.20"
    assert texts(model, 1)[:2] == ["192.168.1.20", "HLS · Apple's player"]


def test_updates_keep_selection_and_scroll_and_never_reset(qapp, qtbot):
    model = StreamsModel()
    view = QTableView()
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setModel(model)
    view.resize(400, 120)  # small, so 30 rows scroll
    qtbot.addWidget(view)
    view.show()
    resets = []
    model.modelAboutToBeReset.connect(lambda: resets.append(1))
    changed = []
    model.dataChanged.connect(lambda *_args: changed.append(1))

    rows = [stream(n) for n in range(30)]
    model.update_rows(rows, NOW)
    view.selectRow(20)
    view.scrollTo(model.index(20, 0))
    scroll = view.verticalScrollBar().value()
    assert scroll > 0

    # A tick later: everyone's numbers changed, stream 5 ended, a new one started.
    later = [dataclasses.replace(s, bytes_out=s.bytes_out + 1000) for s in rows if s.content_id != f"{5:040x}"]
    later.append(stream(99))
    model.update_rows(later, NOW + 1)

    assert not resets
    assert changed  # the new numbers are announced in place
    selected = view.selectionModel().selectedRows()
    assert [model.row_at(i.row()).content_id for i in selected] == [f"{20:040x}"]
    keys = model.keys()
    assert keys[-1] == f"{99:040x}" and f"{5:040x}" not in set(keys)
    assert model.data(model.index(model.row_of(f"{20:040x}"), 7)) == "1.0 KB"
    # One row above the view vanished, so the view may move by at most one row.
    assert abs(view.verticalScrollBar().value() - scroll) <= 1


def test_clients_follow_the_selected_stream(qapp):
    model = ClientsModel()
    first = stream(1, clients=2)
    model.show_stream(first, NOW)
    assert model.rowCount() == 2
    # A third player joins: appended, no reset.
    resets = []
    model.modelAboutToBeReset.connect(lambda: resets.append(1))
    model.show_stream(stream(1, clients=3), NOW + 1)
    assert model.rowCount() == 3 and not resets
    model.show_stream(None)
    assert model.rowCount() == 0


def test_events_list_is_bounded_and_readable(qapp):
    model = EventsModel(limit=3)
    for i in range(5):
        model.add(
            ProxyEvent(
                time=NOW + i,
                level="warning" if i == 4 else "info",
                message=f"event {i}",
                content_id=f"{1:040x}" if i == 4 else None,
            )
        )
    lines = model.texts()
    assert len(lines) == 3
    assert lines[0].endswith("event 2")
    assert "⚠ [00000000…00000001] event 4" in lines[-1]  # no playlist names it: the id, elided in the middle
    tip = model.data(model.index(2, 0), Qt.ItemDataRole.ToolTipRole)
    assert tip == f"event 4\nChannel: {1:040x}"
    model.add(
        ProxyEvent(time=NOW, level="info", message="Starting channel", content_id=f"{1:040x}", channel="Sport One")
    )
    assert model.texts()[-1].endswith("[Sport One] Starting channel")


def test_an_events_technical_detail_is_in_its_tooltip(qapp):
    model = EventsModel()
    model.add(
        ProxyEvent(
            time=NOW,
            level="warning",
            message="The engine stopped sending; reconnecting.",
            extra={"detail": "ClientPayloadError: Response payload is not completed"},
        )
    )
    assert model.texts()[0].endswith("The engine stopped sending; reconnecting.")
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == (
        "The engine stopped sending; reconnecting.\nDetail: ClientPayloadError: Response payload is not completed"
    )


def test_events_view_follows_new_events_unless_scrolled_up(qapp, qtbot):
    from desktop.ui.actions import AppActions
    from desktop.ui.main_window import MainWindow

    window = MainWindow(AppActions())
    qtbot.addWidget(window)
    window.show()
    bar = window.events_view.verticalScrollBar()
    for i in range(40):
        window.add_event(ProxyEvent(time=NOW, level="info", message=f"event {i}"))
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=2000)
    bar.setValue(0)  # the user scrolls up to read
    window.add_event(ProxyEvent(time=NOW, level="info", message="one more"))
    qapp.processEvents()  # a deferred auto-scroll would run here
    qapp.processEvents()
    assert bar.value() == 0


def test_events_view_keeps_following_long_wrapped_events(qapp, qtbot):
    """Long messages wrap onto several lines: their heights are known only after layout."""
    from desktop.ui.actions import AppActions
    from desktop.ui.main_window import MainWindow

    window = MainWindow(AppActions())
    qtbot.addWidget(window)
    window.resize(500, 400)
    window.show()
    bar = window.events_view.verticalScrollBar()
    long = "Player 127.0.0.1:51562 dropped: took nothing for 30 s, " * 4
    for i in range(30):
        window.add_event(ProxyEvent(time=NOW, level="warning", message=f"{i}: {long}"))
        qapp.processEvents()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=2000)
    last = window.events_model.index(window.events_model.rowCount() - 1, 0)
    assert window.events_view.viewport().rect().intersects(window.events_view.visualRect(last))


def test_events_that_came_while_the_window_was_hidden_show_at_the_bottom(qapp, qtbot):
    from desktop.ui.actions import AppActions
    from desktop.ui.main_window import MainWindow

    window = MainWindow(AppActions())
    qtbot.addWidget(window)
    window.resize(500, 400)
    window.show()
    window.hide()  # in the tray
    long = "Player 127.0.0.1:51562 dropped: took nothing for 30 s, " * 4
    for i in range(30):
        window.add_event(ProxyEvent(time=NOW, level="warning", message=f"{i}: {long}"))
        qapp.processEvents()
    window.show()
    bar = window.events_view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=2000)
