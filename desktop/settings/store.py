"""Loading and saving `Settings` as JSON in the platform's config folder.

A settings file is never fatal, and never blocks start-up:

- one that is not a regular file (a FIFO, a device, a folder) or not readable
  as UTF-8 JSON (too large, too deeply nested, not an object) is renamed aside
  (`settings.broken-<time>.json`) and defaults are used;
- a readable one keeps every good value and drops each bad one (wrong type,
  out of range, against a rule), one sentence per dropped value; a copy of the
  file is kept aside, so nothing the person wrote is lost. The LAN token, and
  with it every link shared with other devices, survives a typo elsewhere.

`LoadResult.problem` says what happened so the app can tell the person. A
UTF-8 byte-order mark (some editors write one) is accepted.
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
from desktop.regular_files import FileTooLarge, NotARegularFile, read_regular_file
from desktop.settings.schema import Settings, default_of, spec_of

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000  # a settings file is a few hundred bytes; anything huge is not ours
_SHOWN_VALUE = 40  # characters of a dropped value quoted back to the person


@dataclass(frozen=True)
class LoadResult:
    settings: Settings
    problem: str | None = None  # readable; set when the file was broken (put aside) or had bad values (dropped)


class _Unusable(ValueError):
    """The file cannot be read as settings at all; str() is the reason, as a phrase."""


def load(path: Path | None = None) -> LoadResult:
    """Read the settings file; a missing file gives defaults, a broken one is kept aside."""
    path = path or paths.settings_file()
    try:
        data = _read_settings_file(path)
        raw = _decode(data)
    except FileNotFoundError:
        return LoadResult(Settings())
    except _Unusable as exc:
        where = _move_aside(path)
        log.warning("settings file %s is broken (%s); using defaults", path, exc)
        return LoadResult(Settings(), f"The settings file was broken ({exc}). {where} Defaults are in use.")
    except OSError as exc:
        return LoadResult(Settings(), f"Could not read {path}: {exc.strerror or exc}. Using defaults.")
    settings, dropped = _coerce(raw)
    if not dropped:
        return LoadResult(settings)
    where = _copy_aside(path, data)
    log.warning("settings file %s: %d value(s) dropped, the others kept", path, len(dropped))
    told = " ".join(dropped)
    return LoadResult(settings, f"Some saved settings could not be used. {told} {where} Everything else is kept.")


def _read_settings_file(path: Path) -> bytes:
    """The file's bytes; `_Unusable` for anything but a regular file within the cap, never waiting on one."""
    try:
        return read_regular_file(path, MAX_FILE_BYTES)
    except NotARegularFile as exc:
        raise _Unusable(f"it is {exc.kind}, not a regular file") from None
    except FileTooLarge:
        raise _Unusable(f"it is over {MAX_FILE_BYTES:,} bytes, far too large for settings") from None


def _decode(data: bytes) -> dict[str, Any]:
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _Unusable("it is not UTF-8 text") from None
    except RecursionError:
        raise _Unusable("it is nested too deeply") from None
    except ValueError as exc:
        raise _Unusable(str(exc)) from None
    if not isinstance(raw, dict):
        raise _Unusable("the file does not hold a JSON object")
    return raw


def _coerce(raw: dict[str, Any]) -> tuple[Settings, list[str]]:
    """Settings from decoded JSON: unknown keys ignored, each bad value dropped with a sentence."""
    values: dict[str, Any] = {}
    dropped: list[str] = []
    for f in fields(Settings):
        if f.name not in raw:
            continue
        value, problem = _typed(raw[f.name], f.default)
        if problem is None:
            values[f.name] = value
        else:
            dropped.append(_dropped(f.name, raw[f.name], problem))
    settings = Settings(**values)
    # Rules are checked on the whole (one may involve two settings): each value a rule
    # refuses goes back to its default, until none is refused. The defaults pass every rule.
    while refused := {name: problem for name, problem in settings.errors().items() if name in values}:
        for name, problem in refused.items():
            dropped.append(_dropped(name, values.pop(name), problem))
        settings = Settings(**values)
    return settings, dropped


def _typed(value: Any, default: Any) -> tuple[Any, str | None]:
    """`value` in the type of `default`, or why it is not one."""
    if isinstance(default, bool):
        return value, None if isinstance(value, bool) else "must be true or false"
    if isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return value, None if ok else "must be a whole number"
    if isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return (float(value), None) if ok else (value, "must be a number")
    if isinstance(default, str):
        return value, None if isinstance(value, str) else "must be text"
    if isinstance(default, tuple):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return (tuple(value), None) if ok else (value, "must be a list of text")
    return value, None


def _dropped(name: str, value: Any, problem: str) -> str:
    """One sentence: which setting went back to its default, and why its saved value could not stay."""
    spec = spec_of(name)
    default = default_of(name)
    back_to = _shown(default) if default not in ("", ()) else "empty"
    saved = "value" if spec.secret else _shown(value)  # a token is never repeated, not even a broken one
    return f"{spec.label} is back to {back_to} (the saved {saved} is not allowed: {problem.rstrip('.')})."


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN_VALUE else text[: _SHOWN_VALUE - 1] + "…"


def _aside(path: Path) -> Path:
    """A free `settings.broken-<time>[-n].json` beside `path`."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(100):
        aside = path.with_name(f"{path.stem}.broken-{stamp}{f'-{n}' if n else ''}{path.suffix}")
        if not os.path.lexists(aside):
            return aside
    return aside


def _move_aside(path: Path) -> str:
    aside = _aside(path)
    try:
        path.replace(aside)
    except OSError:
        return "It could not be moved aside."
    return f"It was kept as {aside.name}."


def _copy_aside(path: Path, data: bytes) -> str:
    """Keep the file as it was; one copy is enough (the next start finds the same file again)."""
    for earlier in sorted(path.parent.glob(f"{path.stem}.broken-*{path.suffix}")):
        try:
            same_size = earlier.is_file() and not earlier.is_symlink() and earlier.stat().st_size == len(data)
            if same_size and earlier.read_bytes() == data:  # a regular file: this never waits
                return f"A copy of the file is kept as {earlier.name}."
        except OSError:
            continue
    aside = _aside(path)
    try:
        with open(aside, "xb") as copy:  # x: never through a name someone else made meanwhile
            copy.write(data)
    except OSError:
        return "A copy of the file could not be kept."
    return f"A copy of the file is kept as {aside.name}."


def save(settings: Settings, path: Path | None = None) -> None:
    """Write atomically (temp file + replace) so a crash never leaves half a file."""
    path = path or paths.settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = dataclasses.asdict(settings)
    data["recent_channels"] = list(settings.recent_channels)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
