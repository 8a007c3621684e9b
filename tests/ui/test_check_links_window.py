"""Check links in the Channels tab, as a person uses it: progress, Stop, dead channels greyed with the reason."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt

from desktop.settings import Settings
from desktop.streaming.demo.state import EngineFaults
from desktop.ui.channels_model import DEAD_COLOUR, NAME
from tests.ports import free_port
from tests.ui.channel_fixtures import FILM, NEWS, SPORT
from tests.ui.test_channels_window import with_playlist


def settings(**changes) -> Settings:  # type: ignore[no-untyped-def]
    return dataclasses.replace(Settings(port=free_port(), linger=1.0), **changes)


def row_of(model, content_id: str) -> int:  # type: ignore[no-untyped-def]
    return next(r for r in range(model.rowCount()) if model.channel_at(r).id == content_id)


def test_dead_channels_are_greyed_with_the_reason_and_time_after_check_links(
    make_controller, engine_factory, qtbot, tmp_path: Path
) -> None:
    engine = engine_factory(faults=EngineFaults(refused_ids=frozenset({NEWS, FILM})))
    controller = with_playlist(make_controller, engine, qtbot, tmp_path, settings())
    pane = controller.channels.pane
    model = pane.model

    pane.check_button.click()  # the channels shown: all four
    qtbot.waitUntil(lambda: pane.check_row.label.text() == "Checked 4 links: 2 alive, 2 dead.", timeout=20000)
    assert not pane.check_row.isHidden() and pane.check_row.stop_button.isHidden()  # shown, with nothing to stop

    for content_id in (NEWS, FILM):
        index = model.index(row_of(model, content_id), NAME)
        assert model.data(index, Qt.ItemDataRole.ForegroundRole) == DEAD_COLOUR
        tooltip = model.data(index, Qt.ItemDataRole.ToolTipRole)
        assert "Dead link: AceStream engine error: failed to load content (checked today " in tooltip
    sport = model.index(row_of(model, SPORT), NAME)
    assert model.data(sport, Qt.ItemDataRole.ForegroundRole) is None
    assert "Link alive: 7 peers, " in model.data(sport, Qt.ItemDataRole.ToolTipRole)
    events = controller.window.events_model
    qtbot.waitUntil(lambda: any(t.endswith("Link check finished: 2 alive, 2 dead (4 links).") for t in events.texts()))


def test_a_check_shows_its_progress_and_stop_ends_it_with_its_probe_stopped(
    make_controller, engine_factory, background, qtbot, tmp_path: Path
) -> None:
    engine = engine_factory(faults=EngineFaults(silent_ids=frozenset({SPORT, NEWS, FILM})))
    controller = with_playlist(make_controller, engine, qtbot, tmp_path, settings(check_timeout=60))
    pane = controller.channels.pane

    pane.check_button.click()
    qtbot.waitUntil(lambda: pane.check_row.label.text() == "Checking 1 of 4…", timeout=5000)
    assert not pane.check_row.stop_button.isHidden() and not pane.check_row.bar.isHidden()
    qtbot.waitUntil(lambda: engine.active_sessions == 1, timeout=5000)  # the probe waits for data that never comes

    pane.check_row.stop_button.click()
    qtbot.waitUntil(lambda: pane.check_row.label.text() == "Stopped after 0 of 4 links: 0 alive, 0 dead.")
    background.run(engine.wait_until(lambda: engine.active_sessions == 0))
    assert engine.counters.sessions_stopped == 1


def test_a_channels_menu_checks_its_link_its_group_or_its_playlist(
    make_controller, engine_factory, qtbot, tmp_path: Path
) -> None:
    engine = engine_factory()
    controller = with_playlist(make_controller, engine, qtbot, tmp_path, settings())
    pane = controller.channels.pane
    news = pane.model.channel_at(row_of(pane.model, NEWS))
    menu = pane.context_menu(news)
    labels = [action.text() for action in menu.actions() if action.text()]
    assert labels[-3:] == [
        "Check link",
        "Check links in group “News” (1 channel)",
        "Check links in mine.m3u (4 channels)",
    ]
    next(a for a in menu.actions() if a.text() == "Check link").trigger()
    qtbot.waitUntil(lambda: pane.check_row.label.text() == "Checked 1 link: 1 alive, 0 dead.", timeout=10000)
    assert engine.counters.getstream_requests == 1
