"""Playlists (with the last good copy of each) and favourites, kept in the config folder.

Two files, each written atomically (a temporary file, flushed, then
`os.replace`), so a crash or a full disk never leaves half a file:

- `playlists.json`: every saved playlist with its channels, counts, last error
  and times, so channels are there offline and at start, before any refresh;
- `favourites.json`: the starred (kind, id) keys, small and written often.

A broken file is never fatal: it is renamed aside (`*.broken-<time>.json`),
that part starts empty, and the problem comes back as a sentence to show.
Reading and writing block on the disk: the core's loop has them run by
`ChannelLibrary` (off the loop, on its executor).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any, TypeVar

from desktop import paths
from desktop.streaming.channels.links import is_hex40
from desktop.streaming.channels.m3u import MAX_CHANNELS, MAX_NAME, MAX_SHIFT_HOURS
from desktop.streaming.channels.model import KINDS, Channel, ChannelKey, Kind
from desktop.streaming.channels.state import ChannelsState, PlaylistState
from desktop.streaming.ids import parse_kind

log = logging.getLogger(__name__)

PLAYLISTS_FILE = "playlists.json"
FAVOURITES_FILE = "favourites.json"
FORMAT = 1  # bumped when the layout changes in a way an older reader would misread

T = TypeVar("T")

_HEX_RUN = re.compile(r"[0-9a-fA-F]*")


class BrokenFile(ValueError):
    """The file's content is not what AceTray writes."""


@dataclass(frozen=True)
class StoreLoad:
    """What was read, and readable sentences about any file that had to be put aside."""

    state: ChannelsState
    problems: tuple[str, ...] = ()


