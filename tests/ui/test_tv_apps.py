"""Share with devices → TV apps: what each app needs, Copy and QR, the tuner offered when off, and Test."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication

from desktop.settings import Settings
from desktop.ui.links import LanAddress
from desktop.ui.share_dialog import ShareDialog, ShareTarget
from desktop.ui.tv_apps import TV_APPS
from tests.ports import free_port
from tests.ui.test_channels_window import with_playlist
from tests.ui.test_share_dialog import decode

TOKEN = "Tk3_x-9aQ-0123456789"
HOME = LanAddress("192.168.1.20", "wlan0")
EXPECTED = {
    "Plex": {"tuner": "192.168.1.20:6880", "guide": f"http://192.168.1.20:6880/epg.xml?token={TOKEN}"},
    "Jellyfin": {"tuner": "http://192.168.1.20:6880", "guide": f"http://192.168.1.20:6880/epg.xml?token={TOKEN}"},
    "Emby": {"tuner": "http://192.168.1.20:6880", "guide": f"http://192.168.1.20:6880/epg.xml?token={TOKEN}"},
    "Channels DVR": {
        "tuner": "192.168.1.20:6880",
        "playlist": f"http://192.168.1.20:6880/playlist.m3u?token={TOKEN}",
        "guide": f"http://192.168.1.20:6880/epg.xml?token={TOKEN}",
    },
    "Kodi (IPTV Simple)": {
        "playlist": f"http://192.168.1.20:6880/playlist.m3u?token={TOKEN}",
        "guide": f"http://192.168.1.20:6880/epg.xml?token={TOKEN}",
    },
    "Kodi (HDHomeRun)": {"tuner": "http://192.168.1.20:6880"},
    "TiviMate": {
        "playlist": f"http://192.168.1.20:6880/playlist.m3u?token={TOKEN}",
        "guide": f"http://192.168.1.20:6880/epg.xml?token={TOKEN}",
    },
    "VLC": {"playlist": f"http://192.168.1.20:6880/playlist.m3u?token={TOKEN}"},
}


def shown_fields(dialog: ShareDialog) -> dict[str, str]:
    panel = dialog.tv_apps
    return {name: line.text() for name, (_t, line, _c) in panel.fields.items() if line.isVisibleTo(panel)}


@pytest.mark.parametrize("app", [app.name for app in TV_APPS])
def test_each_tv_app_shows_what_to_enter_with_copy_buttons_and_a_qr_code_that_reads_back(qtbot, app: str) -> None:
    dialog = ShareDialog(ShareTarget(port=6880, token=TOKEN, lan_sharing=True, addresses=(HOME,), tuner=True))
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(1)
    panel = dialog.tv_apps
    panel.select(app)
    assert shown_fields(dialog) == EXPECTED[app]
    assert app.split(" ")[0] in panel.steps.text() or panel.steps.text()  # the app's own steps
    first = next(iter(EXPECTED[app].values()))
    assert decode(panel.qr.pixmap().toImage()) == [first]
    _title, line, copy = next(f for name, f in panel.fields.items() if name == next(iter(EXPECTED[app])))
    copy.click()
    assert QGuiApplication.clipboard().text() == line.text()
    assert TOKEN not in EXPECTED[app].get("tuner", "")  # a tuner address never carries the token
    assert not panel.tuner_off.isVisibleTo(panel)


def test_with_the_tuner_off_the_tuner_apps_say_so_and_offer_to_turn_it_on(qtbot) -> None:
    dialog = ShareDialog(ShareTarget(port=6880, token=TOKEN, lan_sharing=True, addresses=(HOME,), tuner=False))
    qtbot.addWidget(dialog)
    panel = dialog.tv_apps
    panel.select("Plex")
    assert panel.tuner_off.isVisibleTo(panel)
    panel.select("TiviMate")  # a playlist app needs no tuner
    assert not panel.tuner_off.isVisibleTo(panel)
    panel.select("Kodi (HDHomeRun)")
    with qtbot.waitSignal(dialog.tuner_requested):
        panel.turn_on.click()


def test_test_fetches_what_the_app_fetches_and_says_what_it_saw(make_controller, engine, qtbot, tmp_path) -> None:
    settings = Settings(port=free_port(), linger=1.0, tuner=True)
    controller = with_playlist(make_controller, engine, qtbot, tmp_path, settings=settings)
    dialog = controller.open_share_dialog()
    panel = dialog.tv_apps
    for app in ("Plex", "Kodi (IPTV Simple)", "VLC"):
        panel.select(app)
        panel.test.click()
        qtbot.waitUntil(lambda: panel.result.text().startswith(("✓", "✗")), timeout=10_000)
        # /epg.xml lists every channel, but with no guide source each has placeholders alone: said so.
        expected = "✓ 4 channels" if app == "VLC" else "✓ 4 channels, guide for 0, placeholders for 4"
        assert panel.result.text() == expected, app


def test_turning_the_tuner_on_from_the_tv_apps_tab_applies_it_and_shows_the_tab_again(
    make_controller, engine, qtbot, tmp_path
) -> None:
    controller = make_controller(engine_url=engine.url)
    dialog = controller.open_share_dialog()
    dialog.tv_apps.select("Emby")
    dialog.tv_apps.turn_on.click()
    qtbot.waitUntil(lambda: controller.saved_settings.tuner, timeout=5000)
    qtbot.waitUntil(lambda: controller.dialogs.find(ShareDialog) is not dialog, timeout=5000)
    again = controller.dialogs.find(ShareDialog)
    assert isinstance(again, ShareDialog)
    assert again.tabs.currentIndex() == 1 and again.tv_apps.app.name == "Emby"
    assert not again.tv_apps.tuner_off.isVisibleTo(again.tv_apps)
    again.tv_apps.test.click()
    qtbot.waitUntil(lambda: again.tv_apps.result.text().startswith(("✓", "✗")), timeout=10_000)
    assert again.tv_apps.result.text() == "✓ 0 channels, guide for 0"
    assert again.tv_apps.fields["tuner"][1].text() == f"http://127.0.0.1:{controller.settings.port}"  # LAN off
