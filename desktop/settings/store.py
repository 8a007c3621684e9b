"""Loading and saving `Settings` as JSON in the platform's config folder.

A settings file is never fatal: an unreadable one (not UTF-8, not JSON, too
deeply nested, wrong types, values out of range) is renamed aside, defaults
are used, and `LoadResult.problem` says what happened so the app can tell the
user. A UTF-8 byte-order mark (some editors write one) is accepted.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from desktop import paths
from desktop.settings.schema import Settings

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000  # a settings file is a few hundred bytes; anything huge is not ours


@dataclass(frozen=True)
class LoadResult:
    settings: Settings
    problem: str | None = None  # readable; set when the file was broken and put aside


def _coerce(raw: dict[str, Any]) -> Settings:
    """Settings from decoded JSON, ignoring unknown keys; TypeError/ValueError if wrong."""
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name not in raw:
            continue
        value, default = raw[f.name], f.default
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


def _decode(data: bytes) -> Settings:
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"the file is {len(data):,} bytes, far too large for settings")
    text = data.decode("utf-8-sig")  # UnicodeDecodeError is a ValueError
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise TypeError("the file does not hold a JSON object")
    return _coerce(raw)


def load(path: Path | None = None) -> LoadResult:
    """Read the settings file; a missing file gives defaults, a broken one is kept aside."""
    path = path or paths.settings_file()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return LoadResult(Settings())
    except OSError as exc:
        return LoadResult(Settings(), f"Could not read {path}: {exc.strerror or exc}. Using defaults.")
    try:
        return LoadResult(_decode(data))
    except (ValueError, TypeError, RecursionError) as exc:
        reason = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        if isinstance(exc, UnicodeDecodeError):
            reason = "it is not UTF-8 text"
        where = _keep_aside(path)
        log.warning("settings file %s is broken (%s); using defaults", path, reason)
        return LoadResult(Settings(), f"The settings file was broken ({reason}). {where} Defaults are in use.")


def _keep_aside(path: Path) -> str:
    aside = path.with_name(f"{path.stem}.broken-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
    try:
        path.replace(aside)
    except OSError:
        return "It could not be moved aside."
    return f"It was kept as {aside.name}."


def save(settings: Settings, path: Path | None = None) -> None:
    """Write atomically (temp file + replace) so a crash never leaves half a file."""
    path = path or paths.settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = dataclasses.asdict(settings)
    data["recent_channels"] = list(settings.recent_channels)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