class ChannelStore:
    """Where the channel files live; `folder=None` means the config folder at call time."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder

    @property
    def folder(self) -> Path:
        return self._folder if self._folder is not None else paths.config_dir()

    @property
    def playlists_path(self) -> Path:
        return self.folder / PLAYLISTS_FILE

    @property
    def favourites_path(self) -> Path:
        return self.folder / FAVOURITES_FILE

    def load(self) -> StoreLoad:
        problems: list[str] = []
        no_playlists: tuple[PlaylistState, ...] = ()
        no_favourites: frozenset[ChannelKey] = frozenset()
        playlists = _read(self.playlists_path, _decode_playlists, no_playlists, "playlists", problems)
        favourites = _read(self.favourites_path, _decode_favourites, no_favourites, "favourites", problems)
        return StoreLoad(ChannelsState(playlists, favourites), tuple(problems))

    def save(self, state: ChannelsState) -> None:
        self.save_playlists(state)
        self.save_favourites(state)

    def save_playlists(self, state: ChannelsState) -> None:
        """Only the saved playlists: one added for a single run is never written."""
        playlists = [_encode_playlist(p) for p in state.playlists if p.saved]
        write_json_atomically(self.playlists_path, {"format": FORMAT, "playlists": playlists})

    def save_favourites(self, state: ChannelsState) -> None:
        favourites = sorted([kind, cid] for kind, cid in state.favourites)
        write_json_atomically(self.favourites_path, {"format": FORMAT, "favourites": favourites})


def _read(path: Path, decode: Callable[[Any], T], empty: T, what: str, problems: list[str]) -> T:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return empty
    except OSError as exc:  # unreadable, not broken: leave it where it is
        log.warning("could not read %s: %s", path, exc)
        reason = exc.strerror or str(exc)
        problems.append(f"Could not read the saved {what} ({reason}). They start empty.")
        return empty
    try:
        # UnicodeDecodeError and JSONDecodeError are ValueErrors too.
        return decode(json.loads(data.decode("utf-8")))
    except (ValueError, TypeError) as exc:
        return _put_aside(path, str(exc) or type(exc).__name__, empty, what, problems)


def _put_aside(path: Path, reason: str, empty: T, what: str, problems: list[str]) -> T:
    aside = path.with_name(f"{path.stem}.broken-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
    try:
        path.replace(aside)
        where = f"It was kept as {aside.name}."
    except OSError:
        where = "It could not be moved aside."
    log.warning("channel file %s is broken (%s); starting with no %s", path, reason, what)
    problems.append(f"The saved {what} file was broken ({reason}). {where} The {what} start empty.")
    return empty


def write_json_atomically(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique temporary name: the tray and `acetray serve` may share the folder.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            # dumps() then one write: json.dump() writes in many small pieces.
            out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _encode_playlist(p: PlaylistState) -> dict[str, Any]:
    return {
        "source": p.source,
        "updated_at": p.updated_at,
        "checked_at": p.checked_at,
        "error": p.error,
        "skipped": p.skipped,
        "duplicates": p.duplicates,
        "over_limit": p.over_limit,
        "shortened": p.shortened,
        "epg_urls": list(p.epg_urls),
        # Rows rather than objects: a third of the size for 10,000 channels.
        "channels": [[c.name, c.group, c.logo, c.tvg_id, c.kind, c.id] for c in p.channels],
        # Few channels have one: [row, hours] pairs beside the rows (a reader that does not know them skips them).
        "tvg_shift": [[n, c.tvg_shift] for n, c in enumerate(p.channels) if c.tvg_shift],
    }


def _check_format(raw: Any, key: str) -> list[Any]:
    if not isinstance(raw, dict):
        raise BrokenFile("the file does not hold a JSON object")
    if raw.get("format") != FORMAT:
        raise BrokenFile(f"unknown format {raw.get('format')!r}")
    items = raw.get(key)
    if not isinstance(items, list):
        raise BrokenFile(f"no list of {key}")
    return items


def _decode_playlists(raw: Any) -> tuple[PlaylistState, ...]:
    playlists: dict[str, PlaylistState] = {}
    for item in _check_format(raw, "playlists"):
        if not isinstance(item, dict) or not isinstance(item.get("source"), str):
            raise BrokenFile("a playlist without a source")
        source = item["source"]
        channels = _with_shifts(_decode_channels(item.get("channels", []), source), item.get("tvg_shift", []))
        # A copy saved before the limits (or by hand) is held to them too.
        over_limit, shortened = max(0, len(channels) - MAX_CHANNELS), 0
        channels = channels[:MAX_CHANNELS]
        if any(len(c.name) > MAX_NAME for c in channels):
            shortened = sum(len(c.name) > MAX_NAME for c in channels)
            channels = tuple(dataclasses.replace(c, name=c.name[:MAX_NAME].rstrip()) for c in channels)
        playlists.setdefault(
            source,
            PlaylistState(
                source=source,
                channels=channels,
                epg_urls=tuple(_strings(item.get("epg_urls", []), "epg_urls")),
                skipped=_count(item.get("skipped", 0)),
                duplicates=_count(item.get("duplicates", 0)),
                over_limit=_count(item.get("over_limit", 0)) + over_limit,
                shortened=_count(item.get("shortened", 0)) + shortened,
                error=_optional(item.get("error"), str),
                updated_at=_optional(item.get("updated_at"), (int, float)),
                checked_at=_optional(item.get("checked_at"), (int, float)),
            ),
        )
    return tuple(playlists.values())


def _decode_channels(rows: Any, source: str) -> tuple[Channel, ...]:
    """Rows of [name, group, logo, tvg_id, kind, id], checked column by column.

    This runs at every start on up to tens of thousands of rows, so the checks
    are whole-column C calls (join, set, map) rather than a Python test per field.
    """
    if not isinstance(rows, list):
        raise BrokenFile("the channels are not a list")
    if not rows:
        return ()
    if set(map(type, rows)) != {list} or set(map(len, rows)) != {6}:
        raise BrokenFile("a channel row is not six strings")
    names, groups, logos, tvg_ids, kinds, ids = zip(*rows, strict=True)
    try:
        for column in (names, groups, logos, tvg_ids, kinds, ids):
            "".join(column)  # raises TypeError on anything but str
    except TypeError:
        raise BrokenFile("a channel row is not six strings") from None
    unknown = set(kinds).difference(KINDS)
    if unknown:
        raise BrokenFile(f"unknown channel kind {min(unknown)!r}")
    if set(map(len, ids)) != {40} or not _HEX_RUN.fullmatch("".join(ids)):
        bad = next(i for i in ids if not is_hex40(i))
        raise BrokenFile(f"{bad!r} is not a 40-hex id")
    lowered = [i.lower() for i in ids]
    return tuple(map(Channel, names, groups, logos, tvg_ids, kinds, lowered, repeat(source)))


def _with_shifts(channels: tuple[Channel, ...], shifts: Any) -> tuple[Channel, ...]:
    if not shifts:
        return channels
    if not isinstance(shifts, list):
        raise BrokenFile("tvg_shift is not a list")
    shifted = list(channels)
    for pair in shifts:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], int) and 0 <= pair[0] < len(shifted)):
            raise BrokenFile("a tvg_shift is not a [row, hours] pair")
        hours = pair[1]
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or abs(hours) > MAX_SHIFT_HOURS:
            raise BrokenFile(f"{hours!r} is not a tvg-shift")
        shifted[pair[0]] = dataclasses.replace(shifted[pair[0]], tvg_shift=float(hours))
    return tuple(shifted)


def _decode_favourites(raw: Any) -> frozenset[ChannelKey]:
    keys: set[ChannelKey] = set()
    for item in _check_format(raw, "favourites"):
        pair = isinstance(item, list) and len(item) == 2
        if not (pair and all(isinstance(v, str) for v in item)):
            raise BrokenFile("a favourite is not a [kind, id] pair")
        keys.add(ChannelKey(_kind(item[0]), _hex(item[1])))
    return frozenset(keys)


def _kind(value: str) -> Kind:
    kind = parse_kind(value)
    if kind is not None:
        return kind
    raise BrokenFile(f"unknown channel kind {value!r}")


def _hex(value: str) -> str:
    if not is_hex40(value):
        raise BrokenFile(f"{value!r} is not a 40-hex id")
    return value.lower()


def _strings(value: Any, what: str) -> list[str]:
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise BrokenFile(f"{what} is not a list of strings")
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BrokenFile(f"{value!r} is not a count")
    return value


def _optional(value: Any, kind: type | tuple[type, ...]) -> Any:
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
        return value
    raise BrokenFile(f"{value!r} has the wrong type")
