"""The proxy core's configuration: plain, immutable, validated by the caller."""

from __future__ import annotations

from dataclasses import dataclass

LOOPBACK = "127.0.0.1"
DEFAULT_ENGINE_URL = "http://127.0.0.1:6878"
DEFAULT_PORT = 6880


@dataclass(frozen=True)
class ProxyConfig:
    """What the core needs to run; built from `desktop.settings.Settings`."""

    engine_url: str = DEFAULT_ENGINE_URL
    host: str = LOOPBACK
    port: int = DEFAULT_PORT
    queue_size: int = 64  # chunks (~64 KiB each) buffered per player before dropping
    stale_timeout: float = 30.0  # s a player may take nothing before it is dropped
    empty_timeout: float = 60.0  # s without data from the engine before reconnecting
    linger: float = 10.0  # s a channel stays open after its last player leaves
    start_timeout: float = 60.0  # s for the session start + first byte
    give_up_after: float = 120.0  # s of failed reconnects before a stream is failed
    demo: bool = False  # run the built-in demo engine and point at it
    playlist_refresh_hours: int = 6  # refresh the playlists this often; 0: only when asked
    playlists: tuple[str, ...] = ()  # sources added for this run only (`--playlist`), never saved

    def needs_restart_from(self, old: "ProxyConfig") -> bool:
        """True when the listener or the engine changed (running streams must go)."""
        return (self.host, self.port, self.engine_url, self.demo) != (
            old.host,
            old.port,
            old.engine_url,
            old.demo,
        )
