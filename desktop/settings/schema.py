"""Every user setting, declared once: default, limits, label, help, group, command-line flag.

`Settings` is a frozen dataclass whose fields carry a `Spec` in their metadata.
Validation (`Settings.errors`), the settings dialog, `acetray` / `acetray serve`
flags and the core's `ProxyConfig` are all derived from these declarations, so
a rule written here holds everywhere. Defaults of the proxy's own tunables come
from `ProxyConfig` itself (the core's single home for them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

from desktop.settings.rules import docker_image_problem, engine_url_problem, normalize_engine_url, token_problem
from desktop.settings.spec import SPEC_KEY, Spec, setting
from desktop.streaming.config import (
    ENGINE_DOCKER,
    ENGINE_EXTERNAL,
    ENGINE_PROGRAM,
    START_ON_PLAY,
    START_WITH_APP,
    ProxyConfig,
    is_loopback,
)
from desktop.streaming.engine.plan import command_problem, engine_address

_CORE = ProxyConfig()

# Groups, in the order the settings dialog shows them.
ENGINE, SHARING, STREAMING, CHANNELS, DESKTOP = (
    "AceStream engine",
    "Sharing",
    "Streaming",
    "Channels",
    "Player and desktop",
)
GROUPS = (ENGINE, SHARING, STREAMING, CHANNELS, DESKTOP)
LINK_ACTIONS = (("copy", "Copy the stream link"), ("play", "Open it in the player"))
ENGINE_MODES = (
    (ENGINE_EXTERNAL, "Use an engine that is already running"),
    (ENGINE_PROGRAM, "Start AceStream on this computer"),
    (ENGINE_DOCKER, "Start AceStream in Docker"),
)
ENGINE_STARTS = ((START_WITH_APP, "When AceTray starts"), (START_ON_PLAY, "On the first play"))


@dataclass(frozen=True)
class Settings:
    engine_mode: str = setting(
        _CORE.engine_mode,
        label="Engine",
        group=ENGINE,
        choices=ENGINE_MODES,
        flag="--engine-mode",
        core="engine_mode",
        help="use an AceStream engine that is already running, or let AceTray start one "
        "on this computer or in Docker (and stop it when AceTray quits)",
    )
    engine_url: str = setting(
        _CORE.engine_url,
        label="Engine URL",
        group=ENGINE,
        flag="--engine",
        tray_flag=True,
        core="engine_url",
        help="where the AceStream engine's HTTP API answers (an engine AceTray starts listens on its port)",
        check=engine_url_problem,
        normalize=normalize_engine_url,
    )
    engine_program: str = setting(
        _CORE.engine_program,
        label="Engine program",
        group=ENGINE,
        flag="--engine-command",
        metavar="CMD",
        core="engine_program",
        implies=(("engine_mode", ENGINE_PROGRAM),),
        check=command_problem,
        help="the AceStream engine AceTray starts: a program (AceTray adds --client-console, --http-port "
        "and an in-memory cache) or a whole command with {port} where the engine URL's port goes "
        "(empty: the engine found on this computer)",
        normalize=str.strip,
    )
    docker_image: str = setting(
        _CORE.docker_image,
        label="Docker image",
        group=ENGINE,
        flag="--engine-docker",
        metavar="IMAGE",
        core="docker_image",
        implies=(("engine_mode", ENGINE_DOCKER),),
        check=docker_image_problem,
        help="the AceStream engine image AceTray runs in Docker",
        normalize=str.strip,
    )
    engine_start: str = setting(
        _CORE.engine_start,
        label="Start the engine",
        group=ENGINE,
        choices=ENGINE_STARTS,
        flag="--engine-start",
        core="engine_start",
        help="when AceTray starts the engine it runs: with AceTray, or when a channel is first played",
    )
    demo_engine: bool = setting(
        _CORE.demo,
        label="Use the built-in demo engine instead (no AceStream needed)",
        group=ENGINE,
        flag="--demo",
        core="demo",
        help="play a built-in test clip for every channel instead of AceStream",
    )
    lan_sharing: bool = setting(
        False,
        label="Share on my network (listen on all interfaces)",
        group=SHARING,
        flag="--lan",
        help="listen on all interfaces instead of 127.0.0.1 only",
    )
    access_token: str = setting(
        "",
        label="Access token",
        group=SHARING,
        flag="--token",
        metavar="TOKEN",
        check=token_problem,
        normalize=str.strip,
        secret=True,
        help="with LAN sharing on, every device's request must carry this token (made on first use)",
    )
    tuner: bool = setting(
        _CORE.tuner,
        label="Act as a network tuner for TV apps (Plex, Jellyfin, Emby, Channels, Kodi)",
        group=SHARING,
        flag="--tuner",
        core="tuner",
        help="answer as an HDHomeRun network tuner: TV apps find AceTray by themselves and list its channels",
    )
    port: int = setting(
        _CORE.port,
        label="Port",
        noun="Port",
        minimum=1024,
        maximum=65535,
        floor=1,
        below_minimum="ports below 1024 are for system services and need an administrator; use 1024 to 65535",
        group=SHARING,
        flag="--port",
        tray_flag=True,
        core="port",
        help="where players connect",
    )
    queue_size: int = setting(
        _CORE.queue_size,
        label="Queue per player",
        noun="Queue size",
        minimum=4,
        maximum=4096,
        unit="chunks",
        group=STREAMING,
        flag="--queue-size",
        core="queue_size",
        help="how far a slow player may fall behind (in ~64 KiB chunks) before it skips ahead",
    )
    stale_timeout: float = setting(
        _CORE.stale_timeout,
        label="Drop a stuck player after",
        minimum=2,
        maximum=600,
        unit="s",
        group=STREAMING,
        flag="--stale-timeout",
        core="stale_timeout",
        help="a player that takes nothing for this long is disconnected",
    )
    empty_timeout: float = setting(
        _CORE.empty_timeout,
        label="Reconnect when silent for",
        minimum=5,
        maximum=600,
        unit="s",
        group=STREAMING,
        flag="--empty-timeout",
        core="empty_timeout",
        help="reconnect to the engine when it sends nothing for this long",
    )
    stall_timeout: float = setting(
        _CORE.stall_timeout,
        label="Switch to a backup source after",
        minimum=2,
        maximum=600,
        unit="s",
        group=STREAMING,
        flag="--stall-timeout",
        core="stall_timeout",
        help="a channel listed more than once moves to its next source when the one in use sends nothing this long",
    )
    linger: float = setting(
        _CORE.linger,
        label="Keep a channel after its last player",
        minimum=0,
        maximum=600,
        unit="s",
        group=STREAMING,
        flag="--linger",
        core="linger",
        help="keep a channel open this long after its last player leaves, for quick zapping back",
    )
    hls_target_duration: float = setting(
        _CORE.hls_target_duration,
        label="HLS segment length",
        minimum=1,
        maximum=10,
        unit="s",
        group=STREAMING,
        flag="--hls-target-duration",
        core="hls_target_duration",
        help="stream time per HLS segment (cut at the next keyframe): shorter starts sooner, longer is steadier",
    )
    hls_window: int = setting(
        _CORE.hls_window,
        label="HLS playlist length",
        minimum=3,
        maximum=30,
        unit="segments",
        group=STREAMING,
        flag="--hls-window",
        core="hls_window",
        help="segments an HLS playlist lists: how far back an HLS player may start or fall behind",
    )
    playlist_refresh_hours: int = setting(
        _CORE.playlist_refresh_hours,
        label="Refresh playlists every",
        minimum=0,
        maximum=168,
        unit="h",
        group=CHANNELS,
        flag="--playlist-refresh-hours",
        tray_flag=True,
        core="playlist_refresh_hours",
        minimum_text="Only when asked",
        help="download the playlists again this often, in hours (0: only when asked)",
    )
    plain_streams: bool = setting(
        _CORE.plain_streams,
        label="Pass on the playlists' other streams (http, rtmp, udp…) in the device playlist",
        group=CHANNELS,
        core="plain_streams",
        help="/playlist.m3u lists the playlists' non-AceStream streams too, as they were written",
    )
    check_at_once: int = setting(
        _CORE.check_at_once,
        label="Link check: probes at once",
        minimum=1,
        maximum=4,
        unit="probes",
        group=CHANNELS,
        flag="--check-at-once",
        core="check_at_once",
        help="engine sessions Check links may open at once (never more than the channel limit leaves free)",
    )
    check_per_minute: int = setting(
        _CORE.check_per_minute,
        label="Link check: probes a minute",
        minimum=1,
        maximum=60,
        unit="per minute",
        group=CHANNELS,
        flag="--check-per-minute",
        core="check_per_minute",
        help="links Check links may try in any 60 seconds: few, so the engine and its peers never notice",
    )
    check_timeout: float = setting(
        _CORE.check_timeout,
        label="Link check: a link is dead after",
        minimum=5,
        maximum=120,
        unit="s",
        group=CHANNELS,
        flag="--check-timeout",
        core="check_timeout",
        help="how long Check links waits for a link's first data before calling it dead",
    )
    check_favourites_hours: int = setting(
        _CORE.check_favourites_hours,
        label="Check favourites' links every",
        minimum=0,
        maximum=168,
        unit="h",
        group=CHANNELS,
        flag="--check-favourites-hours",
        core="check_favourites_hours",
        minimum_text="Only when asked",
        help="check the favourites' links this often, in hours (0: only when asked)",
    )
    hide_dead_channels: bool = setting(
        _CORE.hide_dead_channels,
        label="Leave dead channels out of the device playlist",
        group=CHANNELS,
        flag="--hide-dead",
        core="hide_dead_channels",
        help="channels whose links Check links found dead are left out of /playlist.m3u and the tuner's lineup",
    )
    warm_favourites: int = setting(
        _CORE.warm,
        label="Keep favourites ready",
        noun="Favourites kept ready",
        minimum=0,
        maximum=8,
        group=CHANNELS,
        flag="--warm",
        tray_flag=True,
        core="warm",
        minimum_text="Off",
        help="keep this many favourite channels (the first ones you starred) open in the engine, so switching "
        "to one starts at once instead of after seconds; each one downloads all the time, as if it were watched",
    )
    player_command: str = setting(
        "",
        label="Player command",
        group=DESKTOP,
        help="a program and its options; {url} marks where the link goes, else it is added last "
        "(empty: VLC or mpv, found automatically)",
    )
    link_action: str = setting(
        "copy",
        label="acestream:// links",
        group=DESKTOP,
        choices=LINK_ACTIONS,
        help="what AceTray does with an acestream:// link it is opened with (browser, second launch), "
        "and with a click on a channel in the tray's Favourites or Recent channels",
    )
    start_on_login: bool = setting(
        False,
        label="Start AceTray when I log in",
        group=DESKTOP,
        help="XDG autostart on Linux, the HKCU Run key on Windows, a LaunchAgent on macOS",
    )
    recent_channels: tuple[str, ...] = setting(
        (),
        label="Recent channels",
        help="content ids, newest first",
    )

    def __post_init__(self) -> None:
        for name, spec in specs():
            if spec.normalize is not None:
                object.__setattr__(self, name, spec.normalize(getattr(self, name)))

    def errors(self) -> dict[str, str]:
        """Field name → readable problem; empty when the settings are valid."""
        problems = {}
        for name, spec in specs():
            problem = spec.problem(getattr(self, name))
            if problem:
                problems[name] = problem
        if "engine_url" not in problems and self.owns_engine:
            host, port = engine_address(self.engine_url)
            if not is_loopback(host):
                problems["engine_url"] = (
                    f"AceTray starts the engine on this computer: use http://127.0.0.1:{port} "
                    "(or choose an engine that is already running)."
                )
        return problems

    @property
    def owns_engine(self) -> bool:
        """AceTray runs the engine itself (not in demo mode, which needs none)."""
        return self.engine_mode != ENGINE_EXTERNAL and not self.demo_engine

    def with_recent(self, content_id: str, keep: int = 10) -> Settings:
        recent = (content_id,) + tuple(c for c in self.recent_channels if c != content_id)
        return dataclasses.replace(self, recent_channels=recent[:keep])

    def core_values(self) -> dict[str, Any]:
        """The values the proxy core takes, keyed by ProxyConfig field."""
        return {spec.core: getattr(self, name) for name, spec in specs() if spec.core}


def specs() -> Iterator[tuple[str, Spec]]:
    """(field name, Spec) of every setting, in declaration order."""
    for f in fields(Settings):
        yield f.name, f.metadata[SPEC_KEY]


def spec_of(name: str) -> Spec:
    return next(spec for field_name, spec in specs() if field_name == name)


def default_of(name: str) -> Any:
    return next(f.default for f in fields(Settings) if f.name == name)
