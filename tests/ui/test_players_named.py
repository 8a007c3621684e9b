"""The players table names each player's app from its user agent and shows each one's own rate."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.streaming.demo.state import EngineFaults
from desktop.ui.player_apps import player_app
from tests.fake_engine import DEFAULT_PACKETS
from tests.ui.test_window_live import cell, column

CHANNEL = "5" * 40
AGENTS = {
    "VLC/3.0.21 LibVLC/3.0.21": "VLC 3.0.21",
    "libmpv": "mpv",
    "Lavf/59.27.100": "ffmpeg (Lavf 59.27)",
    "Kodi/20.2 (X11; Linux x86_64) App_Bitness/64 Version/20.2-(20.2.0)-Git:20230629-5f418d0b13": "Kodi 20.2 on Linux",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1": "Safari on iPhone",
}


def test_the_player_column_names_the_app_and_keeps_the_raw_agent_in_its_tooltip(
    make_controller, engine, players, qtbot
):
    controller = make_controller(engine_url=engine.url)
    window = controller.window
    url = f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={CHANNEL}"
    for agent in AGENTS:
        players.start(url, 1, period=DEFAULT_PACKETS, user_agent=agent)
    qtbot.waitUntil(lambda: controller.snapshot.player_count == len(AGENTS), timeout=8000)
    window.streams_view.selectRow(0)
    clients = window.clients_model
    qtbot.waitUntil(lambda: clients.rowCount() == len(AGENTS), timeout=3000)
    player = column(clients, "Player")
    shown = {
        clients.data(clients.index(row, player), Qt.ItemDataRole.ToolTipRole): cell(clients, row, "Player")
        for row in range(clients.rowCount())
    }
    assert shown == {f"User agent: {agent}": name for agent, name in AGENTS.items()}


def test_a_player_waiting_for_its_first_bytes_has_no_rate_yet_then_its_own(
    make_controller, engine_factory, players, qtbot
):
    engine = engine_factory(faults=EngineFaults(prebuffer_delay=3.0))  # the engine's first byte takes a while
    controller = make_controller(engine_url=engine.url)
    window = controller.window
    players.start(f"http://127.0.0.1:{controller.settings.port}/ace/getstream?id={CHANNEL}", 1, period=DEFAULT_PACKETS)
    clients = window.clients_model
    qtbot.waitUntil(lambda: clients.rowCount() == 1, timeout=5000)
    assert cell(clients, 0, "State") == "waiting"
    assert cell(clients, 0, "Recent rate") == "—"  # not "0 B/s": nothing is late, nothing has come yet
    qtbot.waitUntil(lambda: cell(clients, 0, "Recent rate").endswith("/s"), timeout=10000)
    assert cell(clients, 0, "Recent rate") != "0 B/s"


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        ("TiviMate/4.7.0 (Android 11)", "TiviMate 4.7.0 on Android"),
        ("PlexMediaServer/1.32.5.7349-8f4248874", "Plex"),
        ("Jellyfin-Server/10.8.13", "Jellyfin"),
        ("Emby/4.7.14", "Emby"),
        ("Channels DVR/2023.09.06", "Channels DVR"),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
            "Chrome on Linux",
        ),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox on Windows"),
        (
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) TV Safari/537.36",
            "Samsung TV",
        ),
        ("AppleCoreMedia/1.0.0.21A329 (iPhone; U; CPU OS 17_0 like Mac OS X; en_us)", "Apple's player on iPhone"),
        ("SuperPlayer/2.1 (Linux)", "SuperPlayer 2.1"),
        ("", "(unknown)"),
    ],
)
def test_apps_people_know_by_name(agent: str, name: str):
    assert player_app(agent).label == name
