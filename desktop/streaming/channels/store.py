"""Playlists (with the last good copy of each) and favourites, kept in the config folder.

Four files, each written atomically (a temporary file, flushed, then
`os.replace`), so a crash or a full disk never leaves half a file:

- `playlists.json`: every saved playlist with its channels, counts, last error
  and times, so channels are there offline and at start, before any refresh;
- `favourites.json`: the starred (kind, id) keys in the order they were starred
  (files written before the order mattered hold them sorted), small and written often;
- `channel_numbers.json`: every channel's number (`numbering.py`), so it never moves;
- `channel_sources.json`: the person's choices about channels' sources (`source_choices.py`).

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
from desktop.regular_files import read_regular_file
from desktop.streaming.channels import numbering, source_choices
from desktop.streaming.channels.grouping import name_keys
from desktop.streaming.channels.links import is_hex40
from desktop.streaming.channels.m3u import MAX_CHANNELS, MAX_NAME, MAX_SHIFT_HOURS
from desktop.streaming.channels.model import KINDS, Channel, ChannelKey, Kind, PlainStream
from desktop.streaming.channels.numbering import EMPTY_NUMBERS
from desktop.streaming.channels.source_choices import NO_CHOICES
from desktop.streaming.channels.state import ChannelsState, PlaylistState
from desktop.streaming.ids import parse_kind

log = logging.getLogger(__name__)

PLAYLISTS_FILE = "playlists.json"
FAVOURITES_FILE = "favourites.json"
NUMBERS_FILE = "channel_numbers.json"
SOURCES_FILE = "channel_sources.json"
# Far above what AceTray writes (50,000 channels a playlist), far below what would hurt: /dev/zero ends here.
MAX_FILE_BYTES = 256 * 1024 * 1024
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

    @property
    def numbers_path(self) -> Path:
        return self.folder / NUMBERS_FILE

    @property
    def sources_path(self) -> Path:
        return self.folder / SOURCES_FILE

    def load(self) -> StoreLoad:
        problems: list[str] = []
        no_playlists: tuple[PlaylistState, ...] = ()
        no_favourites: tuple[ChannelKey, ...] = ()
        playlists = _read(self.playlists_path, _decode_playlists, no_playlists, "playlists", problems)
        favourites = _read(self.favourites_path, _decode_favourites, no_favourites, "favourites", problems)
        numbers = _read(self.numbers_path, numbering.decode, EMPTY_NUMBERS, "channel numbers", problems)
        choices = _read(self.sources_path, source_choices.decode, NO_CHOICES, "channel sources", problems)
        return StoreLoad(ChannelsState(playlists, favourites, numbers, choices), tuple(problems))

    def save(self, state: ChannelsState) -> None:
        self.save_playlists(state)
        self.save_favourites(state)
        self.save_numbers(state)
        self.save_choices(state)

    def save_choices(self, state: ChannelsState) -> None:
        write_json_atomically(self.sources_path, source_choices.encode(state.choices))

    def save_numbers(self, state: ChannelsState) -> None:
        write_json_atomically(self.numbers_path, numbering.encode(state.numbers))

    def save_playlists(self, state: ChannelsState) -> None:
        """Only the saved playlists: one added for a single run is never written."""
        playlists = [_encode_playlist(p) for p in state.playlists if p.saved]
        write_json_atomically(self.playlists_path, {"format": FORMAT, "playlists": playlists})

    def save_favourites(self, state: ChannelsState) -> None:
        favourites = [[kind, cid] for kind, cid in state.starred]
        write_json_atomically(self.favourites_path, {"format": FORMAT, "favourites": favourites})


def _read(path: Path, decode: Callable[[Any], T], empty: T, what: str, problems: list[str]) -> T:
    try:
        data = read_regular_file(path, MAX_FILE_BYTES)
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
        # Not every channel has these: [row, value] pairs beside the rows (a reader that does not know them skips them).
        "tvg_shift": [[n, c.tvg_shift] for n, c in enumerate(p.channels) if c.tvg_shift],
        "tvg_name": [[n, c.tvg_name] for n, c in enumerate(p.channels) if c.tvg_name],
        "tvg_chno": [[n, c.chno] for n, c in enumerate(p.channels) if c.chno],
        "radio": [n for n, c in enumerate(p.channels) if c.radio],
        "streams": [[s.group, *s.lines] for s in p.streams],  # the plain streams, passed on as written
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
        channels = _with_extras(_decode_channels(item.get("channels", []), source), item)
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
                streams=_decode_streams(item.get("streams", [])),
                name_keys=name_keys(channels),  # here, off the core's loop: grouping compares them
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


def _with_extras(channels: tuple[Channel, ...], item: dict[str, Any]) -> tuple[Channel, ...]:
    """The rows' tvg-shift, tvg-name, number and radio mark, kept beside them as [row, value] pairs."""
    changes: dict[int, dict[str, Any]] = {}
    for row, hours in _pairs(item.get("tvg_shift"), "tvg_shift", len(channels)):
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or abs(hours) > MAX_SHIFT_HOURS:
            raise BrokenFile(f"{hours!r} is not a tvg-shift")
        changes.setdefault(row, {})["tvg_shift"] = float(hours)
    for row, name in _pairs(item.get("tvg_name"), "tvg_name", len(channels)):
        if not isinstance(name, str):
            raise BrokenFile(f"{name!r} is not a tvg-name")
        changes.setdefault(row, {})["tvg_name"] = name
    for row, number in _pairs(item.get("tvg_chno"), "tvg_chno", len(channels)):
        if not isinstance(number, str) or numbering.normalize_number(number) != number:
            raise BrokenFile(f"{number!r} is not a channel number")
        changes.setdefault(row, {})["chno"] = number
    radio = item.get("radio") or []
    if not isinstance(radio, list) or not all(type(n) is int and 0 <= n < len(channels) for n in radio):
        raise BrokenFile("radio is not a list of rows")
    for row in radio:
        changes.setdefault(row, {})["radio"] = True
    if not changes:
        return channels
    return tuple(dataclasses.replace(c, **changes[n]) if n in changes else c for n, c in enumerate(channels))


def _pairs(value: Any, what: str, rows: int) -> list[tuple[int, Any]]:
    if not value:
        return []
    if not isinstance(value, list):
        raise BrokenFile(f"{what} is not a list")
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2 and type(pair[0]) is int and 0 <= pair[0] < rows):
            raise BrokenFile(f"a {what} is not a [row, value] pair")
    return [(row, v) for row, v in value]


def _decode_streams(rows: Any) -> tuple[PlainStream, ...]:
    """Rows of [group, line, …, url]."""
    if not isinstance(rows, list):
        raise BrokenFile("the plain streams are not a list")
    streams = []
    for row in rows:
        if not (isinstance(row, list) and len(row) >= 2 and all(isinstance(v, str) for v in row)):
            raise BrokenFile("a plain stream is not a group and its lines")
        if any("\n" in v or "\r" in v for v in row):
            raise BrokenFile("a plain stream's line holds a line break")
        streams.append(PlainStream(tuple(row[1:]), row[0]))
    return tuple(streams)


def _decode_favourites(raw: Any) -> tuple[ChannelKey, ...]:
    keys: dict[ChannelKey, None] = {}  # the starring order, each key once
    for item in _check_format(raw, "favourites"):
        pair = isinstance(item, list) and len(item) == 2
        if not (pair and all(isinstance(v, str) for v in item)):
            raise BrokenFile("a favourite is not a [kind, id] pair")
        keys.setdefault(ChannelKey(_kind(item[0]), _hex(item[1])))
    return tuple(keys)


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
