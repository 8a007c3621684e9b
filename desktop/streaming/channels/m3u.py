"""Reading the M3U playlists people already have into named AceStream channels.

Real playlists are untidy: a BOM or not, CRLF or LF, blank lines anywhere,
titles with commas, quotes and any script, `#EXTVLCOPT` and other tags mixed
in, plain HTTP streams beside AceStream links. The parser keeps what AceTray
can play, counts what it cannot, and never raises on content.

It works line by line with compiled regexes and str methods (no loop over
characters), so 10,000 channels parse in a few tens of milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop.streaming.channels.links import NotAceStream, parse_link
from desktop.streaming.channels.model import Channel, ChannelKey

# key="value" or key=value; names are case-insensitive in practice.
_ATTRIBUTE = re.compile(r'([A-Za-z0-9_.:-]+)\s*=\s*(?:"([^"]*)"|([^\s",]+))')
# The attribute part of an #EXTINF line: everything up to the first comma that
# is outside double quotes. A run of safe characters or one quoted string per
# step keeps the regex linear and free of backtracking.
_BEFORE_TITLE = re.compile(r'(?:[^",]+|"[^"]*")*')
_LINE_BREAK = re.compile(r"\r\n?|\n")
# Header attributes that name an EPG (XMLTV) address; each may list several, comma-separated.
EPG_ATTRIBUTES = ("url-tvg", "x-tvg-url", "tvg-url")


@dataclass(frozen=True)
class ParsedPlaylist:
    """What one playlist holds that AceTray can use, and what it left out."""

    channels: tuple[Channel, ...]
    header: tuple[tuple[str, str], ...] = ()  # #EXTM3U attributes, names lower-cased, first wins
    epg_urls: tuple[str, ...] = ()  # from url-tvg / x-tvg-url, in order, without repeats
    skipped: int = 0  # entries that are not AceStream links or carry an invalid id
    duplicates: int = 0  # entries whose (kind, id) an earlier entry already had

    @property
    def entries(self) -> int:
        """Every entry line the playlist had, kept or not."""
        return len(self.channels) + self.skipped + self.duplicates


@dataclass(frozen=True, slots=True)
class _Info:
    """What an #EXTINF line (and a following #EXTGRP) says about the next entry."""

    title: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    extgrp: str = ""

    def get(self, name: str) -> str:
        for key, value in self.attributes:
            if key == name:
                return value.strip()
        return ""


_NO_INFO = _Info()


def decode(data: bytes | str) -> str:
    """Playlists are UTF-8 with or without a BOM; a stray bad byte must not lose the rest."""
    if isinstance(data, bytes):
        return data.decode("utf-8-sig", errors="replace")
    return data.removeprefix("\ufeff")


def parse(data: bytes | str) -> ParsedPlaylist:
    """Parse a whole playlist; anything unreadable is skipped, never raised."""
    channels: list[Channel] = []
    seen: set[ChannelKey] = set()
    header: dict[str, str] = {}
    skipped = duplicates = 0
    info = _NO_INFO
    for raw in _LINE_BREAK.split(decode(data)):
        line = raw.strip()
        if not line:
            continue
        if line[0] == "#":
            tag = line[:8].upper()
            if tag == "#EXTINF:":
                info = _extinf(line)
            elif tag == "#EXTGRP:":
                info = _Info(info.title, info.attributes, line[8:].strip())
            elif tag.startswith("#EXTM3U"):
                for name, value in _attributes(line[7:]):
                    header.setdefault(name, value)
            continue  # #EXTVLCOPT, #KODIPROP, comments: not ours
        try:
            key = parse_link(line)
        except NotAceStream:
            skipped += 1
        else:
            if key in seen:
                duplicates += 1
            else:
                seen.add(key)
                channels.append(_channel(key, info))
        info = _NO_INFO  # #EXTINF and #EXTGRP describe only the next entry
    return ParsedPlaylist(
        channels=tuple(channels),
        header=tuple(header.items()),
        epg_urls=_epg_urls(header),
        skipped=skipped,
        duplicates=duplicates,
    )


def _attributes(text: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name.lower(), quoted or unquoted)
        for name, quoted, unquoted in _ATTRIBUTE.findall(text)
    )


def _extinf(line: str) -> _Info:
    """`#EXTINF:<duration> key="value" …,Title` — the title may hold commas and quotes."""
    body = line[8:]
    end = _BEFORE_TITLE.match(body).end()  # type: ignore[union-attr]  # `*` always matches
    if end < len(body) and body[end] == ",":
        attributes, title = body[:end], body[end + 1 :]
    else:
        # An unbalanced quote: fall back to the first comma of all.
        comma = body.find(",")
        attributes, title = (body, "") if comma < 0 else (body[:comma], body[comma + 1 :])
    return _Info(title.strip(), _attributes(attributes))


def _channel(key: ChannelKey, info: _Info) -> Channel:
    kind, content_id = key
    return Channel(
        name=info.title or info.get("tvg-name"),
        group=info.get("group-title") or info.extgrp,
        logo=info.get("tvg-logo") or info.get("logo"),
        tvg_id=info.get("tvg-id"),
        kind=kind,
        id=content_id,
    )


def _epg_urls(header: dict[str, str]) -> tuple[str, ...]:
    urls: dict[str, None] = {}
    for name in EPG_ATTRIBUTES:
        for url in header.get(name, "").split(","):
            if url.strip():
                urls.setdefault(url.strip(), None)
    return tuple(urls)
