"""User settings: one dataclass, its validation, and JSON load/save.

A broken settings file is never fatal: it is renamed aside, defaults are used,
and `LoadResult.problem` says what happened so the UI can tell the user.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import os
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from desktop import paths
from desktop.streaming.config import DEFAULT_ENGINE_URL, DEFAULT_PORT, LOOPBACK, ProxyConfig

log = logging.getLogger(__name__)

ALL_INTERFACES = "0.0.0.0"
LINK_ACTIONS = ("copy", "play")


@dataclass(frozen=True)
class Settings:
    engine_url: str = DEFAULT_ENGINE_URL
    lan_sharing: bool = False  # listen on all interfaces instead of loopback
    port: int = DEFAULT_PORT
    queue_size: int = 64  # chunks per player
    stale_timeout: float = 30.0
    empty_timeout: float = 60.0
    linger: float = 10.0
    player_command: str = ""  # empty: auto-detect VLC / mpv
    start_on_login: bool = False
    demo_engine: bool = False  # use the built-in demo engine instead of AceStream
    link_action: str = "copy"  # what an acestream:// link handed to the app does
    recent_channels: tuple[str, ...] = ()  # newest first, content ids

    @property
    def listen_host(self) -> str:
        return ALL_INTERFACES if self.lan_sharing else LOOPBACK

    def proxy_config(self, host_override: str | None = None) -> ProxyConfig:
        return ProxyConfig(
            engine_url=self.engine_url.rstrip("/"),
            host=host_override or self.listen_host,
            port=self.port,
            queue_size=self.queue_size,
            stale_timeout=self.stale_timeout,
            empty_timeout=self.empty_timeout,
            linger=self.linger,
            demo=self.demo_engine,
        )

    def with_recent(self, content_id: str, keep: int = 10) -> "Settings":
        recent = (content_id,) + tuple(c for c in self.recent_channels if c != content_id)
        return dataclasses.replace(self, recent_channels=recent[:keep])

    def errors(self) -> dict[str, str]:
        """Field name → readable problem; empty when the settings are valid."""
        problems: dict[str, str] = {}
        url_problem = engine_url_problem(self.engine_url)
        if url_problem:
            problems["engine_url"] = url_problem
        if not 1024 <= self.port <= 65535:
            problems["port"] = "Port must be between 1024 and 65535."
        if not 4 <= self.queue_size <= 4096:
            problems["queue_size"] = "Queue size must be between 4 and 4096 chunks."
        for name, low, high in (
            ("stale_timeout", 2, 600),
            ("empty_timeout", 5, 600),
            ("linger", 0, 600),
        ):
            value = getattr(self, name)
            if not low <= value <= high:
                problems[name] = f"Must be between {low} and {high} seconds."
        if self.link_action not in LINK_ACTIONS:
            problems["link_action"] = f"Must be one of {', '.join(LINK_ACTIONS)}."
        return problems


def engine_url_problem(url: str) -> str | None:
    """Why `url` cannot be the engine's address, or None when it can."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return "Engine URL must start with http:// or https://."
    if not parts.hostname:
        return "Engine URL needs a host, e.g. http://127.0.0.1:6878."
    try:
        _ = parts.port  # urlsplit checks the port only when asked for it
    except ValueError:
        return "Engine URL has an invalid port."
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "Engine URL must be just scheme, host and port."
    return None


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@dataclass(frozen=True)
class LoadResult:
    settings: Settings
    problem: str | None = None  # readable; set when the file was broken and put aside


def _coerce(raw: dict[str, Any]) -> Settings:
    """Build Settings from JSON, ignoring unknown keys; TypeError/ValueError if wrong."""
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name not in raw:
            continue
        value = raw[f.name]
        default = getattr(Settings(), f.name)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise TypeError(f"{f.name} must be true or false")
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{f.name} must be a whole number")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{f.name} must be a number")
            value = float(value)
        elif isinstance(default, str):
            if not isinstance(value, str):
                raise TypeError(f"{f.name} must be text")
        elif isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise TypeError(f"{f.name} must be a list of text")
            value = tuple(value)
        values[f.name] = value
    settings = Settings(**values)
    errors = settings.errors()
    if errors:
        name, message = next(iter(errors.items()))
        raise ValueError(f"{name}: {message}")
    return settings


def load(path: Path | None = None) -> LoadResult:
    """Read the settings file; a missing file gives defaults, a broken one is kept aside."""
    path = path or paths.settings_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadResult(Settings())
    except OSError as exc:
        return LoadResult(Settings(), f"Could not read {path}: {exc}. Using defaults.")
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise TypeError("the file does not hold a JSON object")
        return LoadResult(_coerce(raw))
    except (ValueError, TypeError) as exc:
        aside = path.with_name(f"{path.stem}.broken-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
        try:
            path.replace(aside)
            where = f"It was kept as {aside.name}."
        except OSError:
            where = "It could not be moved aside."
        log.warning("settings file %s is broken (%s); using defaults", path, exc)
        return LoadResult(
            Settings(), f"The settings file was broken ({exc}). {where} Defaults are in use."
        )


def save(settings: Settings, path: Path | None = None) -> None:
    """Write atomically (temp file + replace) so a crash never leaves half a file."""
    path = path or paths.settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = dataclasses.asdict(settings)
    data["recent_channels"] = list(settings.recent_channels)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
