"""The proxy core's configuration: plain, immutable, validated by the caller."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from desktop.streaming.engine_host.docker import DEFAULT_IMAGE

LOOPBACK = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"
DEFAULT_ENGINE_URL = "http://127.0.0.1:6878"
DEFAULT_PORT = 6880

# Who runs the engine (`engine_mode`) and when AceTray starts one it runs (`engine_start`).
ENGINE_EXTERNAL, ENGINE_PROGRAM, ENGINE_DOCKER = "external", "program", "docker"
START_WITH_APP, START_ON_PLAY = "launch", "first-play"


def is_all_interfaces(host: str) -> bool:
    """A listen address that means every interface (no address a person can type in)."""
    return host in (ALL_INTERFACES, "::", "")


def is_loopback(host: str) -> bool:
    """An address (or `localhost`) that only this computer can reach."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


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
    # A channel of several sources moves to the next when the one in use sends nothing this long
    # (or the engine reports no peers and no speed this long).
    stall_timeout: float = 10.0
    demo: bool = False  # run the built-in demo engine and point at it
    token: str | None = None  # when set (LAN sharing), every request must carry it
    # HLS (the segmenter's HlsConfig takes these; its defaults are the same values)
    hls_target_duration: float = 2.0  # s of stream time per segment, cut at the next keyframe
    hls_window: int = 6  # segments listed in an HLS playlist
    engine_mode: str = ENGINE_EXTERNAL  # program / docker: AceTray runs the engine on engine_url's port
    engine_program: str = ""  # program mode: a command line; "" = the engine found on this computer
    docker_image: str = DEFAULT_IMAGE  # docker mode
    engine_start: str = START_WITH_APP  # an engine AceTray runs starts with the proxy, or on the first play
    engine_log: str = ""  # where an engine AceTray runs writes its output ("" = not kept)
    warm: int = 0  # favourites kept ready: the first N (in starring order) stay open in the engine without players
    playlist_refresh_hours: int = 6  # refresh the playlists this often; 0: only when asked
    playlists: tuple[str, ...] = ()  # sources added for this run only (`--playlist`), never saved
    guides: tuple[str, ...] = ()  # XMLTV guides added for this run only (`--guide`), never saved
    plain_streams: bool = True  # /playlist.m3u passes on the playlists' plain (non-AceStream) streams
    tuner: bool = False  # answer as an HDHomeRun network tuner (HTTP on the proxy's port, UDP discovery)
    discovery_port: int = 65001  # SiliconDust's discovery port (apps ask there); tests use a free one
    # The link check (probes/): gentle by default, so the engine and the channels people watch never notice it.
    check_at_once: int = 1  # probes at once (never more than the channel cap leaves free)
    check_per_minute: int = 12  # probe starts in any 60 s
    check_timeout: float = 20.0  # s a probe waits for the source's first bytes before calling it dead
    check_favourites_hours: int = 0  # re-check the favourites this often; 0: only when asked
    hide_dead_channels: bool = False  # leave channels whose sources are all dead out of the device playlist
