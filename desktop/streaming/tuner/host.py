"""The tuner inside a running core: its identity, and the discovery listener started, moved and stopped.

`ProxyService` owns one and calls `apply` whenever the proxy starts or its
settings change, and `stop` when it stops: the listener follows the proxy's
listen address (loopback only while LAN sharing is off). The HTTP side needs
nothing started: its routes answer while `config.tuner` is on.

Port 65001 taken by another program is not fatal: TV apps can still add the
tuner by its address, and everything else keeps working; the window and the
log say so once.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.streaming.config import ProxyConfig
from desktop.streaming.ids import ChannelKey
from desktop.streaming.live.registry import MAX_CHANNELS
from desktop.streaming.tuner.device import playback_key
from desktop.streaming.tuner.discovery import DiscoveryListener, TunerFacts
from desktop.streaming.tuner.identity import TunerIdentity, load_identity

log = logging.getLogger(__name__)

Emit = Callable[..., None]  # EventSink.emit: (level, message, *, detail=None)


@dataclass(frozen=True)
class TunerAccess:
    """What TV apps may do without the LAN token while the tuner is on (`http/tuner_access.py` applies it)."""

    key: str  # the playback key the lineup's URLs carry
    in_lineup: Callable[[ChannelKey], bool]  # the lineup's channels now (the playlists change while running)


class TunerHost:
    def __init__(self, emit: Emit, *, folder: Path | None = None, tuner_count: int = MAX_CHANNELS) -> None:
        self._emit = emit
        self._folder = folder
        self.tuner_count = tuner_count
        self._identity: TunerIdentity | None = None
        self._listener: DiscoveryListener | None = None
        self._where: tuple[str, int] | None = None  # (host, port) the listener was asked for
        self._http_port = 0
        self._refused: tuple[str, int] | None = None  # told once per address, not at every apply

    @property
    def identity(self) -> TunerIdentity:
        """Read (or made) on first use: the config folder is not touched while the tuner is off."""
        if self._identity is None:
            self._identity = load_identity(self._folder)
        return self._identity

    @property
    def discovery_address(self) -> tuple[str, int] | None:
        """Where discovery listens now; None while it does not."""
        return self._listener.address if self._listener is not None else None

    def access(self, config: ProxyConfig, in_lineup: Callable[[ChannelKey], bool]) -> TunerAccess | None:
        """The exemption from the token for `config`; None on loopback (no token) or with the tuner off."""
        if not (config.tuner and config.token):
            return None
        return TunerAccess(playback_key(config.token), in_lineup)

    def facts(self) -> TunerFacts:
        return TunerFacts(self.identity, self._http_port, self.tuner_count)

    async def apply(self, config: ProxyConfig, http_port: int) -> None:
        """Listen where `config` says while the tuner is on; close the listener when it is off."""
        self._http_port = http_port
        where = (config.host, config.discovery_port)
        if not config.tuner:
            if self._listener is not None or self._where is not None:
                self._close()
                self._emit("info", "Network tuner off")
            return
        if where == self._where:
            return
        self._close()
        self._where = where
        _ = self.identity
        listener = DiscoveryListener(self.facts, *where)
        try:
            await listener.start()
        except OSError as exc:
            self._where = None  # tried again at the next start or change of settings
            self._tell_refused(where, exc)
            return
        self._listener, self._refused = listener, None
        self._emit("info", f"Network tuner on: TV apps find AceTray as tuner {self.identity.device_id_text}")

    async def stop(self) -> None:
        self._close()

    def _close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self._where = None

    def _tell_refused(self, where: tuple[str, int], exc: OSError) -> None:
        if self._refused == where:
            return
        self._refused = where
        if exc.errno == errno.EADDRINUSE:
            why = f"another program already uses port {where[1]} (UDP)"
        else:
            why = f"port {where[1]} (UDP) cannot be opened ({exc.strerror or exc})"
        self._emit(
            "warning",
            f"TV apps cannot find AceTray by themselves: {why}. "
            f"Add the tuner in the app by this computer's address and port {self._http_port}; all else works.",
            detail=str(exc),
        )
