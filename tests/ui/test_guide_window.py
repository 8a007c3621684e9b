"""The guide in the window: guide sources in the Playlists dialog, each channel's match in the Channels tab."""

from __future__ import annotations

import json
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from desktop import paths
from desktop.streaming.guide.match import GuideRef
from desktop.ui.channels_model import GUIDE
from desktop.ui.guide_picker import GuidePicker
from tests.guide.xmltv import guide_xml
from tests.ui.channel_fixtures import FILM, SPORT
from tests.ui.test_channels_window import with_playlist


def guide_column(model) -> list[str]:  # type: ignore[no-untyped-def]
    return [model.data(model.index(row, GUIDE)) for row in range(model.rowCount())]


def with_guide(make_controller, engine, qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    controller = with_playlist(make_controller, engine, qtbot, tmp_path)
    guide = tmp_path / "tv.xml"
    guide.write_bytes(guide_xml([("sport.one", "Sport One HD"), ("news.world", "World News")], start=time.time()))
    dialog = controller.channels.open_playlists()
    dialog.guides.address.setText(str(guide))
    dialog.guides.add_button.click()
    qtbot.waitUntil(lambda: "Added the guide tv.xml: 2 channels." in dialog.message.text(), timeout=5000)
    return controller, dialog, guide


def test_a_guide_added_in_the_dialog_is_listed_and_fills_the_guide_column(make_controller, engine, qtbot, tmp_path):
    controller, dialog, guide = with_guide(make_controller, engine, qtbot, tmp_path)
    table = dialog.guides.table
    assert [table.item(0, c).text() for c in range(5)] == ["tv.xml", "you", "2", "8", "just now"]
    assert table.item(0, 5).text() == "Up to date."
    model = controller.channels.pane.model
    qtbot.waitUntil(lambda: guide_column(model) == ["Sport One HD", "World News", "—", "—"], timeout=5000)
    assert "matched by its name" in model.data(model.index(0, GUIDE), 3)  # the tooltip says why
    saved = json.loads((paths.config_dir() / "guide.json").read_text())
    assert saved["sources"] == [str(guide)]


def test_a_channels_guide_can_be_picked_cleared_and_given_back_to_matching(make_controller, engine, qtbot, tmp_path):
    controller, dialog, guide = with_guide(make_controller, engine, qtbot, tmp_path)
    dialog.close()
    pane = controller.channels.pane
    model = pane.model
    qtbot.waitUntil(lambda: guide_column(model)[0] == "Sport One HD", timeout=5000)

    menu = pane.context_menu(model.channel_at(0))
    no_guide = next(a for a in menu.actions() if a.text() == "No guide for this channel")
    no_guide.trigger()
    qtbot.waitUntil(lambda: guide_column(model)[0] == "No guide (chosen)", timeout=5000)

    menu = pane.context_menu(model.channel_at(0))
    assert "No guide for this channel" not in [a.text() for a in menu.actions()]
    automatic = next(a for a in menu.actions() if a.text() == "Match guide automatically")
    automatic.trigger()
    qtbot.waitUntil(lambda: guide_column(model)[0] == "Sport One HD", timeout=5000)

    film = model.channel_at(2)
    assert film.id == FILM
    controller.channels.choose_guide(film)
    qtbot.waitUntil(lambda: any(isinstance(w, GuidePicker) for w in QApplication.topLevelWidgets()), timeout=3000)
    picker = next(w for w in QApplication.topLevelWidgets() if isinstance(w, GuidePicker) and w.isVisible())
    assert picker.search.text() == ""  # no guide channel is called "Film Four": all are shown
    picker.search.setText("world")
    assert picker.chosen() == GuideRef(str(guide), "news.world")
    picker.ok.click()
    qtbot.waitUntil(lambda: guide_column(model)[2] == "World News", timeout=5000)
    saved = json.loads((paths.config_dir() / "guide.json").read_text())
    assert saved["picks"] == [["id", FILM, str(guide), "news.world"]]
    assert SPORT not in json.dumps(saved["picks"])  # back to automatic: no pick kept
