"""Helpers for the LAN sharing tests: links fetched as another device would, a player that records its link."""

from __future__ import annotations

import stat
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from desktop.ui.links import LanAddress

# The only address the share dialog and the links offer: the tests' traffic stays on loopback,
# while the proxy listens on every interface as LAN sharing makes it.
LOOPBACK_LAN = LanAddress("127.0.0.1", "lo")
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy from the environment


def lan_is_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("desktop.ui.share_flow.lan_addresses", lambda: [LOOPBACK_LAN])  # the share dialog's
    monkeypatch.setattr("desktop.ui.links.lan_addresses", lambda: [LOOPBACK_LAN])


def status_of(url: str) -> int:
    """What a device opening `url` gets: the status, once the first bytes of the body have come."""
    try:
        with _OPENER.open(url, timeout=15) as resp:
            assert resp.read(188)
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def recording_player(folder: Path, record: Path, *, then: str = "") -> Path:
    """A player program that writes the arguments it was given to `record` (one a line), then runs `then`."""
    path = folder / "mpv"
    path.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n{then}')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path
