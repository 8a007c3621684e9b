"""The tray icon's four states and what its tooltip says."""

from __future__ import annotations

import dataclasses

from desktop.streaming.snapshot import ProxySnapshot
from desktop.ui.icons import TrayState, tray_icon
from desktop.ui.tray import tray_status
from tests.ui.test_models import stream

ENGINE = "http://127.0.0.1:6878"


def snap(**changes) -> ProxySnapshot:
    values = {
        "running": True,
        "listen_url": "http://127.0.0.1:6880",
        "engine_url": ENGINE,
        "engine_reachable": True,
        "engine_version": "3.1.70",
    }
    values.update(changes)
    return ProxySnapshot(**values)


def test_each_state_has_its_own_icon_and_words(qapp):
    cases = {
        TrayState.STOPPED: tray_status(snap(running=False, listen_url=None)),
        TrayState.IDLE: tray_status(snap()),
        TrayState.STREAMING: tray_status(snap(streams=(stream(1, clients=2), stream(2, clients=1)))),
        TrayState.ERROR: tray_status(snap(engine_reachable=False)),
    }
    assert {state: status.state for state, status in cases.items()} == {s: s for s in cases}
    assert cases[TrayState.STOPPED].tooltip == "AceTray — proxy stopped"
    assert cases[TrayState.IDLE].tooltip == "AceTray — ready at http://127.0.0.1:6880, nothing playing"
    assert cases[TrayState.STREAMING].tooltip == (
        "AceTray — 2 streams, 3 players\n00000000…00000001: 2 players\n00000000…00000002: 1 player"
    )
    assert cases[TrayState.ERROR].tooltip == f"AceTray — AceStream engine unreachable at {ENGINE}"
    # Distinct pictures, not one icon recoloured by a tooltip.
    images = {state: tray_icon(state).pixmap(32, 32).toImage() for state in TrayState}
    assert len({bytes(img.constBits()) for img in images.values()}) == 4


def test_singular_words_and_a_failed_start(qapp):
    one = tray_status(snap(streams=(stream(1, clients=1),)))
    assert one.tooltip == "AceTray — 1 stream, 1 player\n00000000…00000001: 1 player"
    named = tray_status(snap(streams=(stream(1, clients=2, name="Sport One"),)))
    assert named.tooltip.splitlines()[1] == "Sport One: 2 players"
    failed = tray_status(
        snap(running=False, listen_url=None), start_error="Port 6880 is in use by another program by another program."
    )
    assert failed.state is TrayState.ERROR
    assert failed.tooltip.endswith("Port 6880 is in use by another program by another program.")


def test_a_channel_that_only_lingers_is_nobody_watching_the_icon_says_idle(qapp):
    import dataclasses

    lingering = dataclasses.replace(stream(1, name="Sport One"), state="lingering")
    status = tray_status(snap(streams=(lingering,)))
    assert status.state is TrayState.IDLE
    assert (
        status.tooltip
        == "AceTray — ready at http://127.0.0.1:6880, nothing playing\nSport One: no players, closing soon"
    )
    watched = tray_status(snap(streams=(lingering, stream(2, clients=1))))
    assert watched.state is TrayState.STREAMING
    assert watched.tooltip.splitlines()[:2] == ["AceTray — 2 streams, 1 player", "Sport One: no players, closing soon"]


def test_favourites_kept_ready_are_counted_but_nothing_of_them_plays(qapp):
    ready = dataclasses.replace(stream(3, name="Sport One"), state="ready", warm=True)
    idle = tray_status(snap(streams=(ready,)))
    assert idle.state is TrayState.IDLE
    assert idle.tooltip == "AceTray — ready at http://127.0.0.1:6880, nothing playing; 1 favourite ready"
    watched = dataclasses.replace(stream(4, clients=1), warm=True)  # a favourite kept ready, being watched
    busy = tray_status(snap(streams=(ready, watched, stream(1, clients=2))))
    assert busy.state is TrayState.STREAMING
    assert busy.tooltip.splitlines() == [
        "AceTray — 2 streams, 3 players; 1 favourite ready",
        "00000000…00000004: 1 player",
        "00000000…00000001: 2 players",
    ]


def test_a_failing_channel_comes_first_in_the_tooltip_and_says_why(qapp):
    well = [stream(n, clients=1, name=f"Channel {n}") for n in range(1, 8)]
    failing = dataclasses.replace(
        stream(9, clients=2, name="Sport 1", source_number=2, sources=3),
        state="reconnecting",
        last_error="source 1: no data for 10 s",
    )
    backup = stream(
        10, clients=1, name="News 24", source_number=2, sources=2, last_switch="source 1: failed to load content"
    )
    lines = tray_status(snap(streams=(*well, failing, backup))).tooltip.splitlines()
    assert lines[1:3] == [
        "Sport 1: 2 players — reconnecting: source 1: no data for 10 s, trying source 2 of 3",
        "News 24: 1 player — on source 2 of 2 (source 1: failed to load content)",
    ]
    assert lines[3] == "Channel 1: 1 player"  # the ones that play well follow, as many as fit
