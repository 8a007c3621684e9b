"""Writing the one guide, `/epg.xml`: a `<channel>` per AceTray channel, then the programmes.

Written as a stream to a file (and its gzip beside it, for clients that ask):
the channels first, as the XMLTV DTD wants, then each channel's programmes read
from its guide's copy one row at a time, `tvg-shift` added to their times. A
channel with no guide, or whose guide has nothing for the days ahead, gets
placeholder programmes named after it in blocks of `PLACEHOLDER_HOURS`, so apps
that need a guide still list it; their description (`PLACEHOLDER_DESC`) tells a
person browsing the guide why, and the TV apps Test tells them from a real guide.
The output passes `tv_validate_file`.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

from desktop import __version__
from desktop.streaming.guide.match import GuideRef
from desktop.streaming.guide.store import open_copy, read_programmes
from desktop.streaming.guide.xmltv_time import format_time

PLACEHOLDER_HOURS = 3
PLACEHOLDER_DAYS = 3  # how far ahead placeholders reach
PLACEHOLDER_DESC = "AceTray has no guide for this channel."
PAST = 12 * 3600  # programmes that started longer ago than this are left out
_FLUSH = 256 * 1024  # bytes gathered before one write
# Characters XML 1.0 cannot hold at all; playlists may carry them in names.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class GuideEntry:
    """One AceTray channel as the guide lists it."""

    xmltv_id: str  # the id /playlist.m3u gives it as tvg-id
    number: str | None  # its channel number, in the display name (Plex maps a guide by number)
    name: str
    logo: str = ""
    shift: int = 0  # seconds added to its programmes' times (the playlist's tvg-shift)
    ref: GuideRef | None = None  # where its programmes come from; None: placeholders


@dataclass(frozen=True)
class RenderCounts:
    channels: int
    programmes: int
    placeholders: int  # channels that got placeholder programmes


def write_guide(
    plain: Path, packed: Path, entries: list[GuideEntry], copies: dict[str, Path], now: int
) -> RenderCounts:
    """Write the guide to `plain` and, gzip-compressed, to `packed`. `copies` maps a guide's
    source to its stored copy."""
    plain.parent.mkdir(parents=True, exist_ok=True)
    with plain.open("wb") as out, gzip.open(packed, "wb", compresslevel=6) as zipped:
        writer = _Writer((out, zipped))  # type: ignore[arg-type]
        with _Readers(copies) as readers:
            counts = _write(writer, entries, readers.programmes, now)
        writer.flush()
    return counts


def _write(
    writer: _Writer,
    entries: list[GuideEntry],
    programmes: Callable[[GuideRef, int], Iterator[tuple[int, int | None, bytes]]],
    now: int,
) -> RenderCounts:
    put = writer.put
    put(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    put(f'<tv generator-info-name="AceTray {escape(__version__)}">\n'.encode())
    for entry in entries:
        put(_channel(entry))
    since = now - PAST
    total = placeholders = 0
    for entry in entries:
        channel = quoteattr(entry.xmltv_id).encode()
        written = 0
        if entry.ref is not None:
            for start, stop, body in _with_stops(programmes(entry.ref, since - entry.shift)):
                start += entry.shift
                times = f'start="{format_time(start)}"'
                if stop is not None:
                    times += f' stop="{format_time(stop + entry.shift)}"'
                put(b"<programme " + times.encode() + b" channel=" + channel + b">" + body + b"</programme>\n")
                written += 1
        if not written:
            written = _placeholders(put, channel, entry.name, now)
            placeholders += 1
        total += written
    put(b"</tv>\n")
    return RenderCounts(len(entries), total, placeholders)


def _channel(entry: GuideEntry) -> bytes:
    name = _text(entry.name) or entry.xmltv_id
    names = [f"{entry.number} {name}", entry.number, name] if entry.number else [name]
    shown = "".join(f"<display-name>{escape(n)}</display-name>" for n in dict.fromkeys(names))
    icon = f"<icon src={quoteattr(_text(entry.logo))}/>" if entry.logo.strip() else ""
    return f"<channel id={quoteattr(entry.xmltv_id)}>{shown}{icon}</channel>\n".encode()


def _placeholders(put: Callable[[bytes], None], channel: bytes, name: str, now: int) -> int:
    block = PLACEHOLDER_HOURS * 3600
    first = now - now % block
    title = b"<title>" + escape(_text(name) or "AceTray").encode() + b"</title>"
    title += b"<desc>" + escape(PLACEHOLDER_DESC).encode() + b"</desc>"
    count = PLACEHOLDER_DAYS * 24 // PLACEHOLDER_HOURS
    for n in range(count):
        start = first + n * block
        times = f'start="{format_time(start)}" stop="{format_time(start + block)}"'.encode()
        put(b"<programme " + times + b" channel=" + channel + b">" + title + b"</programme>\n")
    return count


def _with_stops(rows: Iterable[tuple[int, int | None, bytes]]) -> Iterator[tuple[int, int | None, bytes]]:
    """A programme without a stop time ends when the next one starts (Kodi needs an end)."""
    held: tuple[int, int | None, bytes] | None = None
    for row in rows:
        if held is not None:
            start, stop, body = held
            yield start, stop if stop is not None else row[0] if row[0] > start else None, body
        held = row
    if held is not None:
        yield held


def _text(value: str) -> str:
    return " ".join(_NOT_XML.sub("", value).split())


class _Writer:
    """Gathers small pieces and writes them to every output in large ones."""

    def __init__(self, outputs: tuple[BinaryIO, ...]) -> None:
        self._outputs = outputs
        self._parts: list[bytes] = []
        self._size = 0

    def put(self, data: bytes) -> None:
        self._parts.append(data)
        self._size += len(data)
        if self._size >= _FLUSH:
            self.flush()

    def flush(self) -> None:
        data = b"".join(self._parts)
        self._parts.clear()
        self._size = 0
        for output in self._outputs:
            output.write(data)


class _Readers:
    """One read-only connection per guide copy, opened when first needed."""

    def __init__(self, copies: dict[str, Path]) -> None:
        self._copies = copies
        self._open: dict[str, sqlite3.Connection] = {}

    def programmes(self, ref: GuideRef, since: int) -> Iterator[tuple[int, int | None, bytes]]:
        path = self._copies.get(ref.source)
        if path is None:
            return iter(())
        db = self._open.get(ref.source)
        if db is None:
            db = self._open[ref.source] = open_copy(path)
        return read_programmes(db, ref.channel_id, since)

    def __enter__(self) -> _Readers:
        return self

    def __exit__(self, *_exc: object) -> None:
        for db in self._open.values():
            with contextlib.suppress(sqlite3.Error):
                db.close()
